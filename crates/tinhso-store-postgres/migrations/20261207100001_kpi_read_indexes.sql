-- Indexes the dashboard's reads need at millions of dossiers (issue 5; tinhso_store::kpi).

-- Rankings and heat tables read every dimension of a kind: by grain, the stored days of the
-- buckets (named one by one) and the metrics, with the columns they return included
-- (index-only scans once the table is vacuumed, which `tinhso seed` does after a bulk load).
DROP INDEX kpi_counters_by_kind;
CREATE INDEX kpi_counters_by_kind ON kpi_counters (kind, grain, day, metric) INCLUDE (dim, value);

-- Gauges (the dossiers as they are now) of every dimension of a kind, summed at a moment.
CREATE INDEX kpi_counters_gauges ON kpi_counters (kind, dim) INCLUDE (day, metric, value)
    WHERE grain = 3;

-- Drill-down lists page in (defining day, id) order and keep the dossiers that lose points on
-- the indicator (the `loses` bit): each index serves the province or an agency, for either
-- defining day; the facts are then read for one page of ids.
DROP INDEX kpi_facts_competent_end;
DROP INDEX kpi_facts_competent_received;
DROP INDEX kpi_facts_end;
DROP INDEX kpi_facts_received;
CREATE INDEX kpi_facts_competent_end ON kpi_facts (competent_agency, index_end_on, dossier_id, loses);
CREATE INDEX kpi_facts_competent_received ON kpi_facts (competent_agency, received_on, dossier_id, loses);
CREATE INDEX kpi_facts_end ON kpi_facts (index_end_on, dossier_id, loses);
CREATE INDEX kpi_facts_received ON kpi_facts (received_on, dossier_id, loses);
