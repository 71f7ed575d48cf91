-- Portal sign-in mails are a kind of their own. SQLite cannot alter a CHECK constraint: the
-- stored definition is loosened in place, as in 000125_agent_links. Only the list's opening is
-- rewritten, so kinds other migrations add to the list stay. The CREATE TABLE below changes the
-- schema cookie, so other connections reload the definitions.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''ack'',', 'CHECK (kind IN (''portal_link'', ''ack'',')
WHERE type = 'table' AND name = 'outbound_emails';
PRAGMA writable_schema = RESET;

-- Magic links a customer asks for on the help center's portal: only the SHA-256 of the secret
-- is kept; a link works once, until `expires_at`, in its own tenant only. The mail carrying it
-- keeps the URL in `outbound_emails.agent_link` until it is sent, as invitations do.
CREATE TABLE portal_links (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE UNIQUE INDEX portal_links_token ON portal_links (tenant_id, token_hash);
CREATE INDEX portal_links_created ON portal_links (created_at);

-- A customer's signed-in portal session: the cookie holds a random secret, the row its SHA-256,
-- with the tenant and contact it is good for and the token that POSTs must carry (CSRF).
CREATE TABLE portal_sessions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE UNIQUE INDEX portal_sessions_token ON portal_sessions (tenant_id, token_hash);
CREATE INDEX portal_sessions_expiry ON portal_sessions (expires_at);
