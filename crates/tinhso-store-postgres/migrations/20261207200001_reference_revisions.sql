-- Revision counters of the reference data every request reads: the catalog's latest versions
-- (procedure_heads), the agencies, the workflows. Each grows with every row written to its
-- tables, by the triggers below, in the same transaction as the write (a row update: it
-- becomes visible exactly when the write commits, never before), whoever writes (an import on
-- this node or another, the CLI, an admin page). A node keeps the latest records in memory
-- and checks them with one read of this row (Store::revisions) instead of re-reading each
-- record per request.
CREATE TABLE reference_revisions (
    id        integer PRIMARY KEY CHECK (id = 1),
    catalog   bigint NOT NULL,
    agencies  bigint NOT NULL,
    workflows bigint NOT NULL
);
INSERT INTO reference_revisions (id, catalog, agencies, workflows) VALUES (1, 0, 0, 0);

CREATE FUNCTION tinhso_bump_reference_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CASE TG_ARGV[0]
        WHEN 'catalog' THEN
            UPDATE reference_revisions SET catalog = catalog + 1 WHERE id = 1;
        WHEN 'agencies' THEN
            UPDATE reference_revisions SET agencies = agencies + 1 WHERE id = 1;
        WHEN 'workflows' THEN
            UPDATE reference_revisions SET workflows = workflows + 1 WHERE id = 1;
    END CASE;
    RETURN NULL;
END
$$;

CREATE TRIGGER procedure_heads_revision
AFTER INSERT OR UPDATE OR DELETE ON procedure_heads
FOR EACH ROW EXECUTE FUNCTION tinhso_bump_reference_revision('catalog');
CREATE TRIGGER procedure_heads_truncate_revision
AFTER TRUNCATE ON procedure_heads
FOR EACH STATEMENT EXECUTE FUNCTION tinhso_bump_reference_revision('catalog');

CREATE TRIGGER agencies_revision
AFTER INSERT OR UPDATE OR DELETE ON agencies
FOR EACH ROW EXECUTE FUNCTION tinhso_bump_reference_revision('agencies');
CREATE TRIGGER agencies_truncate_revision
AFTER TRUNCATE ON agencies
FOR EACH STATEMENT EXECUTE FUNCTION tinhso_bump_reference_revision('agencies');

CREATE TRIGGER workflows_revision
AFTER INSERT OR UPDATE OR DELETE ON workflows
FOR EACH ROW EXECUTE FUNCTION tinhso_bump_reference_revision('workflows');
CREATE TRIGGER workflows_truncate_revision
AFTER TRUNCATE ON workflows
FOR EACH STATEMENT EXECUTE FUNCTION tinhso_bump_reference_revision('workflows');
