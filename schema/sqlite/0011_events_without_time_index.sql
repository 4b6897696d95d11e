-- The event log loses its index on time alone. Every event written paid for it (one more page
-- of the write-ahead log in every commit, and its share of the checkpoints). Only the
-- audit's filter by dates read it, and that filter is now served, exactly, by
-- events_by_actor(actor, at): the log's actors are found by jumping from one to the next in
-- that index, and each one's events between the dates are a range of it.
DROP INDEX events_by_at;
