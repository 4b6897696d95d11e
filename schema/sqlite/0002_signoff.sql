-- Sign-off: document versions, delegations and the outbox of notifications.

-- Every version of an item's document. `hash` is the lower-case hex SHA-256 of `content` (for a
-- version with attachments, of its manifest: see document_attachments). Rows are never changed.
CREATE TABLE document_versions (
  item_id    INTEGER NOT NULL REFERENCES items(id),
  version    INTEGER NOT NULL,         -- 1, 2, ... per item
  hash       TEXT NOT NULL,
  content    TEXT NOT NULL,
  author     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (item_id, version)
) WITHOUT ROWID;

CREATE TABLE document_attachments (
  item_id INTEGER NOT NULL,
  version INTEGER NOT NULL,
  name    TEXT NOT NULL,
  hash    TEXT NOT NULL,                -- hex SHA-256 of content
  content BLOB NOT NULL,
  PRIMARY KEY (item_id, version, name),
  FOREIGN KEY (item_id, version) REFERENCES document_versions(item_id, version)
) WITHOUT ROWID;

CREATE TRIGGER document_versions_no_update BEFORE UPDATE ON document_versions
BEGIN SELECT RAISE(ABORT, 'document versions are never changed'); END;
CREATE TRIGGER document_versions_no_delete BEFORE DELETE ON document_versions
BEGIN SELECT RAISE(ABORT, 'document versions are never deleted'); END;
CREATE TRIGGER document_attachments_no_update BEFORE UPDATE ON document_attachments
BEGIN SELECT RAISE(ABORT, 'document versions are never changed'); END;
CREATE TRIGGER document_attachments_no_delete BEFORE DELETE ON document_attachments
BEGIN SELECT RAISE(ABORT, 'document versions are never deleted'); END;

-- `to_actor` may decide in `from_actor`'s place, for `role`, up to the end of `until` (a date).
CREATE TABLE delegations (
  id         INTEGER PRIMARY KEY,
  from_actor TEXT NOT NULL REFERENCES actors(name),
  to_actor   TEXT NOT NULL REFERENCES actors(name),
  role       TEXT NOT NULL,
  until      TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX delegations_by_to ON delegations(to_actor, until);

-- Notifications: who must act, on what, and why. Delivery (e-mail) reads from here.
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  recipient  TEXT NOT NULL,            -- an actor's name, or "role:NAME" when nobody holds it
  ref        TEXT NOT NULL,
  kind       TEXT NOT NULL,            -- decision_needed, reminder, escalation
  message    TEXT NOT NULL
);
CREATE INDEX outbox_by_recipient ON outbox(recipient, id);
CREATE INDEX outbox_by_ref ON outbox(ref, id);
