-- Duban schema 0027 (issue 15): one index of the held matters by deadline. ix_matters_due (0001: due_at,
-- partial on the held states) is the first column of ix_matters_due_overdue (0023: due_at and what the
-- overdue count, its grouping and its visibility read, with the same partial condition): it serves nothing
-- the covering one does not, costs a write at every change of a held matter's deadline or state, and is
-- one more look-alike for the planner to weigh. The supervision job's candidates and the overdue lists
-- read the covering index.
DROP INDEX ix_matters_due;
