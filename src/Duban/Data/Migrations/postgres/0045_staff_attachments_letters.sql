-- Duban schema 0045 (PostgreSQL): staff attachments and letters and visits (信访) at the desk.
-- attachments.action: the event that attached the file ('register' for a letter's scanned pages, 'complete' for an
-- outcome's photos and documents); null for the rows written before (a portal's photos, a proposal's reply PDF, which
-- Features/Proposals serves under its own rules). identifies_raiser: the file shows who raised the matter (a signed
-- letter's pages), so it is shown only to those who may read the sealed raiser (MatterScope.MaySeeRaiserAsync).
ALTER TABLE attachments ADD COLUMN action text NULL;
ALTER TABLE attachments ADD COLUMN identifies_raiser boolean NOT NULL DEFAULT false;

-- A letter or visit registered at the desk (Features/Letters): its channel, its number of visitors (a visit only) and
-- how many scanned pages came with it. A module's own table: the matter holds the rest (received_at, raiser, place).
CREATE TABLE letters (
    matter_id bigint NOT NULL PRIMARY KEY REFERENCES matters(id),
    channel text NOT NULL,
    visitors integer NULL,
    pages integer NOT NULL
);
