DROP INDEX contacts_email_trgm;
DROP INDEX contacts_name_trgm;
DROP INDEX tickets_subject_trgm;
DROP EXTENSION IF EXISTS pg_trgm;
