DROP INDEX inbound_emails_message;
ALTER TABLE inbound_emails DROP COLUMN header_addresses;
ALTER TABLE messages DROP COLUMN body_text_full;
