-- Duban schema 0024 (SQLite): the open matters by place and date (Features/Dispatching, Duplicates; issue 15).
-- The possible duplicates of a matter are the open ones (not closed, rejected or merged; not sub-tasks) in
-- its town or division within 90 days: read by ix_matters_territory, every matter of the place and window
-- was fetched to test its state, and at a year's volume most of them are closed. This index holds only the
-- open ones, and every column the candidates' keys are chosen by (the visibility's too: confidential, subject,
-- county), so that they are read from it alone (a covering index: 10,000 keys in ~10 ms at 1 M matters, against
-- ~300 ms fetching the rows). The query repeats its condition word for word (constants inlined) so that
-- SQLite may use it.
CREATE INDEX ix_matters_open_place ON matters(territory_code, received_at DESC, confidential, subject_unit_code, county_code, status, parent_id)
    WHERE parent_id IS NULL AND status NOT IN ('closed', 'rejected', 'merged');
