DROP TRIGGER ticket_search_requester;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_insert;
DROP TABLE ticket_search;
DROP TABLE ticket_search_keys;
