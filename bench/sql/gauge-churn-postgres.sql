-- A year of live churn, simulated (docs/BENCHMARKS.md, session 7): one gauge row at 0 per agency /
-- commune, per day of 2025, per 8 due slots (a due moment whose dossiers all left the state).
-- psql -f bench/sql/gauge-churn-postgres.sql DATABASE
INSERT INTO kpi_counters (dim, kind, grain, day, metric, value)
SELECT dims.dim, dims.kind, 3, d::date, 'in_progress_due:' || s, 0
FROM (SELECT DISTINCT dim, kind FROM kpi_counters WHERE grain = 2 AND kind IN ('competent', 'commune')) dims,
     generate_series('2025-01-01'::date, '2025-12-31'::date, '1 day') d,
     unnest(ARRAY[30, 34, 38, 42, 46, 50, 54, 58]) s
ON CONFLICT DO NOTHING;
VACUUM ANALYZE kpi_counters;
