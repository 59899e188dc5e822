-- A counter debt of a bulk load (tinhso_store::kpi::BulkLoad::owe_counters): `tinhso seed` writes
-- dossiers batch by batch and sums their KPI counters in memory, writing each counter row once.
-- While this row exists the counters lag the facts; the seed's last write of counters deletes
-- it in the same transaction, and so does a rebuild. Opening the store with the row present
-- (the seed was killed) rebuilds the counters from the facts.
CREATE TABLE kpi_counters_owed (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
