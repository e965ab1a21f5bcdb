-- Duban schema 0051 (SQLite, issue 19): the enterprise figures' monthly rollup (Features/Enterprises,
-- EnterpriseRollup), kept by the tally's pass instead of reading the year's demands at each request. A counter per China
-- month of registration, size, industry and measure (count, responded, response_ms, responded_in_time, solved,
-- solved_in_time, rated, satisfied); and what each demand was counted as, so that a pass adds only its difference.
CREATE TABLE enterprise_figure_counts (
    month TEXT NOT NULL,
    size TEXT NOT NULL,
    industry TEXT NOT NULL,
    measure TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (month, size, industry, measure)
);

CREATE TABLE enterprise_figure_matters (
    matter_id INTEGER NOT NULL PRIMARY KEY,
    counted TEXT NOT NULL
);

-- The demands already linked are counted by a rebuild: the next pass of the tally rebuilds (Features/Tally/README.md).
DELETE FROM tally_state;
