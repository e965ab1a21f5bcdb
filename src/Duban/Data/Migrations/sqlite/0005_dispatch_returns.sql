-- Duban schema 0005 (SQLite): returns (退单) of dispatched matters, one row per return, and how
-- each was judged: pending (with the dispatcher), review (sent to a supervisor as a dispute),
-- upheld (re-dispatched elsewhere: a proper return) or overruled (back to the unit: improper).
-- Each row has its return event; each judgement the dispatch event that made it (audit verify).
CREATE TABLE dispatch_returns (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    unit_code TEXT NOT NULL REFERENCES units(code),
    unit_territory_code TEXT NOT NULL,
    dispatched_at INTEGER NOT NULL,
    window_ends_at INTEGER NOT NULL,
    returned_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    review_reason TEXT NULL,
    decided_at INTEGER NULL,
    decided_by TEXT NULL
);
CREATE INDEX ix_dispatch_returns_matter ON dispatch_returns(matter_id);
CREATE INDEX ix_dispatch_returns_unit ON dispatch_returns(unit_code, returned_at);
CREATE INDEX ix_dispatch_returns_returned ON dispatch_returns(returned_at);

-- A return is never removed: it counts against or for the unit.
CREATE TRIGGER dispatch_returns_no_delete BEFORE DELETE ON dispatch_returns
BEGIN SELECT RAISE(ABORT, 'returns are kept'); END;
