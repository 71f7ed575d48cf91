-- Outbound email. One row per mail we send (acknowledgement, agent reply, solved notice, setup
-- test): its Message-ID and threading headers are fixed when it is enqueued, so every retry
-- sends the same message, and the row carries the delivery state the ticket timeline shows.
CREATE TABLE outbound_emails (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ack', 'reply', 'solved', 'test')),
    ticket_id TEXT,
    message_row_id TEXT,
    to_address TEXT NOT NULL,
    cc TEXT NOT NULL,
    message_id_header TEXT NOT NULL,
    in_reply_to TEXT,
    references_header TEXT NOT NULL,
    locale TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'retrying', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    arrived_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX outbound_emails_by_ticket ON outbound_emails (tenant_id, ticket_id, created_at);
-- The acknowledgement rate limit counts recent acknowledgements per requester.
CREATE INDEX outbound_emails_by_recipient ON outbound_emails (tenant_id, to_address, kind, created_at);
CREATE UNIQUE INDEX outbound_emails_by_message_id ON outbound_emails (tenant_id, message_id_header);

-- Each tenant's outbound identity: the From address and name, the signature under replies, and
-- an optional DKIM key (PKCS#1 PEM) with its selector.
CREATE TABLE tenant_email_settings (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    support_address TEXT,
    display_name TEXT,
    signature TEXT,
    dkim_selector TEXT,
    dkim_private_key TEXT,
    updated_at TIMESTAMP NOT NULL
);
