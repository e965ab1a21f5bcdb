-- Duban schema 0008 (SQLite): photos attached to a matter at registration (Features/Attachments).
-- The bytes live in the database, so every node serves them and a backup holds them. Only
-- JPEG, PNG and WebP, checked by their magic bytes and stripped of their metadata (EXIF/GPS, XMP,
-- comments) before they are stored; sha256 is of the stored bytes and is recorded in the matter's
-- register event, so the audit chain covers them.
CREATE TABLE attachments (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER NULL REFERENCES users(id)
);
CREATE INDEX ix_attachments_matter ON attachments(matter_id);
