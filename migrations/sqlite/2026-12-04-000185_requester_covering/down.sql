DROP INDEX tickets_requester;
CREATE INDEX tickets_requester ON tickets (tenant_id, requester_id, created_at DESC);
