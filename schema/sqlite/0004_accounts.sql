-- Sign-in for the web app and API: password hashes, browser sessions and API tokens.
-- Secrets are never stored: passwords as Argon2id hashes, session and API tokens as SHA-256
-- digests of random 256-bit values (so a stolen database copy does not sign anyone in).

CREATE TABLE passwords (
  actor      TEXT PRIMARY KEY REFERENCES actors(name),
  hash       TEXT NOT NULL,              -- libsodium crypto_pwhash_str (Argon2id, with its salt)
  updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
  token_digest TEXT PRIMARY KEY,         -- hex SHA-256 of the cookie value
  actor        TEXT NOT NULL REFERENCES actors(name),
  csrf         TEXT NOT NULL,            -- the token every state-changing form must carry
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  token_digest TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the token
  actor        TEXT NOT NULL REFERENCES actors(name),
  label        TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
