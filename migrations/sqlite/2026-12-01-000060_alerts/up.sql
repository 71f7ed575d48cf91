-- Monitoring alerts open tickets on a channel of their own, and the webhook auto-disable notice
-- is a mail of its own kind. SQLite cannot alter a CHECK constraint, so the stored table
-- definitions are edited in place (the documented procedure for loosening a constraint: no row
-- that was valid becomes invalid). The CREATE TABLE statements below change the schema cookie,
-- so every other connection reloads the edited definitions; RESET reloads this one's.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (channel IN (''email'', ''chat'', ''web'', ''api''))',
                       'CHECK (channel IN (''email'', ''chat'', ''web'', ''api'', ''alert''))')
WHERE type = 'table' AND name IN ('tickets', 'messages');
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test''))',
                       'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test'', ''webhook_disabled''))')
WHERE type = 'table' AND name = 'outbound_emails';
PRAGMA writable_schema = RESET;

-- Every alert post as received: its raw bytes are stored before the 202 (or the 400 of a
-- payload that cannot be read, kept `failed` with its error for inspection).
CREATE TABLE alert_posts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    format TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    raw BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('received', 'processed', 'failed')),
    alert_count INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    processed_at TIMESTAMP,
    -- The API token that posted it: customers' tickets are told in its name.
    token_id TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX alert_posts_by_state ON alert_posts (tenant_id, state, received_at);

-- The ticket of each alert fingerprint: one row per (tenant, fingerprint), so two posts of one
-- new alert can never both open a ticket (the second insert conflicts and is retried).
CREATE TABLE alert_tickets (
    tenant_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, fingerprint),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);

CREATE TABLE alert_settings (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    solve_on_resolve BOOLEAN NOT NULL,
    -- JSON: [{"labels": {...}, "tag", "message"}], see alerts::NotifyRule.
    notify_rules TEXT NOT NULL DEFAULT '[]',
    updated_at TIMESTAMP NOT NULL
);

-- Since when every delivery attempt of a subscription has failed (NULL after a success).
ALTER TABLE webhook_subscriptions ADD COLUMN failing_since TIMESTAMP;
-- The subscription a `webhook_disabled` notice is about.
ALTER TABLE outbound_emails ADD COLUMN webhook_subscription_id TEXT;
