-- Duban schema 0038 (SQLite, issue 20): key projects (Features/Projects), a source type (Features/Sources): the register,
-- milestones, monthly investment reports (appended: the latest of a month counts) and the figures' rollup by year,
-- level and industry. Amounts in fen (分). A module's own tables: the matter core is untouched.
CREATE TABLE projects (
    source_id INTEGER NOT NULL PRIMARY KEY REFERENCES sources(id),
    level TEXT NOT NULL,
    industry TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    leader TEXT NULL,
    year INTEGER NOT NULL,
    total_fen INTEGER NOT NULL,
    planned_fen INTEGER NOT NULL,
    completed_fen INTEGER NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL
);
CREATE INDEX ix_projects_year ON projects(year, level);

CREATE TABLE project_milestones (
    project_id INTEGER NOT NULL REFERENCES projects(source_id),
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_date TEXT NOT NULL,
    weight INTEGER NOT NULL,
    done_on TEXT NULL,
    PRIMARY KEY (project_id, seq)
);

CREATE TABLE project_investments (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(source_id),
    month TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    reported_at INTEGER NOT NULL,
    reported_by INTEGER NULL
);
CREATE INDEX ix_project_investments_month ON project_investments(project_id, month, id);

CREATE TABLE project_figures (
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    industry TEXT NOT NULL,
    count INTEGER NOT NULL,
    planned_fen INTEGER NOT NULL,
    completed_fen INTEGER NOT NULL,
    PRIMARY KEY (year, level, industry)
);
