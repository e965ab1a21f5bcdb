-- Duban schema 0035 (issue 16): a leader's instruction (批示) on a social-opinion item may open an instruction source
-- (Features/Sources), tracked as one: its items assigned to the units that carry the instruction out. The instruction
-- keeps the source it opened.
ALTER TABLE opinion_instructions ADD COLUMN source_id bigint NULL REFERENCES sources(id);
