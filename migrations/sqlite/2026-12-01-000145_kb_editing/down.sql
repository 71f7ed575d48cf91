ALTER TABLE kb_translations DROP COLUMN publish_at;
ALTER TABLE kb_translations DROP COLUMN outdated;
ALTER TABLE kb_articles DROP COLUMN source_locale;
