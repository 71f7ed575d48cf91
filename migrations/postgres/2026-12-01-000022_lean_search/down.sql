-- The text index is rebuilt on SQLite only (see its migration of the same name); PostgreSQL's
-- pg_trgm indexes already index requesters once per contact and cost little on the write path.
SELECT 1;
