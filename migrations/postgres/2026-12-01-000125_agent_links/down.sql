ALTER TABLE outbound_emails DROP COLUMN agent_link;
DROP TABLE agent_links;
DELETE FROM outbound_emails WHERE kind IN ('agent_invite', 'password_reset');
ALTER TABLE outbound_emails DROP CONSTRAINT outbound_emails_kind_check,
    ADD CONSTRAINT outbound_emails_kind_check CHECK (kind IN ('ack', 'reply', 'solved', 'test', 'webhook_disabled'));
