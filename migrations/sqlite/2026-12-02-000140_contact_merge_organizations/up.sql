-- Contacts: merging (a merged contact stays as a tombstone pointing at the one it was merged
-- into, keeping its email so later mail from that address finds the survivor), notes, and the
-- email's domain, from which organisations are derived. Free-mail domains are left out when
-- organisations are read (the list lives in the code), so the column holds every domain.
ALTER TABLE contacts ADD COLUMN merged_into_id TEXT;
ALTER TABLE contacts ADD COLUMN notes TEXT;
ALTER TABLE contacts ADD COLUMN email_domain TEXT;
UPDATE contacts SET email_domain = lower(rtrim(substr(email, instr(email, '@') + 1), '.')) WHERE email IS NOT NULL AND instr(email, '@') > 0;
-- Organisations list and page: one range of this index per domain.
CREATE INDEX contacts_domain ON contacts (tenant_id, email_domain, id);
-- A survivor's merged contacts (their addresses are shown on its page; a later merge repoints them).
CREATE INDEX contacts_merged_into ON contacts (tenant_id, merged_into_id);
-- The contacts list, by name.
CREATE INDEX contacts_by_name ON contacts (tenant_id, name, id);
