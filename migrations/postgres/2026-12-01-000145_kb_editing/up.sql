-- Editing the knowledge base in the console. An article's source locale is the text its
-- translations are made from; when the source's text changes, the other translations are marked
-- outdated until they are saved again. A draft translation may wait for a publish time (UTC);
-- a delayed `kb.publish` job publishes it then.
ALTER TABLE kb_articles ADD COLUMN source_locale TEXT;
UPDATE kb_articles SET source_locale = (
    SELECT t.locale FROM kb_translations t
    WHERE t.tenant_id = kb_articles.tenant_id AND t.article_id = kb_articles.id
    ORDER BY t.created_at, t.locale LIMIT 1
);
ALTER TABLE kb_translations ADD COLUMN outdated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE kb_translations ADD COLUMN publish_at TIMESTAMP;
