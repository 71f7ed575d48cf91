DROP TABLE portal_sessions;
DROP TABLE portal_links;
DELETE FROM outbound_emails WHERE kind = 'portal_link';
PRAGMA writable_schema = ON;
UPDATE sqlite_master
SET sql = replace(sql, 'CHECK (kind IN (''portal_link'', ''ack'',', 'CHECK (kind IN (''ack'',')
WHERE type = 'table' AND name = 'outbound_emails';
PRAGMA writable_schema = RESET;
-- A schema change after the edit, so other connections reload the definitions.
CREATE TABLE portal_schema_bump (x INTEGER);
DROP TABLE portal_schema_bump;
