-- Failed sign-ins, shared by every server of the database (schema/sqlite/0010_sign_in_failures.sql).
CREATE TABLE sign_in_failures (
  key             TEXT COLLATE "C" PRIMARY KEY,
  failures        INTEGER NOT NULL,
  locked_until_ms BIGINT NOT NULL DEFAULT 0
);
