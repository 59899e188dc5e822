-- The KPI counters keep ONE index besides the table (issue 5): the primary key leads with what
-- every read names (kind, grain, the days of its buckets), then the dimension and the metric,
-- with the value included (index-only scans once vacuumed), so
-- - rankings and heat tables of a kind read one contiguous run per bucket day, already in
--   (dimension, metric) order, and
-- - one dimension's read seeks (kind, grain, day, dimension) for each named day,
-- and the covering index `kpi_counters_by_kind`, which each counter write also had to update,
-- is gone.
ALTER TABLE kpi_counters DROP CONSTRAINT kpi_counters_pkey;
DROP INDEX kpi_counters_by_kind;
ALTER TABLE kpi_counters ADD PRIMARY KEY (kind, grain, day, dim, metric) INCLUDE (value);
