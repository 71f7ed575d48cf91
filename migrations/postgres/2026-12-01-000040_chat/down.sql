DROP TABLE chat_client_messages;
DROP TABLE chat_visitors;
DROP TABLE chat_settings;
