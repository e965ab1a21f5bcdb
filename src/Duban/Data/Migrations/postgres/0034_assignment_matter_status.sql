-- Duban schema 0034 (PostgreSQL, issue 15): a unit's matters narrowed by their state before any matter row is read.
-- A handler sees the matters assigned to their unit now. A busy town holds a year's 17,000 of them, nearly all
-- closed, and its home's boxes and lists ask for a few states (to sign, in progress, overdue, due soon): the lists
-- read the row of every one of the unit's matters to find the few held ones. Each assignment now carries a copy
-- of its matter's state, kept by the database itself (the triggers below, in the same statement as the change,
-- whoever writes: an action, a module, a bulk load), and ix_assignments_unit_status finds a unit's matters in the
-- given states from the index alone. audit verify checks the copy against the matter.
ALTER TABLE assignments ADD COLUMN matter_status TEXT NULL;
UPDATE assignments a SET matter_status = m.status FROM matters m WHERE m.id = a.matter_id;

-- An assignment takes its matter's state as it is written, and can be given no other.
CREATE FUNCTION assignments_matter_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.matter_status := (SELECT m.status FROM matters m WHERE m.id = NEW.matter_id);
    RETURN NEW;
END $$;
CREATE TRIGGER assignments_matter_status BEFORE INSERT OR UPDATE OF matter_status, matter_id ON assignments
FOR EACH ROW EXECUTE FUNCTION assignments_matter_status();

-- A matter's new state reaches its assignments in the same statement.
CREATE FUNCTION matters_status_to_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assignments SET matter_status = NEW.status WHERE matter_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER matters_status_to_assignments AFTER UPDATE OF status ON matters
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION matters_status_to_assignments();

CREATE INDEX ix_assignments_unit_status ON assignments(unit_code, matter_status, matter_id) WHERE active;
