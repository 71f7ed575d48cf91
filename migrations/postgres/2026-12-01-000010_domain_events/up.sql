-- Typed domain events, written in the transaction that made the change (an outbox), and one
-- cursor per consumer. Sequence numbers are taken at insert but transactions commit in another
-- order, so a consumer reads by (txid, seq) and only below the oldest transaction still running
-- (see events::outbox): nothing can later appear behind its cursor.
DELETE FROM jobs WHERE kind = 'live.ticket_changed';

CREATE TABLE domain_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
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
