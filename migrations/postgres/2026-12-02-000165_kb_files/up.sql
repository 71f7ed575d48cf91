-- Images and attachments of knowledge-base articles. The bytes are in the attachment store
-- (the same one as ticket attachments, keyed `{tenant}/{id}`); a file is recorded here in the
-- transaction that takes it out of `pending_uploads`, and deleting its article hands its key
-- back to `pending_uploads` so the orphan sweep removes the bytes.
CREATE TABLE kb_files (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, article_id) REFERENCES kb_articles (tenant_id, id)
);

CREATE INDEX kb_files_by_article ON kb_files (tenant_id, article_id, created_at);
