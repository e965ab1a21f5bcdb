-- Duban schema 0031 (PostgreSQL, issue 15): the held matters' index holds every column their light reads.
-- A light's list or box now pages its held half and its waiting half apart (LightRule.Halves), each from the
-- index of its states, and reads the page's keys before its rows. The held half's yellow and green also read the
-- 重点督办 silence (key_supervision, last_progress_at), which ix_matters_running (0022) lacked; with them the
-- half is an index-only scan.
DROP INDEX ix_matters_running;
CREATE INDEX ix_matters_running ON matters(status, received_at DESC, id DESC)
    INCLUDE (due_at, paused_at, yellow_at, warn_at, key_supervision, last_progress_at, confidential, subject_unit_code, county_code)
    WHERE status IN ('dispatched', 'in_progress', 'pending_review');
