-- Items are found by workflow through an index of the workflow alone, which never changes once an
-- item is made. items_by_workflow_state moved its entry at every change of state, one more page of
-- the write-ahead log in nearly every commit; and no query used its state: the queue walks a
-- workflow's items whatever their state, and a list by state reads a workflow's items (or all
-- of them) and tests each one's state.
DROP INDEX items_by_workflow_state;
CREATE INDEX items_by_workflow ON items(workflow);
