-- Every built-in view × sort reads its page straight off one index that leads with tenant_id:
-- the view's equality columns, then the ORDER BY columns in their directions, then id (the
-- keyset tiebreak), so a page stops after limit + 1 entries instead of sorting the view.
-- Priority sorts of All open and My open / Unassigned already have tickets_queue and
-- tickets_assignee; the sorts below complete the set. Filters without an index of their own
-- (priority, team, channel, language, a common tag or text) are checked on the rows the sort
-- index yields.

-- No view: the API's default list and custom console filters.
CREATE INDEX tickets_updated ON tickets (tenant_id, updated_at DESC, id DESC);
CREATE INDEX tickets_age ON tickets (tenant_id, created_at, id);
CREATE INDEX tickets_priority ON tickets (tenant_id, priority_rank DESC, created_at, id);

-- All open.
CREATE INDEX tickets_open_updated ON tickets (tenant_id, is_open, updated_at DESC, id DESC);
CREATE INDEX tickets_open_age ON tickets (tenant_id, is_open, created_at, id);

-- My open (assignee_id = me) and Unassigned (assignee_id IS NULL, an equality for both planners).
CREATE INDEX tickets_assignee_updated ON tickets (tenant_id, assignee_id, is_open, updated_at DESC, id DESC);
CREATE INDEX tickets_assignee_age ON tickets (tenant_id, assignee_id, is_open, created_at, id);

-- Pending, Solved and the status filter. The old index had id ascending under updated_at
-- descending, which is not the ORDER BY's tiebreak direction.
DROP INDEX tickets_status_updated;
CREATE INDEX tickets_status_updated ON tickets (tenant_id, status, updated_at DESC, id DESC);
CREATE INDEX tickets_status_age ON tickets (tenant_id, status, created_at, id);
CREATE INDEX tickets_status_priority ON tickets (tenant_id, status, priority_rank DESC, created_at, id);
