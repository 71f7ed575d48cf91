ALTER TABLE outbound_emails DROP COLUMN webhook_subscription_id;
ALTER TABLE webhook_subscriptions DROP COLUMN failing_since;
DROP TABLE alert_settings;
DROP TABLE alert_tickets;
DROP TABLE alert_posts;
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (channel IN (''email'', ''chat'', ''web'', ''api'', ''alert''))',
                       'CHECK (channel IN (''email'', ''chat'', ''web'', ''api''))')
WHERE type = 'table' AND name IN ('tickets', 'messages');
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test'', ''webhook_disabled''))',
                       'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test''))')
WHERE type = 'table' AND name = 'outbound_emails';
PRAGMA writable_schema = RESET;
-- A schema change after the edit, so other connections reload the definitions.
CREATE TABLE alert_schema_bump (x INTEGER);
DROP TABLE alert_schema_bump;
