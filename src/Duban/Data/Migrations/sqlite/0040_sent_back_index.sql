-- Duban schema 0040 (issue 15): the matters sent back to be done again (in progress with a reason: sent back at
-- review, or reopened), found by an index of their own, newest first. A handler's home counts its unit's sent-back
-- matters and shows the newest 8: without this index the database walked every matter in progress in the city (63,000
-- of a year's million) to find the unit's few (28 ms of the home's 71 for the count, as much again for the page); with
-- it, only the sent-back ones (under 1 ms). The list's filter repeats the index's condition (MatterQueries: status =
-- 'in_progress' AND status_reason IS NOT NULL).
CREATE INDEX ix_matters_sent_back ON matters(status, received_at DESC, id DESC) WHERE status_reason IS NOT NULL;
