ALTER TABLE outbound_emails DROP COLUMN agent_link;
DROP TABLE agent_links;
DELETE FROM outbound_emails WHERE kind IN ('agent_invite', 'password_reset');
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test'', ''webhook_disabled'', ''agent_invite'', ''password_reset''))',
                       'CHECK (kind IN (''ack'', ''reply'', ''solved'', ''test'', ''webhook_disabled''))')
WHERE type = 'table' AND name = 'outbound_emails';
PRAGMA writable_schema = RESET;
-- A schema change after the edit, so other connections reload the definitions.
CREATE TABLE agent_links_schema_bump (x INTEGER);
DROP TABLE agent_links_schema_bump;
