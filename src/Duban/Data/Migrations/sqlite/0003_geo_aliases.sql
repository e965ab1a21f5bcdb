-- Duban schema 0003 (SQLite): local names for divisions that administrators add (高新区 → 江海区).
-- The shipped ones are in data/geo/aliases.tsv; these are the city's own. An alias names one division.
CREATE TABLE geo_aliases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alias TEXT NOT NULL,
    code TEXT NOT NULL,
    note TEXT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_geo_aliases_alias ON geo_aliases(alias);
