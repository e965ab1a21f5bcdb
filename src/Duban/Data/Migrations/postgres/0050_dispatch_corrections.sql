-- Duban schema 0050 (PostgreSQL, issue 19): the dispatchers' corrections of the routing suggestions, counted per suggested
-- category (a catalogue path, '' for none), suggested lead unit ('' for none) and lead unit chosen; kept in the dispatch's
-- own transaction by one upsert (Features/Dispatching/DispatchCorrections.cs), so it says what the dispatch events say.
CREATE TABLE dispatch_corrections (
    category text COLLATE "C" NOT NULL,
    suggested_unit text COLLATE "C" NOT NULL,
    chosen_unit text COLLATE "C" NOT NULL,
    dispatches bigint NOT NULL,
    accepted bigint NOT NULL,
    category_corrected bigint NOT NULL,
    lead_corrected bigint NOT NULL,
    co_corrected bigint NOT NULL,
    PRIMARY KEY (category, suggested_unit, chosen_unit)
);
