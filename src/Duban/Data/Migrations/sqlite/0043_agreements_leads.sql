-- Duban schema 0043 (SQLite, issue 20): cooperation agreements (Features/Agreements), a source type (Features/Sources):
-- the signing date, the parties, and the field and party of each commitment (a source item, a matter); and shared
-- investment leads (Features/Leads): the leads (the company's details confidential), the index a district's list
-- reads (one row per district that sees a lead), the districts following one, its steps, and the figures' counters
-- by district. Amounts in fen (分). Modules' own tables: the matter core is untouched.
CREATE TABLE agreements (
    source_id INTEGER NOT NULL PRIMARY KEY REFERENCES sources(id),
    signed_on TEXT NOT NULL
);

CREATE TABLE agreement_parties (
    agreement_id INTEGER NOT NULL REFERENCES agreements(source_id),
    seq INTEGER NOT NULL,
    unit_code TEXT NOT NULL,
    PRIMARY KEY (agreement_id, seq)
);

CREATE TABLE agreement_commitments (
    matter_id INTEGER NOT NULL PRIMARY KEY REFERENCES matters(id),
    agreement_id INTEGER NOT NULL REFERENCES agreements(source_id),
    field TEXT NOT NULL,
    party_unit_code TEXT NOT NULL
);
CREATE INDEX ix_agreement_commitments_agreement ON agreement_commitments(agreement_id);

CREATE TABLE leads (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    district_code TEXT NOT NULL,
    posted_by INTEGER NULL,
    posted_at INTEGER NOT NULL,
    industry TEXT NOT NULL,
    investment_fen INTEGER NOT NULL,
    needs TEXT NOT NULL,
    company TEXT NOT NULL,
    contact TEXT NULL,
    status TEXT NOT NULL,
    shared_all INTEGER NOT NULL,
    landed_district_code TEXT NULL,
    landed_fen INTEGER NULL,
    version INTEGER NOT NULL
);

-- A district's list of leads: the leads it posted or that were shared with it, newest first (an index read).
CREATE TABLE lead_sights (
    district_code TEXT NOT NULL,
    lead_id INTEGER NOT NULL REFERENCES leads(id),
    PRIMARY KEY (district_code, lead_id)
);
-- Who sees one lead (its page, a share).
CREATE INDEX ix_lead_sights_lead ON lead_sights(lead_id);

CREATE TABLE lead_follows (
    lead_id INTEGER NOT NULL REFERENCES leads(id),
    district_code TEXT NOT NULL,
    followed_at INTEGER NOT NULL,
    followed_by INTEGER NULL,
    PRIMARY KEY (lead_id, district_code)
);

CREATE TABLE lead_steps (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    lead_id INTEGER NOT NULL REFERENCES leads(id),
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    district_code TEXT NOT NULL,
    stepped_at INTEGER NOT NULL,
    actor_id INTEGER NULL
);
CREATE INDEX ix_lead_steps_lead ON lead_steps(lead_id, id);

CREATE TABLE lead_figures (
    district_code TEXT NOT NULL PRIMARY KEY,
    visible INTEGER NOT NULL,
    posted INTEGER NOT NULL,
    shared INTEGER NOT NULL,
    landed INTEGER NOT NULL,
    landed_fen INTEGER NOT NULL
);
