-- Duban schema 0030 (SQLite): the CPPCC's social-opinion items and reports (社情民意信息), with the leaders'
-- instructions on them (批示), and its consultation activities (协商活动: research-consultation topics and
-- consultation events) with the members who take part (Features/Proposals). The module's own tables.
-- And the publication of a proposal with its reply (proposals.published_at).
CREATE TABLE opinion_items (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members(id),
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    edited INTEGER NOT NULL,
    reason TEXT NULL,
    submitted_at INTEGER NOT NULL,
    adopted_at INTEGER NULL,
    forwarded_at INTEGER NULL,
    forwarded_to TEXT NULL
);
CREATE INDEX ix_opinion_items_year ON opinion_items(body, year, status);
CREATE INDEX ix_opinion_items_member ON opinion_items(member_id, year);

CREATE TABLE opinion_instructions (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES opinion_items(id),
    leader TEXT NOT NULL,
    text TEXT NOT NULL,
    day TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by INTEGER NULL
);
CREATE INDEX ix_opinion_instructions_item ON opinion_instructions(item_id);

CREATE TABLE consultations (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    day TEXT NOT NULL,
    report TEXT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_consultations_year ON consultations(body, year, kind);

CREATE TABLE consultation_participants (
    consultation_id INTEGER NOT NULL REFERENCES consultations(id),
    member_id INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (consultation_id, member_id)
);
CREATE INDEX ix_consultation_participants_member ON consultation_participants(member_id);

-- When the office published the proposal and its reply on the public page (null: not published).
ALTER TABLE proposals ADD COLUMN published_at INTEGER NULL;
CREATE INDEX ix_proposals_published ON proposals(published_at) WHERE published_at IS NOT NULL;
