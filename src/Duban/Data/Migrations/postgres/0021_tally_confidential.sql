-- Duban schema 0021 (PostgreSQL): confidential reports enter the counters (Features/Tally, issue 15).
-- A confidential report with a subject unit was kept out of the counters and counted live for every
-- reader: at a year's volume that live part was the lights board's seconds. It is now counted like any
-- matter, and once more in twin counters "about" its subject unit (kind "status@<unit>"), which a reader
-- in that unit or beneath it subtracts. The bucket keeps the subject instead of a "counted" flag; the
-- next pass rebuilds the counters from the records (no tally_state row).
ALTER TABLE tally_matters ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE tally_matters DROP COLUMN counted;
DELETE FROM tally_state;
