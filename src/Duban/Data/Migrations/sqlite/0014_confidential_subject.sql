-- Duban schema 0014: every reader's lists leave out the confidential reports about their own unit
-- (MatterScope: NOT (confidential AND subject_unit_code IN the reader's units)). A list's count then tests
-- those two columns of every matter it counts: these indexes hold them beside what the commonest lists
-- count by (everything, for the city; a county; a status), so those counts read an index, a fraction of
-- the table, instead of the table itself (bench scale: the city's list 1,145 → 50 ms at 1 M matters).
CREATE INDEX ix_matters_confidential_subject ON matters(confidential, subject_unit_code);
CREATE INDEX ix_matters_county_subject ON matters(county_code, confidential, subject_unit_code);
CREATE INDEX ix_matters_status_subject ON matters(status, confidential, subject_unit_code);
