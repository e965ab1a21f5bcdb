-- Duban schema 0050 (SQLite, issue 19): the dispatchers' corrections of the routing suggestions, counted per suggested
-- category (a catalogue path, '' for none), suggested lead unit ('' for none) and lead unit chosen; kept in the dispatch's
-- own transaction by one upsert (Features/Dispatching/DispatchCorrections.cs), so it says what the dispatch events say.
CREATE TABLE dispatch_corrections (
    category TEXT NOT NULL,
    suggested_unit TEXT NOT NULL,
    chosen_unit TEXT NOT NULL,
    dispatches INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    category_corrected INTEGER NOT NULL,
    lead_corrected INTEGER NOT NULL,
    co_corrected INTEGER NOT NULL,
    PRIMARY KEY (category, suggested_unit, chosen_unit)
);
