-- A pending upload says when it becomes an orphan instead of when it was stored: files sent with
-- a request are due an hour later, images pasted into a draft wait as long as the draft may.
ALTER TABLE pending_uploads RENAME COLUMN created_at TO sweep_after;
UPDATE pending_uploads SET sweep_after = sweep_after + INTERVAL '60 minutes';
DROP INDEX pending_uploads_by_age;
CREATE INDEX pending_uploads_due ON pending_uploads (sweep_after);
