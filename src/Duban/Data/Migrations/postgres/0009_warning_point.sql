-- Duban schema 0009 (PostgreSQL): the light's warning point (Features/Matters/Clock/LightRule).
-- The light is one rule over a matter's own fields, in SQL and in memory. The warning points that
-- lived in other tables (the lead unit's signing deadline while it has not signed; a facet's, the
-- rectification plan's earliest open milestone) are kept on the matter as warn_at: the first moment
-- the warning holds (the deadline passed by a millisecond). Derived from the hashed state at every
-- change, like county_code, and not hashed itself; audit verify checks it.
ALTER TABLE matters ADD COLUMN warn_at timestamptz NULL;

UPDATE matters SET warn_at = (
    SELECT MIN(p) FROM (
        SELECT a.sign_due_at + interval '1 millisecond' AS p FROM assignments a
        WHERE a.matter_id = matters.id AND matters.status = 'dispatched' AND a.active AND a.role = 'lead' AND a.sign_due_at IS NOT NULL
        UNION ALL
        SELECT x.due_at + interval '1 millisecond' FROM plan_milestones x WHERE x.matter_id = matters.id AND x.done_at IS NULL
    ) points
)
WHERE status = 'dispatched' OR EXISTS (SELECT 1 FROM plan_milestones x WHERE x.matter_id = matters.id AND x.done_at IS NULL);
