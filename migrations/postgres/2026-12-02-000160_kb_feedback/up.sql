-- Readers' feedback on help-center articles, per translation.
--
-- Votes: one per reader (a random first-party cookie id) and translation; voting again
-- replaces the vote.
CREATE TABLE kb_votes (
    tenant_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    locale TEXT NOT NULL,
    reader_id TEXT NOT NULL,
    helpful BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, article_id, locale, reader_id),
    FOREIGN KEY (tenant_id, article_id) REFERENCES kb_articles (tenant_id, id) ON DELETE CASCADE
);

-- Counters kept in memory by each server and added here in one batched write every few
-- seconds: page views and how often the request form suggested the article.
CREATE TABLE kb_article_stats (
    tenant_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    locale TEXT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    suggestions_shown BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, article_id, locale),
    FOREIGN KEY (tenant_id, article_id) REFERENCES kb_articles (tenant_id, id) ON DELETE CASCADE
);

-- A click on a suggestion of the request form, once per form session and article; `submitted`
-- turns true when a request was sent from that form session (else the click is an abandoned
-- request, the customer found their answer).
CREATE TABLE kb_form_clicks (
    tenant_id TEXT NOT NULL,
    form_session TEXT NOT NULL,
    article_id TEXT NOT NULL,
    locale TEXT NOT NULL,
    submitted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, form_session, article_id),
    FOREIGN KEY (tenant_id, article_id) REFERENCES kb_articles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX kb_form_clicks_article ON kb_form_clicks (tenant_id, article_id);
