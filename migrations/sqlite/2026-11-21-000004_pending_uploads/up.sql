-- Files written to the attachment store before their message's transaction. A row is removed when
-- the file is attached; one left behind an hour later marks an orphan for housekeeping to delete.
CREATE TABLE pending_uploads (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX pending_uploads_by_age ON pending_uploads (created_at);
