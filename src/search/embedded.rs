//! The embedded index: tantivy in `<data_dir>/search`. Text is analysed by `search::text`
//! (per document language: stemming, CJK bigrams) and handed to tantivy pre-tokenised, so one
//! field holds every language. Queries are built from terms directly; Latin-script words also
//! match with typos (fuzzy terms). The writer is opened on first write, so a second process on
//! the same folder (a peer, the CLI) can still read; only one may write at a time.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING};
use tantivy::tokenizer::{PreTokenizedString, Token as TantivyToken};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::text::{self, Token};
use super::{Hit, SearchDoc, SearchError, SearchIndex, SearchQuery};
use crate::kb::Audience;

/// Memory the writer may buffer before it flushes a segment (tantivy's minimum is 15 MB).
const WRITER_HEAP: usize = 20_000_000;
/// Most query words (or CJK bigrams) looked at.
const MAX_QUERY_TERMS: usize = 32;

#[derive(Clone, Copy)]
struct Fields {
    tenant: Field,
    article: Field,
    locale: Field,
    lang: Field,
    status: Field,
    visibility: Field,
    category: Field,
    title: Field,
    keywords: Field,
    body: Field,
    title_store: Field,
    body_store: Field,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field("tenant", STRING);
    b.add_text_field("article", STRING | STORED);
    b.add_text_field("locale", STRING | STORED);
    b.add_text_field("lang", STRING);
    b.add_text_field("status", STRING);
    b.add_text_field("visibility", STRING);
    b.add_text_field("category", STRING);
    b.add_text_field("title", text.clone());
    b.add_text_field("keywords", text.clone());
    b.add_text_field("body", text);
    b.add_text_field("title_store", STORED);
    b.add_text_field("body_store", STORED);
    b.build()
}

struct Inner {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    f: Fields,
}

/// The tantivy backend.
#[derive(Clone)]
pub struct Embedded(Arc<Inner>);

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError(e.to_string())
}

impl Embedded {
    /// Open the index in `dir`, creating it (and the folder) when missing.
    pub fn open(dir: &Path) -> anyhow::Result<Embedded> {
        std::fs::create_dir_all(dir)?;
        let index = if dir.join("meta.json").exists() {
            Index::open_in_dir(dir)?
        } else {
            Index::create_in_dir(dir, schema())?
        };
        let s = index.schema();
        let field =
            |name: &str| s.get_field(name).map_err(|e| anyhow::anyhow!("search index in {}: {e}", dir.display()));
        let f = Fields {
            tenant: field("tenant")?,
            article: field("article")?,
            locale: field("locale")?,
            lang: field("lang")?,
            status: field("status")?,
            visibility: field("visibility")?,
            category: field("category")?,
            title: field("title")?,
            keywords: field("keywords")?,
            body: field("body")?,
            title_store: field("title_store")?,
            body_store: field("body_store")?,
        };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Embedded(Arc::new(Inner { index, reader, writer: Mutex::new(None), f })))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || f(&inner)).await.map_err(err)?
    }
}

fn pre_tokenized(text: &str, lang: &str) -> PreTokenizedString {
    let tokens = text::analyze(text, lang)
        .into_iter()
        .enumerate()
        .map(|(i, t)| TantivyToken {
            offset_from: t.from,
            offset_to: t.to,
            position: i,
            text: t.text,
            position_length: 1,
        })
        .collect();
    PreTokenizedString { text: text.to_string(), tokens }
}

