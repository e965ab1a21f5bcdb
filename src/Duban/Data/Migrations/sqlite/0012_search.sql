-- Duban schema 0012: full-text search of the matters (Features/Search). An FTS5 table of the tokens
-- that Features/Search/SearchText.cs makes of each matter's title, content, place and outcome: the
-- overlapping pairs of each run of Han characters and its final character, and whole words of other
-- scripts, separated by spaces. The ascii tokenizer splits them only there (every non-ASCII character is a
-- token character, so no Han character is lost to unicode61's tables, which stop at Unicode 6.1). Contentless (the text stays in
-- matters), with contentless_delete so that a changed matter's row can be replaced. rowid = matters.id.
-- The rows are written by the application in each matter's own transaction; existing matters are
-- indexed by `search rebuild`, which the migration step runs when it applies this script.
CREATE VIRTUAL TABLE matter_search USING fts5(
    title, content, location, outcome,
    content = '', contentless_delete = 1,
    tokenize = 'ascii'
);
