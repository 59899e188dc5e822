-- Heat tables (units × months of the on-time rate) read only the outcome counters of every unit
-- of a kind: this partial index holds just those rows (3 metrics of the ~70 a unit has), in the
-- order the read names them. A query uses it by writing the same condition
-- (tinhso_store::kpi::OUTCOMES_CONDITION).
CREATE INDEX kpi_counters_outcomes ON kpi_counters (kind, grain, day, metric, dim, value)
    WHERE metric IN ('early', 'late', 'on_time');
