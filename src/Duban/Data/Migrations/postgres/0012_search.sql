-- Duban schema 0012: full-text search of the matters (Features/Search). One row a matter: the tokens
-- that Features/Search/SearchText.cs makes of its title, content, place and outcome (the overlapping
-- pairs of each run of Han characters and its final character, and whole words of other scripts), as
-- a tsvector with positions that the application builds itself (no text search parser or dictionary
-- is involved), under a GIN index: a query is the phrase of its pairs (<->), or a prefix (:*).
-- The rows are written by the application in each matter's own transaction; existing matters are
-- indexed by `search rebuild`, which the migration step runs when it applies this script. No foreign key:
-- like the FTS5 table of SQLite, the index follows the matters by the application.
CREATE TABLE matter_search (
    matter_id BIGINT NOT NULL PRIMARY KEY,
    grams TSVECTOR NOT NULL
);
CREATE INDEX ix_matter_search_grams ON matter_search USING gin (grams);
