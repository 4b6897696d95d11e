-- The outbox's rule on `status` is written as comparisons joined by OR, and the table is rebuilt to
-- carry it (SQLite cannot change a CHECK in place). The rule is the same. Written as
-- `status IN ('waiting', 'sent', 'failed', 'skipped')`, SQLite built a temporary b-tree of the
-- four words for every row it wrote or updated: each notification made and each delivery attempt
-- recorded cost about four times the insert itself.
CREATE TABLE outbox_checked (
  id              INTEGER PRIMARY KEY,
  created_at      TEXT NOT NULL,
  recipient       TEXT NOT NULL,       -- an actor's name, or "role:NAME" when nobody holds it
  ref             TEXT NOT NULL,
  kind            TEXT NOT NULL,       -- decision_needed, reminder, escalation
  message         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT 'waiting'
    CHECK (status = 'waiting' OR status = 'sent' OR status = 'failed' OR status = 'skipped'),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  next_attempt_at TEXT NOT NULL DEFAULT '',
  sent_at         TEXT NOT NULL DEFAULT '',
  sent_to         TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_checked(id, created_at, recipient, ref, kind, message, state, status, attempts,
                           last_error, next_attempt_at, sent_at, sent_to)
  SELECT id, created_at, recipient, ref, kind, message, state, status, attempts, last_error,
         next_attempt_at, sent_at, sent_to
  FROM outbox ORDER BY id;
DROP TABLE outbox;
ALTER TABLE outbox_checked RENAME TO outbox;
CREATE INDEX outbox_by_recipient ON outbox(recipient, id);
CREATE INDEX outbox_by_ref ON outbox(ref, id);
CREATE INDEX outbox_waiting ON outbox(next_attempt_at, id) WHERE status = 'waiting';
