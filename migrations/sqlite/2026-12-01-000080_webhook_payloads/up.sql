-- A webhook message's body is stored once, not once per subscription and again per attempt: at
-- 1,000 events/s to ten subscriptions the copies were most of what the database wrote. A
-- delivery names its payload; the body sent is composed from the payload (type, timestamp,
-- data) and the delivery's own sequence number, the same bytes on every attempt. Deliveries
-- planned before this keep their whole body in `payload` and no `payload_id`.
CREATE TABLE webhook_payloads (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_payloads_by_age ON webhook_payloads (created_at);
ALTER TABLE webhook_deliveries ADD COLUMN payload_id TEXT;
