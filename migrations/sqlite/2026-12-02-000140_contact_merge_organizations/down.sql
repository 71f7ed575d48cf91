DROP INDEX contacts_by_name;
DROP INDEX contacts_merged_into;
DROP INDEX contacts_domain;
ALTER TABLE contacts DROP COLUMN email_domain;
ALTER TABLE contacts DROP COLUMN notes;
ALTER TABLE contacts DROP COLUMN merged_into_id;
