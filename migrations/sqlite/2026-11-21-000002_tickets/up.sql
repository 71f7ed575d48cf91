-- Tickets, messages, attachments, teams, tags, audit events, saved views, idempotency keys.

CREATE TABLE teams (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE team_members (
    tenant_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, team_id, agent_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE ticket_counters (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    last_number BIGINT NOT NULL
);

CREATE TABLE tickets (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    number BIGINT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')),
    is_open BOOLEAN NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    priority_rank INTEGER NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'web', 'api')),
    requester_id TEXT NOT NULL,
    assignee_id TEXT,
    team_id TEXT,
    language TEXT,
    tags TEXT NOT NULL DEFAULT '',
    previous_ticket_id TEXT,
    merged_into_id TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    message_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    first_agent_reply_at TIMESTAMP,
    solved_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, requester_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES agents (tenant_id, id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
-- Inbox queues: open tickets by priority then age, by last update, per assignee, per team + language.
CREATE INDEX tickets_queue ON tickets (tenant_id, is_open, priority_rank DESC, created_at, id);
CREATE INDEX tickets_status_updated ON tickets (tenant_id, status, updated_at DESC, id);
CREATE INDEX tickets_assignee ON tickets (tenant_id, assignee_id, is_open, priority_rank DESC, created_at, id);
CREATE INDEX tickets_team_language ON tickets (tenant_id, team_id, language, is_open, priority_rank DESC, created_at, id);
CREATE INDEX tickets_requester ON tickets (tenant_id, requester_id, created_at DESC);

CREATE TABLE ticket_tags (
    tenant_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (tenant_id, ticket_id, tag),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_tags_by_tag ON ticket_tags (tenant_id, tag, ticket_id);

CREATE TABLE messages (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'note', 'system')),
    author_type TEXT NOT NULL CHECK (author_type IN ('agent', 'contact', 'system')),
    author_id TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'web', 'api')),
    body_text TEXT NOT NULL,
    body_html TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX messages_by_ticket ON messages (tenant_id, ticket_id, created_at, id);

CREATE TABLE attachments (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, id)
);
CREATE INDEX attachments_by_message ON attachments (tenant_id, message_id);

CREATE TABLE ticket_events (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    actor_type TEXT NOT NULL CHECK (actor_type IN ('agent', 'contact', 'system', 'api')),
    actor_id TEXT,
    action TEXT NOT NULL,
    field TEXT,
    before_value TEXT,
    after_value TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (tenant_id, ticket_id, created_at, id);

CREATE TABLE saved_views (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    filters TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    token_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, token_id, idem_key)
);

-- Every existing tenant gets its ticket counter; new tenants get theirs when created.
INSERT INTO ticket_counters (tenant_id, last_number) SELECT id, 0 FROM tenants;
