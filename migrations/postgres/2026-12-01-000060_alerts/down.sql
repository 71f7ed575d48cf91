ALTER TABLE outbound_emails DROP COLUMN webhook_subscription_id;
ALTER TABLE webhook_subscriptions DROP COLUMN failing_since;
DROP TABLE alert_settings;
DROP TABLE alert_tickets;
DROP TABLE alert_posts;
ALTER TABLE outbound_emails DROP CONSTRAINT outbound_emails_kind_check,
    ADD CONSTRAINT outbound_emails_kind_check CHECK (kind IN ('ack', 'reply', 'solved', 'test'));
ALTER TABLE messages DROP CONSTRAINT messages_channel_check,
    ADD CONSTRAINT messages_channel_check CHECK (channel IN ('email', 'chat', 'web', 'api'));
ALTER TABLE tickets DROP CONSTRAINT tickets_channel_check,
    ADD CONSTRAINT tickets_channel_check CHECK (channel IN ('email', 'chat', 'web', 'api'));
