DROP TABLE tenant_email_settings;
DROP TABLE outbound_emails;
