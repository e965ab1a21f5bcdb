-- The dashboard counts the statuses of the matters received in the chosen period (issue 18), from a new
-- counter kind, received_status (day received | status now; Features/Tally). The next pass rebuilds the
-- counters from the records (no tally_state row), which adds it for the matters already counted.
DELETE FROM tally_state;
