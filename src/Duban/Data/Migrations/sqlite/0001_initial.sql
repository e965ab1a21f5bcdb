-- Duban schema 0001 (SQLite). Times are UTC milliseconds since the Unix epoch.
CREATE TABLE units (
    code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    short_name TEXT NULL,
    kind TEXT NOT NULL,
    parent_code TEXT NULL REFERENCES units(code),
    territory_code TEXT NOT NULL,
    phone TEXT NULL,
    email TEXT NULL
);
CREATE INDEX ix_units_parent ON units(parent_code);

CREATE TABLE users (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_users_username ON users(username);

CREATE TABLE matters (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    location TEXT NULL,
    territory_code TEXT NULL,
    category TEXT NULL,
    urgency TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    registered_at INTEGER NOT NULL,
    registered_by INTEGER NULL,
    raiser_anonymous INTEGER NOT NULL,
    raiser_sealed TEXT NULL,
    subject_unit_code TEXT NULL,
    subject_person TEXT NULL,
    confidential INTEGER NOT NULL,
    status TEXT NOT NULL,
    lead_unit_code TEXT NULL,
    due_at INTEGER NULL,
    parent_id INTEGER NULL REFERENCES matters(id),
    merged_into_id INTEGER NULL REFERENCES matters(id),
    progress INTEGER NOT NULL,
    outcome TEXT NULL,
    status_reason TEXT NULL,
    extension_requested_days INTEGER NULL,
    extension_reason TEXT NULL,
    feedback_resolved INTEGER NULL,
    feedback_satisfaction TEXT NULL,
    urge_count INTEGER NOT NULL,
    return_count INTEGER NOT NULL,
    reopen_count INTEGER NOT NULL,
    closed_at INTEGER NULL,
    query_code_hash TEXT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_matters_number ON matters(number);
CREATE INDEX ix_matters_received ON matters(received_at DESC, id DESC);
CREATE INDEX ix_matters_status_received ON matters(status, received_at DESC, id DESC);
CREATE INDEX ix_matters_lead_status ON matters(lead_unit_code, status);
CREATE INDEX ix_matters_territory ON matters(territory_code, received_at DESC);
CREATE INDEX ix_matters_due ON matters(due_at) WHERE status IN ('dispatched', 'in_progress', 'pending_review');
CREATE INDEX ix_matters_parent ON matters(parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE assignments (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    unit_code TEXT NOT NULL REFERENCES units(code),
    unit_territory_code TEXT NOT NULL,
    role TEXT NOT NULL,
    assigned_at INTEGER NOT NULL,
    accepted_at INTEGER NULL,
    active INTEGER NOT NULL
);
CREATE INDEX ix_assignments_unit ON assignments(unit_code, active, matter_id);
CREATE INDEX ix_assignments_territory ON assignments(unit_territory_code, active, matter_id);
CREATE INDEX ix_assignments_matter ON assignments(matter_id);

CREATE TABLE events (
    seq INTEGER NOT NULL PRIMARY KEY,
    matter_id INTEGER NULL REFERENCES matters(id),
    at INTEGER NOT NULL,
    actor_id INTEGER NULL,
    actor_name TEXT NOT NULL,
    actor_unit_code TEXT NULL,
    action TEXT NOT NULL,
    from_status TEXT NULL,
    to_status TEXT NULL,
    reason TEXT NULL,
    data TEXT NOT NULL,
    state_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX ix_events_matter ON events(matter_id, seq);

-- Events are appended only: the database itself refuses to change or remove one.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE audit_head (
    id INTEGER NOT NULL PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE counters (
    name TEXT NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    matter_id INTEGER NOT NULL,
    response_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
