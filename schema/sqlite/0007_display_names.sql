-- How people see each other: "Olivia Officer" for olivia.officer. Empty: the sign-in name is shown.
-- Set with `actor add --display-name` or `actor set NAME --display-name`; each change is an event
-- in the hash chain (actor_added carries it, display_name_set changes it), checked by `verify`.
ALTER TABLE actors ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
