-- The knowledge base: categories hold sections, sections hold articles (an article may stand
-- alone). Category and section names are per locale, kept as a JSON list of
-- {"locale", "name", "description"} on the row: they are short and always read whole.
-- An article's text lives in one translation row per locale; every save of a translation
-- also writes a version row, so its history can be shown and restored.
CREATE TABLE kb_categories (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    translations TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE kb_sections (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    category_id TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    translations TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES kb_categories (tenant_id, id)
);
CREATE INDEX kb_sections_by_category ON kb_sections (tenant_id, category_id, position);

CREATE TABLE kb_articles (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    section_id TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, section_id) REFERENCES kb_sections (tenant_id, id)
);
CREATE INDEX kb_articles_by_section ON kb_articles (tenant_id, section_id, position);

CREATE TABLE kb_translations (
    tenant_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    keywords TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    author_type TEXT NOT NULL,
    author_id TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, article_id, locale),
    FOREIGN KEY (tenant_id, article_id) REFERENCES kb_articles (tenant_id, id)
);

CREATE TABLE kb_translation_versions (
    tenant_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    locale TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    keywords TEXT NOT NULL,
    status TEXT NOT NULL,
    author_type TEXT NOT NULL,
    author_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, article_id, locale, version),
    FOREIGN KEY (tenant_id, article_id) REFERENCES kb_articles (tenant_id, id)
);
