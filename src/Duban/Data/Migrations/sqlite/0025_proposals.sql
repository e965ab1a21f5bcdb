-- Duban schema 0025 (SQLite): deputies' suggestions and CPPCC proposals (Features/Proposals): the
-- registers of members (人大代表, 政协委员), their recorded activities (the duty evaluation counts them),
-- and each proposal's part of its matter (kind deputy_suggestion or cppcc_proposal). A module's own
-- tables: the matter core is untouched.
CREATE TABLE members (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    name TEXT NOT NULL,
    delegation TEXT NULL,
    sector TEXT NULL,
    term TEXT NOT NULL,
    user_id INTEGER NULL REFERENCES users(id),
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX ix_members_body_term_name ON members(body, term, name);
CREATE UNIQUE INDEX ix_members_user ON members(user_id) WHERE user_id IS NOT NULL;

CREATE TABLE member_activities (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    member_id INTEGER NOT NULL REFERENCES members(id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    day TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER NULL
);
CREATE INDEX ix_member_activities_member ON member_activities(member_id, year);
CREATE INDEX ix_member_activities_year ON member_activities(year, kind);

CREATE TABLE proposals (
    matter_id INTEGER NOT NULL PRIMARY KEY REFERENCES matters(id),
    body TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    office_unit_code TEXT NOT NULL REFERENCES units(code),
    submitted_by INTEGER NULL,
    accepted_at INTEGER NULL,
    host_unit_code TEXT NULL,
    objection TEXT NULL,
    reply_category TEXT NULL,
    reply_text TEXT NULL,
    reply_signed_by TEXT NULL,
    replied_at INTEGER NULL,
    first_reply_on_time INTEGER NULL,
    rating TEXT NULL,
    comment TEXT NULL,
    evaluated_at INTEGER NULL,
    rehandling_count INTEGER NOT NULL,
    opinions TEXT NULL
);
CREATE UNIQUE INDEX ix_proposals_number ON proposals(body, year, seq);
CREATE INDEX ix_proposals_office ON proposals(office_unit_code, year);
CREATE INDEX ix_proposals_host ON proposals(host_unit_code);

CREATE TABLE proposal_proposers (
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    seq INTEGER NOT NULL,
    PRIMARY KEY (matter_id, member_id)
);
CREATE INDEX ix_proposal_proposers_member ON proposal_proposers(member_id, seq);
