DROP TABLE kb_translation_versions;
DROP TABLE kb_translations;
DROP TABLE kb_articles;
DROP TABLE kb_sections;
DROP TABLE kb_categories;
