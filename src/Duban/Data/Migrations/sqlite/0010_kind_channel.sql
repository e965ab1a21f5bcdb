-- Duban schema 0010: the lists filter by kind and by channel (?kind=, ?channel=): a source's items
-- (a meeting's decisions, an instruction's tasks) are a few among a year's complaints, so their
-- page reads an index, newest first, instead of the whole table.
CREATE INDEX ix_matters_kind_received ON matters(kind, received_at DESC, id DESC);
CREATE INDEX ix_matters_channel_received ON matters(channel, received_at DESC, id DESC);
