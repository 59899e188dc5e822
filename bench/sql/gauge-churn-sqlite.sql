-- sqlite3 DATABASE < bench/sql/gauge-churn-sqlite.sql
-- A year of live churn, simulated: one gauge row at 0 per agency / commune, per day of 2025, per
-- 8 due slots (a due moment whose dossiers all left the state).
WITH RECURSIVE d(day) AS (SELECT '2025-01-01' UNION ALL SELECT date(day, '+1 day') FROM d WHERE day < '2025-12-31'),
s(slot) AS (VALUES (30), (34), (38), (42), (46), (50), (54), (58)),
dims AS (SELECT DISTINCT dim, kind FROM kpi_counters WHERE grain = 2 AND kind IN ('competent', 'commune'))
INSERT OR IGNORE INTO kpi_counters (dim, kind, grain, day, metric, value)
SELECT dims.dim, dims.kind, 3, d.day, 'in_progress_due:' || s.slot, 0 FROM dims, d, s;
SELECT changes();
