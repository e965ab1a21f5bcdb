-- Duban schema 0018 (PostgreSQL): the events table partitioned by month of `at` (issue 15), with native
-- declarative partitioning. At ten million matters the events are the biggest table by far; a month per
-- partition keeps each index a month's size, lets VACUUM and an archive work a month at a time, and lets a
-- period's scans (figures, exports) skip the other months. The application creates the coming months'
-- partitions ahead of time (duban_event_partitions, called at start and by a daily job: Data/EventPartitions.cs);
-- a row whose month has no partition yet goes to events_default, so intake never fails for want of one.
-- SQLite has no partitioning: its 0018 changes nothing.
--
-- The primary key becomes (seq, at): a partitioned table's unique keys must hold its partition key. `seq`
-- stays unique as before: it comes from events_seq (0016), which this script hands to the new table.

ALTER TABLE events RENAME TO events_unpartitioned;
ALTER TABLE events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey;
ALTER INDEX ix_events_matter RENAME TO ix_events_matter_unpartitioned;

CREATE TABLE events (LIKE events_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (at);
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (seq, at);
ALTER TABLE events ADD CONSTRAINT events_matter_id_fkey FOREIGN KEY (matter_id) REFERENCES matters(id);
CREATE INDEX ix_events_matter ON events(matter_id, seq);
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- Creates the monthly partitions (UTC months) from the month of `from_at` to `months` months after it that
-- do not exist yet, and returns how many it created. One caller at a time (an advisory lock: nodes start
-- together). A month whose rows already sit in events_default is left there (a partition over them would
-- have to move rows, which the append-only rule forbids) and named in a warning: it only happens when the
-- job was off for a whole month or a clock ran far ahead.
CREATE FUNCTION duban_event_partitions(from_at timestamptz, months integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    first_month timestamp := date_trunc('month', from_at AT TIME ZONE 'UTC');  -- months counted in UTC
    m timestamptz;
    next_m timestamptz;
    name text;
    created integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(4474632622130671);  -- 'Duban' + partitions
    FOR i IN 0 .. months LOOP
        m := (first_month + make_interval(months => i)) AT TIME ZONE 'UTC';
        next_m := (first_month + make_interval(months => i + 1)) AT TIME ZONE 'UTC';
        name := 'events_' || to_char(first_month + make_interval(months => i), 'YYYY_MM');
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        IF EXISTS (SELECT 1 FROM events_default WHERE at >= m AND at < next_m) THEN
            RAISE WARNING 'events of % are in events_default; no partition is created for that month', to_char(first_month + make_interval(months => i), 'YYYY-MM');
            CONTINUE;
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', name, m, next_m);
        created := created + 1;
    END LOOP;
    RETURN created;
END $$;

-- The months the existing events cover, then the rows.
SELECT duban_event_partitions(MIN(at),
    ((EXTRACT(YEAR FROM MAX(at) AT TIME ZONE 'UTC') - EXTRACT(YEAR FROM MIN(at) AT TIME ZONE 'UTC')) * 12
     + EXTRACT(MONTH FROM MAX(at) AT TIME ZONE 'UTC') - EXTRACT(MONTH FROM MIN(at) AT TIME ZONE 'UTC'))::integer)
FROM events_unpartitioned HAVING COUNT(*) > 0;
INSERT INTO events SELECT * FROM events_unpartitioned;

ALTER SEQUENCE events_seq OWNED BY events.seq;
DROP TABLE events_unpartitioned;

-- Events are appended only, on every partition (a row trigger on a partitioned table is cloned to each).
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
