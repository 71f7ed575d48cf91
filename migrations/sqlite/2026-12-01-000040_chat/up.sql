-- Chat: the widget's per-tenant settings, its visitors and the client ids of what they sent.

-- Which origins may embed the widget (a JSON list; empty = any, until the tenant sets one) and
-- the secret the tenant's backend signs visitor identities with.
CREATE TABLE chat_settings (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    identity_secret TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- One browser (its localStorage) of a tenant's site. The token is shown once, to the widget;
-- only its sha256 is kept. `ticket_id` is its current conversation; `connected_until` is a lease
-- that open sockets refresh, so outbound mail knows whether the visitor is there to read a reply;
-- `page_url` is the page of the site they were last on and `read_message_id` the last message
-- their widget showed them with the panel open, both for the agent.
CREATE TABLE chat_visitors (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    contact_id TEXT,
    external_id TEXT,
    name TEXT,
    email TEXT,
    locale TEXT,
    ticket_id TEXT,
    connected_until TIMESTAMP,
    page_url TEXT,
    read_message_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX chat_visitors_token ON chat_visitors (tenant_id, token_hash);
CREATE INDEX chat_visitors_ticket ON chat_visitors (tenant_id, ticket_id);

-- What a visitor's client ids became: the primary key is what makes a resent message (same
-- client id) land once, even from two tabs at the same instant.
CREATE TABLE chat_client_messages (
    tenant_id TEXT NOT NULL,
    visitor_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, visitor_id, client_id),
    FOREIGN KEY (tenant_id, visitor_id) REFERENCES chat_visitors (tenant_id, id)
);
