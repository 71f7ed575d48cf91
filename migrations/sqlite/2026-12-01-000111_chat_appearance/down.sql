ALTER TABLE chat_settings DROP COLUMN appearance;
ALTER TABLE chat_settings DROP COLUMN prechat;
