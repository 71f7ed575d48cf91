DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_update;
DROP TRIGGER message_search_insert;
DROP TABLE message_search;
DROP TABLE message_search_keys;
