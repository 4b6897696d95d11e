-- Child items: an item may belong to a parent item of another workflow (feedback belongs to a
-- service change). The link is set once, by the event that creates the item, and never changes.
ALTER TABLE items ADD COLUMN parent TEXT REFERENCES items(ref);
CREATE INDEX items_by_parent ON items(parent) WHERE parent IS NOT NULL;
