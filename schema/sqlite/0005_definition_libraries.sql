-- The lib modules each workflow version was loaded with, so a stored version runs the modules it
-- was recorded with and a changed module makes a new version. NULL `libraries`: a version stored
-- before this migration, whose modules were not recorded.
ALTER TABLE definitions ADD COLUMN libraries INTEGER;  -- how many modules were recorded

CREATE TABLE definition_libraries (
  version TEXT NOT NULL REFERENCES definitions(version),
  module  TEXT NOT NULL,             -- as required: "calendar", "text.case"
  source  TEXT NOT NULL,
  PRIMARY KEY (version, module)
) WITHOUT ROWID;

CREATE TRIGGER definition_libraries_no_update BEFORE UPDATE ON definition_libraries
BEGIN SELECT RAISE(ABORT, 'definition libraries are append-only'); END;
CREATE TRIGGER definition_libraries_no_delete BEFORE DELETE ON definition_libraries
BEGIN SELECT RAISE(ABORT, 'definition libraries are append-only'); END;
