-- Duban schema 0047 (SQLite, issue 19): the enterprise lane (Features/Enterprises). The register of firms by unified
-- social credit code, kept by the business office; the service teams (服务专班) of the 200 leading firms, read by unit
-- (a team's units follow their firms' demands); the visits to firms (暖企安商走访); and the link of an enterprise demand
-- (a matter) to its firm and visit, the SME rapid-response queue's and its figures' index (by time, by firm, by visit).
-- A module's own tables: the matter core is untouched.
CREATE TABLE enterprises (
    credit_code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    county_code TEXT NOT NULL,
    industry TEXT NOT NULL,
    size TEXT NOT NULL,
    top200 INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ix_enterprises_county ON enterprises(county_code, credit_code);
CREATE INDEX ix_enterprises_top200 ON enterprises(top200, credit_code);

CREATE TABLE enterprise_team_members (
    credit_code TEXT NOT NULL REFERENCES enterprises(credit_code),
    unit_code TEXT NOT NULL,
    role TEXT NOT NULL,
    official TEXT NULL,
    PRIMARY KEY (credit_code, unit_code)
);
CREATE INDEX ix_enterprise_team_members_unit ON enterprise_team_members(unit_code, credit_code);

CREATE TABLE enterprise_visits (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    credit_code TEXT NOT NULL REFERENCES enterprises(credit_code),
    visited_on TEXT NOT NULL,
    officials TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    notes TEXT NULL,
    recorded_by INTEGER NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX ix_enterprise_visits_firm ON enterprise_visits(credit_code, visited_on);

CREATE TABLE enterprise_demands (
    matter_id INTEGER NOT NULL PRIMARY KEY REFERENCES matters(id),
    credit_code TEXT NOT NULL REFERENCES enterprises(credit_code),
    visit_id INTEGER NULL REFERENCES enterprise_visits(id),
    size TEXT NOT NULL,
    industry TEXT NOT NULL,
    county_code TEXT NOT NULL,
    registered_at INTEGER NOT NULL
);
CREATE INDEX ix_enterprise_demands_time ON enterprise_demands(registered_at, matter_id);
CREATE INDEX ix_enterprise_demands_firm ON enterprise_demands(credit_code, registered_at);
CREATE INDEX ix_enterprise_demands_visit ON enterprise_demands(visit_id) WHERE visit_id IS NOT NULL;
