DROP TABLE bulk_actions;
