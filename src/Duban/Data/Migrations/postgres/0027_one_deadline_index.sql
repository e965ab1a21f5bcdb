-- Duban schema 0027 (issue 15): one index of the held matters by deadline. ix_matters_due (0001: due_at,
-- partial on the held states) is the first column of ix_matters_due_overdue (0023: due_at and what the
-- overdue count, its grouping and its visibility read, with the same partial condition), so it serves
-- nothing the covering one does not; and while both existed SQLite, given statistics, chose the narrow one
-- and read a table row per held matter (a year's open overdue count: 124 ms of CPU at 1 M matters, 22 ms
-- from the covering index alone). The supervision job's candidates and the overdue lists now read the
-- covering index.
DROP INDEX ix_matters_due;
