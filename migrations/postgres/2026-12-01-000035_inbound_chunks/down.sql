DROP TABLE inbound_email_chunks;
