-- Mail on the timeline: `body_text` is what the timeline shows (quoted history and signature
-- stripped), `body_text_full` the whole text part it came from (NULL for messages that did not
-- come by mail). The inbound row keeps the header addresses (JSON: from, to, cc) for the API,
-- and is found from its message through the new index.
ALTER TABLE messages ADD COLUMN body_text_full TEXT;
ALTER TABLE inbound_emails ADD COLUMN header_addresses TEXT;
CREATE INDEX inbound_emails_message ON inbound_emails (tenant_id, message_row_id);
