-- Duban schema 0007 (SQLite): inspection rounds (巡察) as data the city's administrators keep
-- (Features/Rounds). A round: its name, its period (China dates, both days included, and the
-- announcement's wording), its source, and its groups with the organisations each inspects, as
-- JSON: [{"code":"4407-xcz1","inspects":["4407-szjggw","4407-swdx"]}]. Seeded from
-- data/dispatch/rounds.json at first use; every change is an audit event (round_added,
-- round_changed, round_withdrawn) and raises the row's version, so that two administrators never
-- overwrite each other unknowingly. A round is withdrawn, never deleted: routing by it stays explained.
CREATE TABLE inspection_rounds (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    period TEXT NULL,
    source TEXT NULL,
    groups_json TEXT NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TRIGGER inspection_rounds_no_delete BEFORE DELETE ON inspection_rounds
BEGIN SELECT RAISE(ABORT, 'inspection rounds are withdrawn, not deleted'); END;
