DROP INDEX kb_deflections_recent;
ALTER TABLE kb_article_stats DROP COLUMN widget_suggestions_shown;
