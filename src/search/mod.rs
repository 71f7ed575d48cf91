//! Knowledge-base search behind one [`SearchIndex`] trait: the embedded tantivy index
//! (`embedded.rs`, the default) or Meilisearch (`meili.rs`, when `MEILI_URL` is set). Documents
//! are one per article translation ([`SearchDoc`]); the `kb.index` job (`indexing.rs`) rebuilds an
//! article's documents from the database, so the index converges whatever it missed. When the
//! index fails, [`Search::search`] answers from the database and says so (`fallback`).

pub mod embedded;
pub mod everything;
pub mod indexing;
pub mod meili;
pub mod text;

use std::sync::Arc;

use crate::db::Db;
use crate::error::AppResult;
use crate::kb::{self, Audience};

/// One translation of one article, as indexed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SearchDoc {
    pub tenant_id: String,
    pub article_id: String,
    pub locale: String,
    pub title: String,
    pub keywords: Vec<String>,
    /// The body as plain text.
    pub body: String,
    /// `draft` or `published`.
    pub status: String,
    /// `public` or `internal`.
    pub visibility: String,
    pub section_id: Option<String>,
    pub category_id: Option<String>,
}

/// A search: the words, the reader's locale chain (best first) and who is reading.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub tenant_id: String,
    pub q: String,
    pub chain: Vec<String>,
    pub audience: Audience,
    pub limit: usize,
}

impl SearchQuery {
    /// The language subtags of the chain (`pt-BR`, `pt`, `en` → `pt`, `en`): a document in any of
    /// them may be what the reader gets.
    pub fn languages(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for l in &self.chain {
            let p = text::primary(l);
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// One matching translation, best first.
#[derive(Debug, Clone)]
pub struct Hit {
    pub article_id: String,
    pub locale: String,
    pub title: String,
    /// The matched text around the query, HTML-escaped, matches in `<mark>`.
    pub snippet: String,
    pub score: f32,
}

/// Why the index could not answer or write.
#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchError(pub String);

/// A search backend. Every read is filtered by tenant inside the backend.
#[async_trait::async_trait]
pub trait SearchIndex: Send + Sync {
    /// `embedded` or `meilisearch`.
    fn name(&self) -> &'static str;
    /// Make the index hold exactly `docs` for these articles (none: the articles are gone).
    async fn replace(&self, tenant: &str, article_ids: &[String], docs: Vec<SearchDoc>) -> Result<(), SearchError>;
    /// Remove every document of a tenant (before a full reindex).
    async fn clear_tenant(&self, tenant: &str) -> Result<(), SearchError>;
    /// Matching translations the audience may read, in the chain's languages, best first.
    async fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>, SearchError>;
    /// How many translations of the tenant the index holds (the consistency check).
    async fn count(&self, tenant: &str) -> Result<usize, SearchError>;
}

/// The answer to a search.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    /// The index failed and the database answered (substring match, no ranking).
    pub fallback: bool,
}

/// The configured backend and the database fallback.
#[derive(Clone)]
pub struct Search {
    pub index: Arc<dyn SearchIndex>,
}

impl Search {
    /// Meilisearch when `meili_url` is set, else the embedded index under `<data_dir>/search`.
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Search> {
        let index: Arc<dyn SearchIndex> = match &config.meili_url {
            Some(url) => Arc::new(meili::Meili::new(url, config.meili_key.as_deref(), meili::INDEX_UID)?),
            None => Arc::new(embedded::Embedded::open(&config.data_dir.join("search"))?),
        };
        Ok(Search { index })
    }

    /// Search the tenant's knowledge base for `q` as a reader of `locale` would.
    pub async fn search(
        &self,
        db: &Db,
        tenant: &crate::tenancy::Tenant,
        q: &str,
        locale: &str,
        audience: Audience,
        limit: usize,
    ) -> AppResult<Outcome> {
        let chain = kb::fallback_chain(locale, &tenant.default_locale);
        let query =
            SearchQuery { tenant_id: tenant.id.clone(), q: q.to_string(), chain: chain.clone(), audience, limit };
        if q.trim().is_empty() {
            return Ok(Outcome { hits: vec![], fallback: false });
        }
        match self.index.search(&query).await {
            Ok(hits) => Ok(Outcome { hits, fallback: false }),
            Err(e) => {
                tracing::warn!(error = %e, backend = self.index.name(), "search index failed; searching the database");
                let tid = tenant.tenant_id();
                let q2 = q.trim().to_string();
                let rows =
                    db.read(move |c| kb::reading::like_search(c, &tid, &q2, &chain, audience, limit as i64)).await?;
                let hits = rows
                    .into_iter()
                    .map(|(_, t)| {
                        let lang = text::primary(&t.locale);
                        let tokens = text::analyze(q, &lang);
                        let body = kb::render::to_text(&t.body_markdown);
                        Hit {
                            snippet: text::snippet(&body, &lang, &tokens),
                            article_id: t.article_id,
                            locale: t.locale,
                            title: t.title,
                            score: 0.0,
                        }
                    })
                    .collect();
                Ok(Outcome { hits, fallback: true })
            }
        }
    }
}

/// The best translation of each article as [`best_per_article`] picks it, from hits whose
/// `snippet` still holds the whole body text, with the body cut to its highlighted snippet: only
/// the hits that are shown are cut (a search collects five times as many as it shows).
pub fn best_with_snippets(hits: Vec<Hit>, q: &str, chain: &[String], limit: usize) -> Vec<Hit> {
    let mut best = best_per_article(hits, chain, limit);
    for h in &mut best {
        let lang = text::primary(&h.locale);
        h.snippet = text::snippet(&h.snippet, &lang, &text::analyze(q, &lang));
    }
    best
}

/// Of hits in several locales of one article, keep the one the reader's chain prefers; order
/// articles by their best score.
pub fn best_per_article(hits: Vec<Hit>, chain: &[String], limit: usize) -> Vec<Hit> {
    let mut order: Vec<String> = Vec::new();
    let mut by_article: std::collections::HashMap<String, Vec<Hit>> = std::collections::HashMap::new();
    for h in hits {
        if !by_article.contains_key(&h.article_id) {
            order.push(h.article_id.clone());
        }
        by_article.entry(h.article_id.clone()).or_default().push(h);
    }
    let mut out = Vec::new();
    for id in order {
        let Some(group) = by_article.remove(&id) else { continue };
        let locales: Vec<String> = group.iter().map(|h| h.locale.clone()).collect();
        if let Some(l) = kb::pick(chain, &locales).cloned() {
            if let Some(h) = group.into_iter().find(|h| h.locale == l) {
                out.push(h);
            }
        }
        if out.len() >= limit {
            break;
        }
    }
    out
}
