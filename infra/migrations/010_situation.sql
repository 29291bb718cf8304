-- The situational dashboard (态势): its period scans read a street's cases
-- by report time (as do the indicators of assess/), and its live view
-- watches each street's latest change.

-- It carries what the dashboard groups by (and what row-level security
-- reads: tracking_code), so a period is read from the index alone.
CREATE INDEX cases_reported_idx ON cases (tenant_id, reported_at)
    INCLUDE (status, channel, grade, category_id, community_id, grid_id, tracking_code);

-- Dashboards learn that a street's cases changed by asking for its latest
-- change every few seconds (situation.Hub): one index probe per watched
-- street. A NOTIFY per case would serialise every committing intake on
-- PostgreSQL's notify queue lock.
CREATE INDEX cases_updated_idx ON cases (tenant_id, updated_at);
