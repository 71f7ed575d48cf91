-- Invitation and reset mails are kinds of their own. SQLite cannot alter a CHECK constraint: the
-- stored definition is loosened in place, as in 000060_alerts; the CREATE TABLE below changes the
-- schema cookie, so other connections reload it.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test'', ''webhook_disabled''))',
                       'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test'', ''webhook_disabled'', ''agent_invite'', ''password_reset''))')
WHERE type = 'table' AND name = 'outbound_emails';
PRAGMA writable_schema = RESET;

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
