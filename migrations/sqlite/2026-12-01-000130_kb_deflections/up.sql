-- Deflections: a widget visitor said a suggested article answered their question, so no ticket
-- was opened. One row per visitor and article (a second click counts once); the per-article
-- count is a count of rows on the primary key's prefix.
CREATE TABLE kb_deflections (
    tenant_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    visitor_id TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, article_id, visitor_id),
    FOREIGN KEY (tenant_id, article_id) REFERENCES kb_articles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, visitor_id) REFERENCES chat_visitors (tenant_id, id) ON DELETE CASCADE
);
