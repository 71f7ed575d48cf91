//! The Meilisearch backend (meilisearch-sdk over the reqwest client already in the tree).
//!
//! One index for every tenant, `tenant_id` filterable and put in every read's filter by the
//! server (see ARCHITECTURE.md, "Knowledge-base search"). Each document carries its text in
//! fields named for its script group (`title_ja`, `body_zh`, `keywords_other`, …), because
//! Meilisearch assigns tokenizer locales per attribute pattern (`localizedAttributes`), not per
//! document: so kanji-only Japanese is segmented as Japanese, not as Chinese. Bodies are cut in
//! chunks that stay far below the 65,535 positions Meilisearch indexes per attribute.

use meilisearch_sdk::client::Client;
use meilisearch_sdk::documents::DocumentDeletionQuery;
use meilisearch_sdk::errors::Error as MeiliError;
use meilisearch_sdk::request::{parse_response, HttpClient, Method};
use meilisearch_sdk::search::Selectors;
use meilisearch_sdk::settings::{LocalizedAttributes, Settings};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::OnceCell;

use super::text;
use super::{Hit, SearchDoc, SearchError, SearchIndex, SearchQuery};
use crate::kb::Audience;

/// Longest body chunk, in characters. A position is a word, and a hard separator (`.`) counts
/// eight: 8,000 characters of `a.` are 4,000 words and 4,000 separators, 36,000 positions.
pub const CHUNK_CHARS: usize = 8_000;
/// How long a write waits for Meilisearch to finish its task, and how often it asks. Without the
/// SDK's own reqwest feature it sleeps on a thread per poll, so polls are not too frequent.
const TASK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
const TASK_POLL: Option<std::time::Duration> = Some(std::time::Duration::from_millis(100));

/// Script groups with their own attributes, and the Meilisearch locale each is tokenized as.
const GROUPS: &[(&str, Option<&str>)] =
    &[("ja", Some("jpn")), ("zh", Some("cmn")), ("ko", Some("kor")), ("th", Some("tha")), ("other", None)];

/// The attribute holding a document's text in our analyzer's terms.
const TERMS: &str = "terms";

/// What a hit brings back: not the keywords nor the `terms` field (the analysed text again),
/// which would double what every search sends and parses.
const RETRIEVED: &[&str] = &[
    "article_id",
    "locale",
    "title_ja",
    "title_zh",
    "title_ko",
    "title_th",
    "title_other",
    "body_ja",
    "body_zh",
    "body_ko",
    "body_th",
    "body_other",
];

/// The one index every tenant's articles live in.
pub const INDEX_UID: &str = "meridian_kb";

fn group_of(lang: &str) -> &'static str {
    GROUPS.iter().find(|(g, _)| *g == lang).map(|(g, _)| *g).unwrap_or("other")
}

/// The HTTP client the SDK talks through.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    key: Option<String>,
}

fn other(e: impl std::error::Error + Send + Sync + 'static) -> MeiliError {
    MeiliError::Other(Box::new(e))
}

#[async_trait::async_trait]
impl HttpClient for Http {
    async fn stream_request<
        Q: Serialize + Send + Sync,
        B: futures_util::io::AsyncRead + Send + Sync + 'static,
        O: DeserializeOwned + 'static,
    >(
        &self,
        url: &str,
        method: Method<Q, B>,
        content_type: &str,
        expected_status_code: u16,
    ) -> Result<O, MeiliError> {
        use futures_util::io::AsyncReadExt;
        let query = yaup::to_string(method.query())?;
        let url = format!("{url}{query}");
        let verb = match &method {
            Method::Get { .. } => reqwest::Method::GET,
            Method::Delete { .. } => reqwest::Method::DELETE,
            Method::Post { .. } => reqwest::Method::POST,
            Method::Put { .. } => reqwest::Method::PUT,
            Method::Patch { .. } => reqwest::Method::PATCH,
        };
        let mut request = self.client.request(verb, &url);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = method.into_body() {
            let mut buf = Vec::new();
            let mut body = std::pin::pin!(body);
            body.read_to_end(&mut buf).await.map_err(other)?;
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(buf);
        }
        let response = request.send().await.map_err(other)?;
        let status = response.status().as_u16();
        let mut body = response.text().await.map_err(other)?;
        if body.is_empty() {
            body = "null".into();
        }
        parse_response(status, expected_status_code, &body, url)
    }
}

/// The Meilisearch backend.
pub struct Meili {
    client: Client<Http>,
    uid: String,
    ready: OnceCell<()>,
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError(e.to_string())
}

