-- Indicators (assess/): a county's figures for a period read the cases that
-- still matter to it: those resolved, or due, at or after the period's
-- start, and those unresolved (cancelled and merged ones never matter).
-- The expression is assess.relevantUntil, written out identically: the
-- planner matches it by structure. On a month of a county with years of
-- history this reads the month's cases and the open backlog instead of
-- the whole table; cases by report time alone (010) cannot find the
-- backlog. assess's tests check that the statement can use it.
--
-- reported_at comes last so that a past period (or last year's, for 同比)
-- drops the cases reported after it inside the index, without reading them.
CREATE INDEX cases_relevant_idx ON cases (tenant_id,
    (CASE WHEN resolved_at IS NOT NULL THEN CASE WHEN complete_due > resolved_at THEN complete_due ELSE resolved_at END
        WHEN status IN ('cancelled', 'merged') THEN '-infinity'::timestamptz ELSE 'infinity'::timestamptz END),
    reported_at);

-- Satisfaction counts the ratings given in a period: by street and time.
CREATE INDEX case_ratings_created_idx ON case_ratings (tenant_id, created_at);
