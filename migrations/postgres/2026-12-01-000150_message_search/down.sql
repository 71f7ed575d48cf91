DROP INDEX messages_body_trgm;