/// A value inside a filter expression, quoted.
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Cut a body into chunks of at most [`CHUNK_CHARS`] characters, at whitespace when there is some.
pub fn chunks(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let Some((hard, _)) = rest.char_indices().nth(CHUNK_CHARS) else {
            out.push(rest.to_string());
            break;
        };
        let cut = rest[..hard].rfind(char::is_whitespace).filter(|&i| i > hard / 2).unwrap_or(hard);
        out.push(rest[..cut].to_string());
        rest = rest[cut..].trim_start();
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

impl Meili {
    /// A client for the server at `url`; nothing is sent until the first use.
    pub fn new(url: &str, key: Option<&str>, uid: &str) -> anyhow::Result<Meili> {
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build()?;
        let http = Http { client, key: key.map(str::to_string) };
        Ok(Meili { client: Client::new_with_client(url, key, http), uid: uid.to_string(), ready: OnceCell::new() })
    }

    fn settings() -> Settings {
        let fields = |prefix: &str| GROUPS.iter().map(move |(g, _)| format!("{prefix}_{g}")).collect::<Vec<_>>();
        // Meilisearch does not stem, and a build without its CJK segmenters keeps a run of
        // unspaced text as one word: the text as our own analyzer indexes it (`text::index_terms`)
        // is a field of its own, searched last, and a query is sent in the same terms.
        let terms = vec![TERMS.to_string()];
        let searchable: Vec<String> = [fields("title"), fields("keywords"), fields("body"), terms].concat();
        Settings::new()
            .with_searchable_attributes(searchable)
            .with_filterable_attributes([
                "tenant_id",
                "article_id",
                "locale",
                "lang",
                "status",
                "visibility",
                "category_id",
                // The consistency check counts each translation's first chunk.
                "chunk",
            ])
            .with_localized_attributes(GROUPS.iter().filter_map(|(g, l)| {
                l.map(|l| LocalizedAttributes {
                    locales: vec![l.to_string()],
                    attribute_patterns: vec![format!("*_{g}")],
                })
            }))
    }

    /// Create the index and apply its settings, once per process (idempotent on the server).
    async fn ensure(&self) -> Result<(), SearchError> {
        self.ready
            .get_or_try_init(|| async {
                match self.client.create_index(&self.uid, Some("id")).await {
                    Ok(task) => {
                        // Already existing is fine: the settings below make it what we need.
                        let _ =
                            task.wait_for_completion(&self.client, TASK_POLL, Some(TASK_TIMEOUT)).await.map_err(err)?;
                    }
                    Err(e) => return Err(err(e)),
                }
                let task = self.client.index(&self.uid).set_settings(&Self::settings()).await.map_err(err)?;
                self.wait(task).await
            })
            .await
            .map(|_| ())
    }

    async fn wait(&self, task: meilisearch_sdk::task_info::TaskInfo) -> Result<(), SearchError> {
        let done = task.wait_for_completion(&self.client, TASK_POLL, Some(TASK_TIMEOUT)).await.map_err(err)?;
        if done.is_failure() {
            return Err(SearchError(format!("Meilisearch task failed: {}", done.unwrap_failure())));
        }
        Ok(())
    }

    /// The JSON body this backend posts to `/indexes/{uid}/search` for `q`.
    pub fn request_body(&self, q: &SearchQuery) -> Value {
        let index = self.client.index(&self.uid);
        let request = Request::of(q);
        serde_json::to_value(request.query(&index)).unwrap_or(Value::Null)
    }

    async fn delete_where(&self, filter: &str) -> Result<(), SearchError> {
        let index = self.client.index(&self.uid);
        let mut q = DocumentDeletionQuery::new(&index);
        q.with_filter(filter);
        let task = index.delete_documents_with(&q).await.map_err(err)?;
        self.wait(task).await
    }
}

fn documents(d: &SearchDoc) -> Vec<Map<String, Value>> {
    let lang = text::primary(&d.locale);
    let g = group_of(&lang);
    chunks(&d.body)
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let mut m = Map::new();
            m.insert("id".into(), format!("{}-{}-{i}", d.article_id, d.locale).into());
            m.insert("tenant_id".into(), d.tenant_id.clone().into());
            m.insert("article_id".into(), d.article_id.clone().into());
            m.insert("locale".into(), d.locale.clone().into());
            m.insert("lang".into(), lang.clone().into());
            m.insert("status".into(), d.status.clone().into());
            m.insert("visibility".into(), d.visibility.clone().into());
            m.insert("category_id".into(), d.category_id.clone().unwrap_or_default().into());
            m.insert("chunk".into(), i.into());
            m.insert(format!("title_{g}"), d.title.clone().into());
            m.insert(format!("keywords_{g}"), d.keywords.clone().into());
            let words = format!("{}\n{}\n{body}", d.title, d.keywords.join(" "));
            if let Some(terms) = text::index_terms(&words, &lang) {
                m.insert(TERMS.into(), terms.into());
            }
            m.insert(format!("body_{g}"), body.into());
            m
        })
        .collect()
}

fn field_with_prefix(doc: &Map<String, Value>, prefix: &str) -> String {
    doc.iter().find(|(k, _)| k.starts_with(prefix)).and_then(|(_, v)| v.as_str()).unwrap_or("").to_string()
}

