DROP INDEX pending_uploads_due;
UPDATE pending_uploads SET sweep_after = strftime('%Y-%m-%d %H:%M:%f', sweep_after, '-60 minutes');
ALTER TABLE pending_uploads RENAME COLUMN sweep_after TO created_at;
CREATE INDEX pending_uploads_by_age ON pending_uploads (created_at);
