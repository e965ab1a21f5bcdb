-- Duban schema 0051 (PostgreSQL, issue 19): the enterprise figures' monthly rollup (Features/Enterprises,
-- EnterpriseRollup), kept by the tally's pass instead of reading the year's demands at each request. A counter per China
-- month of registration, size, industry and measure (count, responded, response_ms, responded_in_time, solved,
-- solved_in_time, rated, satisfied); and what each demand was counted as, so that a pass adds only its difference.
CREATE TABLE enterprise_figure_counts (
    month text NOT NULL,
    size text NOT NULL,
    industry text NOT NULL,
    measure text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (month, size, industry, measure)
);

CREATE TABLE enterprise_figure_matters (
    matter_id bigint NOT NULL PRIMARY KEY,
    counted text NOT NULL
);

-- The demands already linked are counted by a rebuild: the next pass of the tally rebuilds (Features/Tally/README.md).
DELETE FROM tally_state;
