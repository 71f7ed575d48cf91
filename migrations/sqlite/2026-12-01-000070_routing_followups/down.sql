ALTER TABLE contacts DROP COLUMN vip;
ALTER TABLE agents DROP COLUMN streams_seen_at;
DROP TABLE routing_handoffs;
DROP INDEX tickets_routing_queue;
ALTER TABLE tickets DROP COLUMN routing_queued_at;
