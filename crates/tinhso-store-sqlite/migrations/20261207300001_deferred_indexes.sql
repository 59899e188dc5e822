-- Secondary indexes a long bulk load (`tinhso seed`) dropped, to be built once after it
-- (tinhso_store::kpi::DEFERRABLE_INDEXES), with their exact definitions as the database gave
-- them: finishing the load, or opening the store after an interrupted one, re-creates precisely
-- what was there.
CREATE TABLE deferred_indexes (
    name      text PRIMARY KEY,
    statement text NOT NULL
);
