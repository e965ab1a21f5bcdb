-- Duban schema 0016 (PostgreSQL): the audit chain across nodes (issue 15, docs/adr/0006). Events are
-- appended on several chains ("lanes"), each with its own head row, taken with FOR UPDATE SKIP LOCKED,
-- instead of one chain behind one locked row: writers on different nodes, or to different matters, no
-- longer wait for each other. An event on a lane carries its lane, its place in the lane (chain_seq) and,
-- on the first event of a transaction, the lengths of the other lanes it saw (anchors, JSON), all under
-- its keyed hash. The events before this script keep chain NULL: they are the first chain, verified as
-- before, whose head stays in audit_head (id 1) and no longer moves.
ALTER TABLE events ADD COLUMN chain integer NULL;
ALTER TABLE events ADD COLUMN chain_seq bigint NULL;
ALTER TABLE events ADD COLUMN anchors text NULL;

CREATE TABLE audit_chains (
    id integer NOT NULL PRIMARY KEY,
    seq bigint NOT NULL,
    hash text NOT NULL
);

-- The global event number and the matter id no longer come from rows every writer locks: sequences
-- never wait (a rolled-back transaction leaves a gap, which the chains and the tally allow for).
-- Owned by their columns, so that dropping the tables drops them. The matters' ids take the sequence of
-- their identity column (matters_id_seq, unused until now: ids came from the counters row 'matter:id').
CREATE SEQUENCE events_seq OWNED BY events.seq;
SELECT setval('events_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM events), false);
SELECT setval('matters_id_seq', GREATEST(
    (SELECT COALESCE(MAX(id), 0) FROM matters),
    (SELECT COALESCE(MAX(value), 0) FROM counters WHERE name = 'matter:id')) + 1, false);
