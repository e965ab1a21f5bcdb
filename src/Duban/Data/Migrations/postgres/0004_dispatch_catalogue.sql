-- Duban schema 0004 (PostgreSQL): the dispatch catalogue (派单目录), one row per version; the newest is
-- in force. The shipped one (data/dispatch/catalogue.json) becomes version 1 at first use; city
-- administrators add versions (PUT /api/v1/dispatch/catalogue), each with a catalogue_updated event.
CREATE TABLE dispatch_catalogues (
    version integer NOT NULL PRIMARY KEY,
    name text NOT NULL,
    content text NOT NULL,
    content_hash text NOT NULL,
    note text NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL
);

-- A version is never changed or removed: a correction is a new version. (CREATE OR REPLACE: demo
-- reset drops the table, not the function, and runs this script again.)
CREATE OR REPLACE FUNCTION dispatch_catalogues_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'catalogue versions are append-only'; END $$;
CREATE TRIGGER dispatch_catalogues_no_update BEFORE UPDATE OR DELETE ON dispatch_catalogues
FOR EACH ROW EXECUTE FUNCTION dispatch_catalogues_append_only();
