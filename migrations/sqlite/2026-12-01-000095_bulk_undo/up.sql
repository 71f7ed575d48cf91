-- What a bulk action in the inbox changed, so the agent who applied it can take it back: each
-- ticket's previous values and the version the bulk left it at (a ticket changed since is left
-- alone). Rows older than a day are pruned whenever a new one is written.
CREATE TABLE bulk_actions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    before_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX bulk_actions_age ON bulk_actions (tenant_id, created_at);
