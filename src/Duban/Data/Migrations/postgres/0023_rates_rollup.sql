-- Duban schema 0023 (PostgreSQL): the three rates' monthly rollup (Features/Tally, Features/Figures, issue 15).
-- The tally job, which already recounts every matter an event touches, also keeps what each matter adds
-- to the figures per month: lead assignments signed (in time or late), matters closed (on time, with the
-- raiser's feedback), closed late against a deadline of the month, returns (improper ones) and reopenings,
-- each keyed by month (and year), county, unit, kind, channel and a confidential report's subject unit, and once more
-- over every kind and channel ('*', '*', subject ''), with a twin about the report's subject unit that a
-- reader in that unit subtracts (so an unfiltered read sums few rows: kind and channel lead the key). The
-- figures sum these rows; the parts that change with time alone (unsigned assignments, open overdue matters) and
-- the matters of other counties assigned to a county's units stay live.
ALTER TABLE tally_matters ADD COLUMN rates text NOT NULL DEFAULT '';
ALTER TABLE tally_state ADD COLUMN rates_config text NOT NULL DEFAULT '';
CREATE TABLE rate_counts (
    month text COLLATE "C" NOT NULL,
    county text NOT NULL,
    unit text NOT NULL,
    kind text NOT NULL,
    channel text NOT NULL,
    subject text NOT NULL,
    measure text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (kind, channel, month, county, unit, subject, measure)
);
-- The live parts: lead assignments not signed yet, by the day they were given (响应率); the open matters by
-- deadline with what the overdue count and its visibility read, so that a year's count reads the index alone.
CREATE INDEX ix_assignments_unsigned ON assignments(assigned_at) WHERE role = 'lead' AND accepted_at IS NULL AND active;
CREATE INDEX ix_matters_due_overdue ON matters(due_at, lead_unit_code, county_code, status, paused_at, confidential, subject_unit_code) WHERE status IN ('dispatched', 'in_progress', 'pending_review');
DELETE FROM tally_state;
