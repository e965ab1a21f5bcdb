-- Duban schema 0004 (SQLite): the dispatch catalogue (派单目录), one row per version; the newest is in
-- force. The shipped one (data/dispatch/catalogue.json) becomes version 1 at first use; city
-- administrators add versions (PUT /api/v1/dispatch/catalogue), each with a catalogue_updated event.
CREATE TABLE dispatch_catalogues (
    version INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    note TEXT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

-- A version is never changed or removed: a correction is a new version.
CREATE TRIGGER dispatch_catalogues_no_update BEFORE UPDATE ON dispatch_catalogues
BEGIN SELECT RAISE(ABORT, 'catalogue versions are append-only'); END;
CREATE TRIGGER dispatch_catalogues_no_delete BEFORE DELETE ON dispatch_catalogues
BEGIN SELECT RAISE(ABORT, 'catalogue versions are append-only'); END;
