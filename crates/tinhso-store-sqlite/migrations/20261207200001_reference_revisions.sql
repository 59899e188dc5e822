-- Revision counters of the reference data every request reads: the catalog's latest versions
-- (procedure_heads), the agencies, the workflows. Each grows with every row written to its
-- tables, by the triggers below, in the same transaction as the write, whoever writes (an
-- import on this node or another, the CLI, an admin page). A node keeps the latest records in
-- memory and checks them with one read of this row (Store::revisions) instead of re-reading
-- each record per request.
CREATE TABLE reference_revisions (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    catalog   INTEGER NOT NULL,
    agencies  INTEGER NOT NULL,
    workflows INTEGER NOT NULL
);
INSERT INTO reference_revisions (id, catalog, agencies, workflows) VALUES (1, 0, 0, 0);

-- SQLite triggers run for each row.
CREATE TRIGGER procedure_heads_insert_revision AFTER INSERT ON procedure_heads
BEGIN UPDATE reference_revisions SET catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_heads_update_revision AFTER UPDATE ON procedure_heads
BEGIN UPDATE reference_revisions SET catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER procedure_heads_delete_revision AFTER DELETE ON procedure_heads
BEGIN UPDATE reference_revisions SET catalog = catalog + 1 WHERE id = 1; END;

CREATE TRIGGER agencies_insert_revision AFTER INSERT ON agencies
BEGIN UPDATE reference_revisions SET agencies = agencies + 1 WHERE id = 1; END;
CREATE TRIGGER agencies_update_revision AFTER UPDATE ON agencies
BEGIN UPDATE reference_revisions SET agencies = agencies + 1 WHERE id = 1; END;
CREATE TRIGGER agencies_delete_revision AFTER DELETE ON agencies
BEGIN UPDATE reference_revisions SET agencies = agencies + 1 WHERE id = 1; END;

CREATE TRIGGER workflows_insert_revision AFTER INSERT ON workflows
BEGIN UPDATE reference_revisions SET workflows = workflows + 1 WHERE id = 1; END;
CREATE TRIGGER workflows_update_revision AFTER UPDATE ON workflows
BEGIN UPDATE reference_revisions SET workflows = workflows + 1 WHERE id = 1; END;
CREATE TRIGGER workflows_delete_revision AFTER DELETE ON workflows
BEGIN UPDATE reference_revisions SET workflows = workflows + 1 WHERE id = 1; END;
