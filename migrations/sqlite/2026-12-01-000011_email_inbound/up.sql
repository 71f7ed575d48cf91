-- Inbound email. Raw bytes are kept in the row itself (BLOB): the row, its bytes and the job that
-- files it commit in one transaction before the sender hears 250 (SMTP) or 202 (HTTP), so no
-- message can be acknowledged without its bytes, and nothing needs an orphan sweep.
CREATE TABLE inbound_emails (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('smtp', 'http')),
    envelope_from TEXT,
    recipient TEXT NOT NULL,
    reply_token TEXT,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    raw BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('received', 'filed', 'duplicate', 'failed')),
    message_id_header TEXT,
    auto_reply BOOLEAN NOT NULL DEFAULT 0,
    ticket_id TEXT,
    message_row_id TEXT,
    error TEXT,
    filed_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX inbound_emails_by_state ON inbound_emails (tenant_id, state, received_at);

-- Every Message-ID we received or sent, per tenant: threading (In-Reply-To, References) and
-- dedupe. Mail without a Message-ID is keyed by a hash of its normalised headers and body
-- ('sha256:…'). direction 'out' is for the outbound half.
CREATE TABLE email_message_ids (
    tenant_id TEXT NOT NULL,
    message_key TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    message_id TEXT,
    inbound_id TEXT,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    auto_reply BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, message_key),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX email_message_ids_by_ticket ON email_message_ids (tenant_id, ticket_id);

-- The token in a ticket's reply address ({slug}+{token}@domain), one per ticket.
CREATE TABLE email_reply_tokens (
    tenant_id TEXT NOT NULL,
    token TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, token),
    UNIQUE (tenant_id, ticket_id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);

-- People copied on a ticket's mail (From, To, Cc), whose answers join the ticket.
CREATE TABLE email_participants (
    tenant_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (tenant_id, ticket_id, email),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);

-- The bearer secret of each tenant's HTTP mail door; shown to operators, so kept readable.
CREATE TABLE tenant_inbound_secrets (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
