-- Duban schema 0049 (PostgreSQL, issue 20): the key projects' monthly report duties (月报督办, Features/Projects). At the
-- start of each month an open project that has not reported the month just ended gets a report matter (an item of its
-- source, due on the report day) that its report closes; the supervision job urges it as any matter. One duty per
-- project and month: the key makes opening idempotent on every node and across restarts. A module's own table.
CREATE TABLE project_report_duties (
    project_id bigint NOT NULL REFERENCES projects(source_id),
    month text NOT NULL,
    matter_id bigint NOT NULL REFERENCES matters(id),
    opened_at timestamptz NOT NULL,
    closed_at timestamptz NULL,
    PRIMARY KEY (project_id, month)
);
CREATE INDEX ix_project_report_duties_matter ON project_report_duties(matter_id);
