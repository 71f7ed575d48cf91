ALTER TABLE messages DROP COLUMN system_args;
ALTER TABLE messages DROP COLUMN system_key;
