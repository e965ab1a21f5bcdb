-- Duban schema 0044 (PostgreSQL, issue 20): the key projects' console (Features/Projects). The register reads an index by
-- county, industry and level, and "behind schedule" (a milestone past its due date unreached) is next_due, the earliest
-- unreached milestone's due date, before today: kept with every milestone recorded or reached, so the list never
-- computes lights by scanning. Two more rollups, kept with every project recorded and every report: by year and county,
-- and by month of the plan's year. Existing rows are filled in here. A module's own tables: the matter core is untouched.
ALTER TABLE projects ADD COLUMN county_code text NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN next_due text NULL;
UPDATE projects SET county_code = substr(territory_code, 1, 6);
UPDATE projects SET next_due = (SELECT MIN(m.due_date) FROM project_milestones m WHERE m.project_id = projects.source_id AND m.done_on IS NULL);
CREATE INDEX ix_projects_register ON projects(county_code, industry, level, source_id);
CREATE INDEX ix_projects_industry ON projects(industry, level, source_id);
CREATE INDEX ix_projects_next_due ON projects(next_due, source_id) WHERE next_due IS NOT NULL;

CREATE TABLE project_area_figures (
    year integer NOT NULL,
    county_code text NOT NULL,
    count integer NOT NULL,
    planned_fen bigint NOT NULL,
    completed_fen bigint NOT NULL,
    PRIMARY KEY (year, county_code)
);
INSERT INTO project_area_figures (year, county_code, count, planned_fen, completed_fen)
SELECT year, county_code, COUNT(*), SUM(planned_fen), SUM(completed_fen) FROM projects GROUP BY year, county_code;

CREATE TABLE project_month_figures (
    year integer NOT NULL,
    month text NOT NULL,
    completed_fen bigint NOT NULL,
    PRIMARY KEY (year, month)
);
INSERT INTO project_month_figures (year, month, completed_fen)
SELECT p.year, i.month, SUM(i.amount_fen)
FROM project_investments i JOIN projects p ON p.source_id = i.project_id
WHERE substr(i.month, 1, 4) = CAST(p.year AS text)
  AND i.id = (SELECT MAX(j.id) FROM project_investments j WHERE j.project_id = i.project_id AND j.month = i.month)
GROUP BY p.year, i.month;
