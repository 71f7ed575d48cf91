-- Routing follow-ups. A ticket the engine could not give to anyone waits with routing_queued_at
-- set until the sweep assigns it (capacity freed, a shift started). routing_handoffs records each
-- agent's shift end the sweep has handed off, so a restart or a second process never hands one
-- shift's tickets off twice. agents.streams_seen_at is when a process last saw one of the agent's
-- live console streams open (auto offline). contacts.vip feeds routing rules.
ALTER TABLE tickets ADD COLUMN routing_queued_at TIMESTAMP;
CREATE INDEX tickets_routing_queue ON tickets (tenant_id, routing_queued_at);
CREATE TABLE routing_handoffs (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    agent_id TEXT NOT NULL,
    shift_end TIMESTAMP NOT NULL,
    tickets INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, agent_id, shift_end),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE agents ADD COLUMN streams_seen_at TIMESTAMP;
ALTER TABLE contacts ADD COLUMN vip BOOLEAN NOT NULL DEFAULT 0;
