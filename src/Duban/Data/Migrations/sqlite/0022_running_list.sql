-- Duban schema 0022 (SQLite): the matters held by a unit, for a list's light filter (issue 15).
-- light=red (and yellow, green) is an OR of two parts: held by a unit (dispatched, in progress, pending review)
-- with its deadline read, and waiting for dispatch (received, returned) with its acceptance deadline. The
-- held part was read through ix_matters_status_subject, a lookup of the table row for every held matter (at
-- 1 M matters, tens of thousands) to count them and again to sort them by date. This partial index holds
-- what that part's filter, the reader's visibility (confidential, subject unit, county) and the list's order
-- read, so the count is read from the index alone and the page's newest rows from it too.
CREATE INDEX ix_matters_running ON matters(status, received_at DESC, id DESC, due_at, paused_at, yellow_at, warn_at,
    confidential, subject_unit_code, county_code)
    WHERE status IN ('dispatched', 'in_progress', 'pending_review');
