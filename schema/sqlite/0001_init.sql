-- Initial schema: workflow definitions, actors, items and the hash-chained event log.

-- Every loaded workflow source, keyed by the SHA-256 of its text. Rows are never changed.
CREATE TABLE definitions (
  version   TEXT PRIMARY KEY,          -- lower-case hex SHA-256 of source
  name      TEXT NOT NULL,
  path      TEXT NOT NULL,             -- file the source was loaded from, as given
  source    TEXT NOT NULL,
  loaded_at TEXT NOT NULL
);
CREATE INDEX definitions_by_name ON definitions(name, loaded_at);

-- Which stored version new items of each workflow start on.
CREATE TABLE workflows (
  name       TEXT PRIMARY KEY,
  version    TEXT NOT NULL REFERENCES definitions(version),
  updated_at TEXT NOT NULL
);

CREATE TABLE actors (
  name       TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
);
CREATE TABLE actor_roles (
  actor TEXT NOT NULL REFERENCES actors(name),
  role  TEXT NOT NULL,
  PRIMARY KEY (actor, role)
) WITHOUT ROWID;

-- Last number issued per reference prefix and year, so references are never reused.
CREATE TABLE ref_counters (
  prefix TEXT NOT NULL,
  year   INTEGER NOT NULL,
  last   INTEGER NOT NULL,
  PRIMARY KEY (prefix, year)
) WITHOUT ROWID;

-- The current state of each item: a projection of its events.
CREATE TABLE items (
  id         INTEGER PRIMARY KEY,
  ref        TEXT NOT NULL UNIQUE,
  workflow   TEXT NOT NULL,
  version    TEXT NOT NULL REFERENCES definitions(version),
  state      TEXT NOT NULL,
  data       TEXT NOT NULL,            -- JSON object
  revision   INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX items_by_workflow_state ON items(workflow, state);

-- The event log. `body` is the canonical JSON of the event and the only source of truth;
-- the other columns are derived from it so that they cannot disagree with what was hashed.
-- hash = SHA-256(previous event's hash bytes || body), with 32 zero bytes before the first.
CREATE TABLE events (
  seq    INTEGER PRIMARY KEY,
  body   TEXT NOT NULL,
  hash   TEXT NOT NULL,
  ref    TEXT GENERATED ALWAYS AS (json_extract(body, '$.ref')) VIRTUAL,
  actor  TEXT GENERATED ALWAYS AS (json_extract(body, '$.actor')) VIRTUAL,
  action TEXT GENERATED ALWAYS AS (json_extract(body, '$.action')) VIRTUAL,
  at     TEXT GENERATED ALWAYS AS (json_extract(body, '$.at')) VIRTUAL
);
CREATE INDEX events_by_ref ON events(ref, seq);
CREATE INDEX events_by_actor ON events(actor, at);
CREATE INDEX events_by_at ON events(at);

-- History is append-only through the engine.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Due times that fire an action as actor `system`; armed and cleared in the same transaction
-- as the event that causes them.
CREATE TABLE timers (
  id      INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES items(id),
  action  TEXT NOT NULL,
  due_at  TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX timers_by_due ON timers(due_at);
CREATE INDEX timers_by_item ON timers(item_id);
