-- Invitation and reset mails are kinds of their own.
ALTER TABLE outbound_emails DROP CONSTRAINT outbound_emails_kind_check,
    ADD CONSTRAINT outbound_emails_kind_check
    CHECK (kind IN ('ack', 'reply', 'solved', 'test', 'webhook_disabled', 'agent_invite', 'password_reset'));

-- One-time links an admin sends an agent: an invitation (the new agent picks a first password)
-- or a password reset. Only the SHA-256 of the secret is kept; a link works once, until
-- `expires_at`, in its own tenant only, and issuing a new one for the agent voids the older ones.
-- The mail carrying it keeps the URL in `outbound_emails.agent_link` until it is sent.
CREATE TABLE agent_links (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    token_hash TEXT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX agent_links_token ON agent_links (tenant_id, token_hash);
CREATE INDEX agent_links_agent ON agent_links (tenant_id, agent_id);
ALTER TABLE outbound_emails ADD COLUMN agent_link TEXT;
