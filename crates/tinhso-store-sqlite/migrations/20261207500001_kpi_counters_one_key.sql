-- The KPI counters keep ONE b-tree (issue 5): the primary key leads with what every read names
-- (kind, grain, the days of its buckets), then the dimension and the metric, so
-- - rankings and heat tables of a kind read one contiguous run per bucket day, already in
--   (dimension, metric) order, and
-- - one dimension's read seeks (kind, grain, day, dimension) for each named day,
-- and the covering index `kpi_counters_by_kind`, a second copy of every row that each counter
-- write also had to update, is gone: half the rows to write, half the file.
CREATE TABLE kpi_counters_one_key (
    dim    TEXT    NOT NULL,   -- Dimension::key, e.g. 'competent:000.00.12.H62'
    kind   TEXT    NOT NULL,   -- its kind: province, receiving, competent, field, procedure, commune
    grain  INTEGER NOT NULL CHECK (grain BETWEEN 0 AND 3),
    day    TEXT    NOT NULL,
    metric TEXT    NOT NULL,   -- Metric::key, e.g. 'on_time', 'in_progress_due:36'
    value  INTEGER NOT NULL,
    PRIMARY KEY (kind, grain, day, dim, metric)
) WITHOUT ROWID;
INSERT INTO kpi_counters_one_key (dim, kind, grain, day, metric, value)
    SELECT dim, kind, grain, day, metric, value FROM kpi_counters;
DROP TABLE kpi_counters;
ALTER TABLE kpi_counters_one_key RENAME TO kpi_counters;
-- Gauges (the dossiers as they are now) of one dimension or of every dimension of a kind.
CREATE INDEX kpi_counters_gauges ON kpi_counters (kind, dim, day, metric, value) WHERE grain = 3;
