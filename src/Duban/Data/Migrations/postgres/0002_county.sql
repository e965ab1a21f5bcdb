-- Duban schema 0002 (PostgreSQL): the county a matter belongs to, derived from its territory code
-- (440781115 → 440781; city-level codes such as 440700 have none), so that a county's list is an
-- index range in date order instead of a scan (docs/BENCHMARKS.md, bench lists).
ALTER TABLE matters ADD COLUMN county_code text NULL;
UPDATE matters SET county_code = substring(territory_code from 1 for 6)
 WHERE length(territory_code) >= 6 AND substring(territory_code from 5 for 2) <> '00';
CREATE INDEX ix_matters_county ON matters(county_code, received_at DESC, id DESC) WHERE county_code IS NOT NULL;

-- An assignment whose unit lies in a county other than its matter's (a 台山 bureau helping with a
-- 蓬江 matter): the few matters a county sees from outside it, found by a small partial index.
ALTER TABLE assignments ADD COLUMN crosses_county boolean NOT NULL DEFAULT false;
UPDATE assignments a SET crosses_county = true
  FROM matters m
 WHERE m.id = a.matter_id
   AND length(a.unit_territory_code) >= 6 AND substring(a.unit_territory_code from 5 for 2) <> '00'
   AND (m.county_code IS NULL OR m.county_code <> substring(a.unit_territory_code from 1 for 6));
CREATE INDEX ix_assignments_cross ON assignments(unit_territory_code text_pattern_ops, matter_id) WHERE crosses_county AND active;

-- A check value of the audit key (HMAC of a fixed text), so that a node or a verification with
-- another key is told so, apart from any question of altered events.
ALTER TABLE audit_head ADD COLUMN key_check text NULL;
