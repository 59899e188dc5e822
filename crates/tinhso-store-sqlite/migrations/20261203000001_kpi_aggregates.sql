-- KPI aggregates of the operations dashboard (issue 5; domain.md §3, §6; tinhso_store::kpi).
-- Both tables change only in the transaction that changes the dossier they describe (or in a
-- rebuild, which rewrites them whole in one transaction).

-- Per dossier: its KPI facts as of its latest write, and the columns drill-down lists filter on.
CREATE TABLE kpi_facts (
    dossier_id       INTEGER PRIMARY KEY REFERENCES dossiers (id),
    receiving_agency TEXT    NOT NULL,
    competent_agency TEXT    NOT NULL,
    procedure_code   TEXT    NOT NULL,
    commune_code     TEXT,
    fields           TEXT    NOT NULL,  -- JSON array of strings
    received_on      TEXT    NOT NULL,  -- the day it entered the system
    index_end_on     TEXT,              -- the day it ended for the index (domain.md §3)
    loses            INTEGER NOT NULL,  -- bit mask of the 766 indicators it loses points on
    facts            TEXT    NOT NULL   -- tinhso_domain::kpi::KpiFacts as JSON
);
CREATE INDEX kpi_facts_competent_end ON kpi_facts (competent_agency, index_end_on);
CREATE INDEX kpi_facts_competent_received ON kpi_facts (competent_agency, received_on);
CREATE INDEX kpi_facts_end ON kpi_facts (index_end_on);
CREATE INDEX kpi_facts_received ON kpi_facts (received_on);

-- Additive counters: tinhso_domain::kpi::CounterKey (day, dimension, metric) at the grains
-- 0 day, 1 month (first day), 2 year (1 January) and 3 gauge (the dossiers as they are now).
CREATE TABLE kpi_counters (
    dim    TEXT    NOT NULL,   -- Dimension::key, e.g. 'competent:000.00.12.H62'
    kind   TEXT    NOT NULL,   -- its kind: province, receiving, competent, field, procedure, commune
    grain  INTEGER NOT NULL CHECK (grain BETWEEN 0 AND 3),
    day    TEXT    NOT NULL,
    metric TEXT    NOT NULL,   -- Metric::key, e.g. 'on_time', 'in_progress_due:36'
    value  INTEGER NOT NULL,
    PRIMARY KEY (dim, grain, day, metric)
) WITHOUT ROWID;
-- Rankings and heat tables: every dimension of a kind over a period.
CREATE INDEX kpi_counters_by_kind ON kpi_counters (kind, grain, day);
