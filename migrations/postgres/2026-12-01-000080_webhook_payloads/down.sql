ALTER TABLE webhook_attempts ADD FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id);
ALTER TABLE webhook_deliveries RESET (fillfactor);
ALTER TABLE webhook_deliveries DROP COLUMN payload_id;
DROP TABLE webhook_payloads;