/// What a search sends to Meilisearch, built in one place so that `benches/kb_search.rs` can send
/// the very same request straight to Meilisearch and compare ([`Meili::request_body`]).
struct Request {
    filter: String,
    terms: String,
    locales: Vec<&'static str>,
    limit: usize,
}

impl Request {
    /// The request for a reader's query: always filtered to the tenant server-side.
    fn of(q: &SearchQuery) -> Request {
        let langs = q.languages();
        let list: Vec<String> = langs.iter().map(|l| quoted(l)).collect();
        let mut filter = format!(
            "tenant_id = {} AND lang IN [{}] AND status = \"published\"",
            quoted(&q.tenant_id),
            list.join(", ")
        );
        if q.audience == Audience::Public {
            filter.push_str(" AND visibility = \"public\"");
        }
        // The reader's own language decides how the query is segmented.
        let wanted = langs.first().map(String::as_str).unwrap_or("");
        let locales = GROUPS.iter().filter(|(g, _)| *g == wanted).filter_map(|(_, l)| *l).collect();
        let terms = text::index_terms(&q.q, wanted).unwrap_or_else(|| q.q.clone());
        Request { filter, terms, locales, limit: q.limit.max(1) * 5 }
    }

    fn query<'a>(
        &'a self,
        index: &'a meilisearch_sdk::indexes::Index<Http>,
    ) -> meilisearch_sdk::search::SearchQuery<'a, Http> {
        let mut query = index.search();
        query
            .with_attributes_to_retrieve(Selectors::Some(RETRIEVED))
            .with_query(&self.terms)
            .with_filter(&self.filter)
            .with_limit(self.limit)
            // A long question keeps its rare words (the key ones) when not every word matches.
            .with_matching_strategy(meilisearch_sdk::search::MatchingStrategies::FREQUENCY);
        if !self.locales.is_empty() {
            query.with_locales(&self.locales);
        }
        query
    }
}

#[async_trait::async_trait]
impl SearchIndex for Meili {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn replace(&self, tenant: &str, article_ids: &[String], docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        self.ensure().await?;
        if !article_ids.is_empty() {
            let ids: Vec<String> = article_ids.iter().map(|a| quoted(a)).collect();
            self.delete_where(&format!("tenant_id = {} AND article_id IN [{}]", quoted(tenant), ids.join(", ")))
                .await?;
        }
        let docs: Vec<Map<String, Value>> = docs.iter().flat_map(documents).collect();
        if docs.is_empty() {
            return Ok(());
        }
        let task = self.client.index(&self.uid).add_or_replace(&docs, Some("id")).await.map_err(err)?;
        self.wait(task).await
    }

    async fn clear_tenant(&self, tenant: &str) -> Result<(), SearchError> {
        self.ensure().await?;
        self.delete_where(&format!("tenant_id = {}", quoted(tenant))).await
    }

    async fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>, SearchError> {
        self.ensure().await?;
        let index = self.client.index(&self.uid);
        let request = Request::of(q);
        let query = request.query(&index);
        let results = query.execute::<Map<String, Value>>().await.map_err(err)?;
        let hits = results
            .hits
            .into_iter()
            .map(|h| {
                let doc = h.result;
                Hit {
                    article_id: doc.get("article_id").and_then(Value::as_str).unwrap_or("").to_string(),
                    title: field_with_prefix(&doc, "title_"),
                    snippet: field_with_prefix(&doc, "body_"),
                    locale: doc.get("locale").and_then(Value::as_str).unwrap_or("").to_string(),
                    score: h.ranking_score.unwrap_or(0.0) as f32,
                }
            })
            .collect();
        Ok(super::best_with_snippets(hits, &q.q, &q.chain, q.limit))
    }

    async fn count(&self, tenant: &str) -> Result<usize, SearchError> {
        self.ensure().await?;
        // Each translation's first chunk stands for it.
        let filter = format!("tenant_id = {} AND chunk = 0", quoted(tenant));
        let index = self.client.index(&self.uid);
        let mut query = index.search();
        query.with_filter(&filter).with_limit(0);
        let results = query.execute::<Map<String, Value>>().await.map_err(err)?;
        Ok(results.estimated_total_hits.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_script_group_is_retrieved() {
        for (g, _) in super::GROUPS {
            for prefix in ["title", "body"] {
                assert!(super::RETRIEVED.contains(&format!("{prefix}_{g}").as_str()), "{prefix}_{g}");
            }
        }
    }

    use super::*;

    #[test]
    fn long_bodies_are_chunked_below_the_limit() {
        let body = "a. ".repeat(20_000);
        let parts = chunks(&body);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= CHUNK_CHARS));
        assert_eq!(parts.concat().replace(' ', ""), body.replace(' ', ""));
    }
}
