-- Telling people by email. Each actor may have an address (personal data: shown only to those who
-- may see the people list), set with `actor add --email` or `actor set NAME --email`; each change
-- is an event in the hash chain (actor_added carries it, email_set changes it), checked by
-- `verify`.
ALTER TABLE actors ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- Each outbox row is one email to one person (a row for a role nobody held when it was made is
-- given to the role's holders when it is delivered). `state` is the item's state when the row was
-- made: a row whose item has moved on is not sent. Delivery: `status` is waiting, sent, failed
-- (gave up after the attempts allowed) or skipped (no longer needed); `attempts`, `last_error`
-- and `next_attempt_at` ('' for at once) record each try; `sent_at` and `sent_to` the success.
ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'waiting'
  CHECK (status IN ('waiting', 'sent', 'failed', 'skipped'));
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN sent_at TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN sent_to TEXT NOT NULL DEFAULT '';
-- Rows made before delivery existed were read in the outbox by then; they are not sent now.
UPDATE outbox SET status = 'skipped', last_error = 'made before email delivery';
CREATE INDEX outbox_waiting ON outbox(next_attempt_at, id) WHERE status = 'waiting';
