-- The gauge index holds only the gauges that count something now (issue 5). A gauge row is
-- keyed by a due moment (day, quarter-hour slot): it goes to 0 when the last dossier due then
-- leaves the state, and stays in the table. On a live system those zero rows pile up, one per
-- dimension per due slot ever used, and every read of "the dossiers as they are now" scanned
-- them all. A partial index leaves them out (an update that moves a value to or from 0 moves
-- the row out of or into it). The gauge reads write the same condition
-- (tinhso_store::kpi::LIVE_GAUGES_CONDITION).
DROP INDEX IF EXISTS kpi_counters_gauges;
CREATE INDEX kpi_counters_gauges ON kpi_counters (kind, dim) INCLUDE (day, metric, value)
    WHERE grain = 3 AND value <> 0;
