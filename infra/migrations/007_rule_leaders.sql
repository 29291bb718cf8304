-- A dispatch rule names the responsible leader its cases are dispatched
-- under, so that a case matching it is dispatched on intake (自动分拨)
-- with a leader, a department and deadlines, as a manual dispatch is.
ALTER TABLE dispatch_rules ADD COLUMN leader_name text NOT NULL DEFAULT ''
    CHECK (length(leader_name) <= 60);
