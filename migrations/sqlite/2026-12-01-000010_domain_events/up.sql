-- Typed domain events, written in the transaction that made the change (an outbox), and one
-- cursor per consumer. SQLite has one writer at a time, so `seq` order is commit order and
-- `txid` is always 0.
DELETE FROM jobs WHERE kind = 'live.ticket_changed';

CREATE TABLE domain_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    txid BIGINT NOT NULL DEFAULT 0,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ticket_id TEXT,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX domain_events_by_position ON domain_events (txid, seq);

CREATE TABLE event_consumers (
    name TEXT NOT NULL PRIMARY KEY,
    last_txid BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
