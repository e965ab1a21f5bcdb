-- Duban schema 0022 (PostgreSQL): the matters held by a unit, for a list's light filter (issue 15).
-- light=red (and yellow, green) is an OR of two parts: held by a unit (dispatched, in progress, pending review)
-- with its deadline read, and waiting for dispatch (received, returned) with its acceptance deadline. This
-- partial index holds what the held part's filter, the reader's visibility and the list's order read, so
-- that part is counted by an index-only scan and paged from the index.
CREATE INDEX ix_matters_running ON matters(status, received_at DESC, id DESC)
    INCLUDE (due_at, paused_at, yellow_at, warn_at, confidential, subject_unit_code, county_code)
    WHERE status IN ('dispatched', 'in_progress', 'pending_review');
