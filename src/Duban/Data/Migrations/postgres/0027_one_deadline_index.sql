-- Duban schema 0027 (issue 15): one index of the held matters by deadline, led by the state.
-- ix_matters_due (0001: due_at, partial on the held states) is the first column of ix_matters_due_overdue
-- (0023: due_at and what the overdue count, its grouping and its visibility read, same partial condition):
-- it served nothing the covering one did not. And SQLite, which Duban never analyses, plans without
-- statistics: it then takes `status = ?` on any index for the most selective term, so the overdue count
-- (status IN the held states AND due_at in the period) read ix_matters_status_subject and a table row per
-- held matter: 420–500 ms at a million matters, for a month as for a year. With the state first and the
-- deadline second, the count is `status = ? AND due_at > ? AND due_at < ?` on a covering index: 20–30 ms.
DROP INDEX ix_matters_due;
DROP INDEX ix_matters_due_overdue;
CREATE INDEX ix_matters_due_overdue ON matters(status, due_at, lead_unit_code, county_code, paused_at, confidential, subject_unit_code)
    WHERE status IN ('dispatched', 'in_progress', 'pending_review');
