-- Duban schema 0039 (SQLite): the Open311 GeoReport v2 door (Features/Open311). A module's own tables:
-- the keys administrators issue to Open311 clients (only each key's SHA-256 is kept), and the index of
-- the requests that came through the door (the list GET /open311/v2/requests.json reads, newest first).
CREATE TABLE open311_keys (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_open311_keys_name ON open311_keys(name);
CREATE UNIQUE INDEX ix_open311_keys_hash ON open311_keys(key_hash);

CREATE TABLE open311_requests (
    matter_id INTEGER NOT NULL PRIMARY KEY REFERENCES matters(id),
    service_code TEXT NOT NULL,
    key_id INTEGER NOT NULL REFERENCES open311_keys(id),
    requested_at INTEGER NOT NULL,
    address TEXT NULL,
    latitude REAL NULL,
    longitude REAL NULL
);
CREATE INDEX ix_open311_requests_requested ON open311_requests(requested_at DESC, matter_id DESC);
CREATE INDEX ix_open311_requests_service ON open311_requests(service_code, requested_at DESC, matter_id DESC);
