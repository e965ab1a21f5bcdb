-- Duban schema 0024 (PostgreSQL): the open matters by place and date (Features/Dispatching, Duplicates; issue 15).
-- The possible duplicates of a matter are the open ones (not closed, rejected or merged; not sub-tasks) in
-- its town or division within 90 days: read by ix_matters_territory, every matter of the place and window
-- was fetched to test its state, and at a year's volume most of them are closed. This index holds only the
-- open ones, with the columns the candidates' keys are chosen by (the visibility's too) included, so that an
-- index-only scan may serve them. The query states its condition with constants so that the planner may use it.
CREATE INDEX ix_matters_open_place ON matters(territory_code text_pattern_ops, received_at DESC)
    INCLUDE (confidential, subject_unit_code, county_code, status, parent_id)
    WHERE parent_id IS NULL AND status NOT IN ('closed', 'rejected', 'merged');
