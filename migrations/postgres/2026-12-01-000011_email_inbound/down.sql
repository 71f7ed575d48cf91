DROP TABLE tenant_inbound_secrets;
DROP TABLE email_participants;
DROP TABLE email_reply_tokens;
DROP TABLE email_message_ids;
DROP TABLE inbound_emails;
