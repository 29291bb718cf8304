-- The situational dashboard (态势): its period scans read a street's cases
-- by report time (as do the indicators of assess/), and every change of a
-- case signals the dashboards.

CREATE INDEX cases_reported_idx ON cases (tenant_id, reported_at);

-- The payload is the street's id: the server's listener fans it out to the
-- dashboards of that street and its county. pg_notify folds repeats within
-- a transaction, so a batch of changes is one signal.
CREATE FUNCTION fengqiao_case_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('case_changes', NEW.tenant_id::text);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER cases_changed AFTER INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION fengqiao_case_changed();
