ALTER TABLE webhook_deliveries DROP COLUMN payload_id;
DROP TABLE webhook_payloads;
