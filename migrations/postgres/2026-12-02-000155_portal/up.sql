-- Portal sign-in mails are a kind of their own. The constraint is rebuilt from its current
-- definition, so kinds other migrations add to the list stay.
DO $$
DECLARE def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conname = 'outbound_emails_kind_check' AND conrelid = 'outbound_emails'::regclass;
    EXECUTE 'ALTER TABLE outbound_emails DROP CONSTRAINT outbound_emails_kind_check';
    EXECUTE 'ALTER TABLE outbound_emails ADD CONSTRAINT outbound_emails_kind_check '
        || replace(def, 'ARRAY[', 'ARRAY[''portal_link''::text, ');
END $$;

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
