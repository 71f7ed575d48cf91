DROP TABLE portal_sessions;
DROP TABLE portal_links;
DELETE FROM outbound_emails WHERE kind = 'portal_link';
DO $$
DECLARE def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
    WHERE conname = 'outbound_emails_kind_check' AND conrelid = 'outbound_emails'::regclass;
    EXECUTE 'ALTER TABLE outbound_emails DROP CONSTRAINT outbound_emails_kind_check';
    EXECUTE 'ALTER TABLE outbound_emails ADD CONSTRAINT outbound_emails_kind_check '
        || replace(def, '''portal_link''::text, ', '');
END $$;
