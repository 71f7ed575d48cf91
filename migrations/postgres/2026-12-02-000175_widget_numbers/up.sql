-- The chat widget's article suggestions are counted beside the request form's (in memory, added
-- here in the same batched write), once per visitor's draft and article.
ALTER TABLE kb_article_stats ADD COLUMN widget_suggestions_shown BIGINT NOT NULL DEFAULT 0;

-- The chat admin page counts a tenant's deflections of the last 30 days; without this the count
-- reads every deflection the tenant ever had.
CREATE INDEX kb_deflections_recent ON kb_deflections (tenant_id, created_at);
