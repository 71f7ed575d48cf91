-- Inbox text search (`q`: subject, requester name or email) through pg_trgm GIN indexes on the
-- very expressions the query checks, lower(column) LIKE '%text%': substrings of three or more
-- characters in any script (CJK has no spaces for a word tokenizer to split on). Indexes on
-- expressions need no triggers: every write keeps them in step. pg_trgm ships with PostgreSQL
-- (contrib, in Debian's postgresql package) and is a trusted extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX tickets_subject_trgm ON tickets USING gin (lower(subject) gin_trgm_ops);
CREATE INDEX contacts_name_trgm ON contacts USING gin (lower(name) gin_trgm_ops);
CREATE INDEX contacts_email_trgm ON contacts USING gin (lower(email) gin_trgm_ops);
