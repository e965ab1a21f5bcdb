-- Duban schema 0016: the audit chain across nodes (issue 15, docs/adr/0006). Events are appended on
-- several chains ("lanes"), each with its own head row, instead of one chain behind one locked row:
-- writers on different nodes, or to different matters, no longer wait for each other.
-- An event on a lane carries its lane, its place in the lane (chain_seq) and, on the first event of a
-- transaction, the lengths of the other lanes it saw (anchors, JSON), all under its keyed hash.
-- The events before this script keep chain NULL: they are the first chain, verified as before, whose
-- head stays in audit_head (id 1) and no longer moves. SQLite has one writer at a time, so it uses one lane.
ALTER TABLE events ADD COLUMN chain INTEGER NULL;
ALTER TABLE events ADD COLUMN chain_seq INTEGER NULL;
ALTER TABLE events ADD COLUMN anchors TEXT NULL;

CREATE TABLE audit_chains (
    id INTEGER NOT NULL PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
