-- Duban schema 0036 (issue 16): the host's reply may carry a PDF (答复函), stored as an attachment of the proposal's
-- matter (Features/Attachments' table `attachments`); the proposal keeps the SHA-256 of its latest reply's document,
-- hashed into the matter's state, so `audit verify` checks which document the reply named.
ALTER TABLE proposals ADD COLUMN reply_document_sha256 TEXT NULL;
-- The consultation activities' page (/console/consultations) lists a body's year by day, a page at a time.
CREATE INDEX ix_consultations_day ON consultations(body, year, day, id);
