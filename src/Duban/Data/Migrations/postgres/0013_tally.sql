-- Duban schema 0013 (PostgreSQL): the counters the dashboard and the lights board read (Features/Tally, issue 15).
-- The tally job keeps them from the events: for each matter an event touched (or whose light is due to
-- change) it recomputes the matter's bucket, compares it with the bucket counted last time (tally_matters)
-- and applies the difference to tally_counts, with the new watermark, in one transaction.
CREATE TABLE tally_state (
    id integer NOT NULL PRIMARY KEY,
    watermark bigint NOT NULL,
    counted_at timestamptz NOT NULL
);

-- What each matter was counted as: county ('' at city level), town (9 digits or ''), status, light (or
-- ''), lead unit (or ''), received and closed China dates (yyyy-MM-dd, closed ''), whether counted at
-- all (a confidential report with a subject unit is counted live), and the next instant its light may change.
CREATE TABLE tally_matters (
    matter_id bigint NOT NULL PRIMARY KEY,
    county TEXT NOT NULL,
    town TEXT NOT NULL,
    status TEXT NOT NULL,
    light TEXT NOT NULL,
    lead_unit TEXT NOT NULL,
    received_day TEXT NOT NULL,
    closed_day TEXT NOT NULL,
    counted boolean NOT NULL,
    next_change timestamptz NULL
);
CREATE INDEX ix_tally_matters_next ON tally_matters(next_change) WHERE next_change IS NOT NULL;

-- One counter per kind (status, light, unit_light, received, closed, ...), county and key.
CREATE TABLE tally_counts (
    kind TEXT NOT NULL,
    county TEXT NOT NULL,
    key text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (kind, county, key)
);
CREATE INDEX ix_tally_counts_key ON tally_counts(kind, key);

-- The confidential reports about a unit, kept out of the counters and counted live for each reader.
CREATE INDEX ix_matters_sensitive ON matters(county_code, id) WHERE confidential AND subject_unit_code IS NOT NULL;
