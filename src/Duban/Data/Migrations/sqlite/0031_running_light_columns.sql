-- Duban schema 0031 (issue 15): the held matters' index holds every column their light reads.
-- A light's list or box now pages its held half and its waiting half apart (LightRule.Halves), each from the
-- index of its states, and reads the page's keys before its rows. The held half's yellow and green also read the
-- 重点督办 silence (key_supervision, last_progress_at), which ix_matters_running (0022) lacked: SQLite then read
-- a table row for every held matter (75,000 at a year's volume) to test it. With them, the half is paged from
-- the index alone, newest first.
DROP INDEX ix_matters_running;
CREATE INDEX ix_matters_running ON matters(status, received_at DESC, id DESC, due_at, paused_at, yellow_at, warn_at,
    key_supervision, last_progress_at, confidential, subject_unit_code, county_code)
    WHERE status IN ('dispatched', 'in_progress', 'pending_review');
