-- Failed sign-ins, kept in the database so that every server of one database sees the same
-- lockouts (and a restart does not clear them). `key` is "name:NAME" or "address:IP";
-- `locked_until_ms` is Unix time in milliseconds by the real clock, 0 while not locked.
-- Not in the hash chain: they are not history, and a success clears a name's row.
CREATE TABLE sign_in_failures (
  key             TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL,
  locked_until_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
