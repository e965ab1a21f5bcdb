-- Duban schema 0011 (SQLite): sources of supervised work (Features/Sources): leaders' instructions,
-- meetings' decisions, special campaigns and research reports, each deploying its items to units as
-- matters (kind task, channel = the source's type). A module's own tables: the matter core is untouched.
CREATE TABLE sources (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    date TEXT NOT NULL,
    owner_unit_code TEXT NOT NULL REFERENCES units(code),
    parent_id INTEGER NULL REFERENCES sources(id),
    confidential INTEGER NOT NULL,
    status TEXT NOT NULL,
    details TEXT NOT NULL,
    report TEXT NULL,
    reported_at INTEGER NULL,
    reported_by INTEGER NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER NULL,
    version INTEGER NOT NULL
);
-- The list: newest first, by type and status; a parent's children; an owner's sources.
CREATE INDEX ix_sources_date ON sources(date DESC, id DESC);
CREATE INDEX ix_sources_type ON sources(type, date DESC, id DESC);
CREATE INDEX ix_sources_parent ON sources(parent_id);
CREATE INDEX ix_sources_owner ON sources(owner_unit_code);

CREATE TABLE source_items (
    matter_id INTEGER NOT NULL PRIMARY KEY REFERENCES matters(id),
    source_id INTEGER NOT NULL REFERENCES sources(id),
    seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX ix_source_items_source ON source_items(source_id, seq);

CREATE TABLE source_measures (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (source_id, key)
);

CREATE TABLE source_measure_values (
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    key TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (matter_id, key)
);
