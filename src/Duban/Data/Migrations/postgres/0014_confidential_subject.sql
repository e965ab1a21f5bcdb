-- Duban schema 0014: every reader's lists leave out the confidential reports about their own unit
-- (MatterScope: NOT (confidential AND subject_unit_code IN the reader's units)). A city-wide list's count
-- then tests those two columns of every matter: this index holds them, so the count reads the index,
-- a fraction of the table, instead of the table itself.
CREATE INDEX ix_matters_confidential_subject ON matters(confidential, subject_unit_code);