impl Inner {
    fn write(&self, f: impl FnOnce(&IndexWriter, &Fields) -> Result<(), SearchError>) -> Result<(), SearchError> {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.index.writer_with_num_threads(1, WRITER_HEAP).map_err(err)?);
        }
        let Some(w) = guard.as_mut() else { return Err(SearchError("no index writer".into())) };
        if let Err(e) = f(w, &self.f) {
            let _ = w.rollback();
            return Err(e);
        }
        w.commit().map_err(err)?;
        self.reader.reload().map_err(err)
    }

    fn document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.f;
        let lang = text::primary(&d.locale);
        let mut doc = TantivyDocument::default();
        doc.add_text(f.tenant, &d.tenant_id);
        doc.add_text(f.article, &d.article_id);
        doc.add_text(f.locale, &d.locale);
        doc.add_text(f.lang, &lang);
        doc.add_text(f.status, &d.status);
        doc.add_text(f.visibility, &d.visibility);
        doc.add_text(f.category, d.category_id.as_deref().unwrap_or(""));
        doc.add_pre_tokenized_text(f.title, pre_tokenized(&d.title, &lang));
        doc.add_pre_tokenized_text(f.keywords, pre_tokenized(&d.keywords.join(" \n "), &lang));
        doc.add_pre_tokenized_text(f.body, pre_tokenized(&d.body, &lang));
        doc.add_text(f.title_store, &d.title);
        doc.add_text(f.body_store, &d.body);
        doc
    }

    /// The query, where at least `strict` words must match: half the words, else (when that
    /// finds nothing) any one of them, as a long question still finds the article that holds
    /// its key word.
    fn query(&self, q: &SearchQuery, strict: bool, typos: bool) -> Option<Box<dyn Query>> {
        let f = &self.f;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic))
        };
        // The query's words as each chain language analyses them; word i of every analysis
        // is the same word (stemming changes forms, not counts).
        let mut groups: Vec<Vec<Token>> = Vec::new();
        for lang in q.languages() {
            for (i, t) in text::analyze(&q.q, &lang).into_iter().take(MAX_QUERY_TERMS).enumerate() {
                if groups.len() <= i {
                    groups.push(Vec::new());
                }
                if !groups[i].iter().any(|g| g.text == t.text) {
                    groups[i].push(t);
                }
            }
        }
        if groups.is_empty() {
            return None;
        }
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &groups {
            let mut variants: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for t in group {
                let ranked = [(f.title, 3.0f32), (f.keywords, 2.0), (f.body, 1.0)];
                for (field, boost) in ranked {
                    let exact = TermQuery::new(Term::from_field_text(field, &t.text), IndexRecordOption::WithFreqs);
                    variants.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), boost))));
                    if typos && text::typo_tolerant(t) {
                        let fuzzy =
                            FuzzyTermQuery::new(Term::from_field_text(field, &t.text), text::typo_distance(t), true);
                        variants.push((Occur::Should, Box::new(BoostQuery::new(Box::new(fuzzy), boost * 0.3))));
                    }
                }
            }
            words.push((Occur::Should, Box::new(BooleanQuery::new(variants))));
        }
        let needed = if strict { words.len().div_ceil(2) } else { 1 };
        let text_query = BooleanQuery::with_minimum_required_clauses(words, needed);
        let langs: Vec<(Occur, Box<dyn Query>)> =
            q.languages().iter().map(|l| (Occur::Should, term(f.lang, l))).collect();
        let mut all: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, term(f.tenant, &q.tenant_id)),
            (Occur::Must, Box::new(BooleanQuery::new(langs))),
            (Occur::Must, Box::new(text_query)),
        ];
        // Drafts are for the editor, not for anyone searching; internal articles are for agents.
        all.push((Occur::Must, term(f.status, "published")));
        if q.audience == Audience::Public {
            all.push((Occur::Must, term(f.visibility, "public")));
        }
        Some(Box::new(BooleanQuery::new(all)))
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>, SearchError> {
        let wanted = q.limit.max(1) * 5;
        let Some(exact) = self.query(q, true, false) else { return Ok(vec![]) };
        let searcher = self.reader.searcher();
        let collector = TopDocs::with_limit(wanted);
        // Typos rank after exact words (as Meilisearch's `typo` rule puts them), so when the
        // exact words fill the page the typo variants are not searched at all: walking each
        // segment's term dictionary with a Levenshtein automaton was most of a search's time.
        let mut top = searcher.search(&exact, &collector).map_err(err)?;
        if top.len() < wanted {
            if let Some(typos) = self.query(q, true, true) {
                top = searcher.search(&typos, &collector).map_err(err)?;
            }
        }
        if top.is_empty() {
            if let Some(loose) = self.query(q, false, true) {
                top = searcher.search(&loose, &collector).map_err(err)?;
            }
        }
        let mut hits = Vec::with_capacity(top.len());
        let stored = |doc: &TantivyDocument, field: Field| -> String {
            doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string()
        };
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
            hits.push(Hit {
                article_id: stored(&doc, self.f.article),
                snippet: stored(&doc, self.f.body_store),
                title: stored(&doc, self.f.title_store),
                locale: stored(&doc, self.f.locale),
                score,
            });
        }
        Ok(super::best_with_snippets(hits, &q.q, &q.chain, q.limit))
    }
}

#[async_trait::async_trait]
impl SearchIndex for Embedded {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn replace(&self, _tenant: &str, article_ids: &[String], docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        let ids = article_ids.to_vec();
        self.blocking(move |inner| {
            let docs: Vec<TantivyDocument> = docs.iter().map(|d| inner.document(d)).collect();
            inner.write(|w, f| {
                for id in &ids {
                    w.delete_term(Term::from_field_text(f.article, id));
                }
                for d in docs {
                    w.add_document(d).map_err(err)?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn clear_tenant(&self, tenant: &str) -> Result<(), SearchError> {
        let tenant = tenant.to_string();
        self.blocking(move |inner| {
            inner.write(|w, f| {
                w.delete_term(Term::from_field_text(f.tenant, &tenant));
                Ok(())
            })
        })
        .await
    }

    async fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>, SearchError> {
        let q = q.clone();
        self.blocking(move |inner| inner.search(&q)).await
    }

    async fn count(&self, tenant: &str) -> Result<usize, SearchError> {
        let tenant = tenant.to_string();
        self.blocking(move |inner| {
            let q = TermQuery::new(Term::from_field_text(inner.f.tenant, &tenant), IndexRecordOption::Basic);
            inner.reader.searcher().search(&q, &Count).map_err(err)
        })
        .await
    }
}
