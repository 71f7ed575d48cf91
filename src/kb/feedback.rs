//! Readers' feedback on articles: "was this helpful?" votes, page views, what the request
//! form's suggestions did (shown, clicked, and clicks after which no request was sent: the
//! request was abandoned, the article answered), and the chat widget's suggestions and
//! deflections (a visitor said the article answered them; `chat::suggestions` records those).
//!
//! Votes are rare and written at once. Views and suggestion events are frequent, so each server
//! counts them in memory ([`Tally`]) and adds them to the database in one batched write every
//! [`FLUSH_EVERY`] and when it stops. A crash loses at most the counts of the last few seconds:
//! an accepted trade for numbers that are statistics, not records, and that must not cost a
//! write per page view.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use diesel::prelude::*;

use super::articles::{self, Translation};
use super::reading;
use super::schema::{kb_article_stats, kb_deflections, kb_form_clicks, kb_votes};
use super::Audience;
use crate::db::{backend, now, Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// How often the counts in memory are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
/// Most distinct keys held between flushes; beyond, new keys are dropped (and logged) rather
/// than letting memory grow: only ids of existing articles are counted, so this is a bound
/// nobody reaches in normal use.
const MAX_KEYS: usize = 100_000;

/// (tenant, article, locale).
type Key = (String, String, String);

#[derive(Default, Clone, Copy, Debug, PartialEq)]
struct Counts {
    views: i64,
    shown: i64,
    widget_shown: i64,
}

/// (tenant, form session, article) → (locale, a request was sent from the session).
type ClickKey = (String, String, String);

#[derive(Default)]
struct Pending {
    counts: HashMap<Key, Counts>,
    clicks: HashMap<ClickKey, (String, bool)>,
    /// Form sessions a request was sent from: (tenant, session).
    submitted: Vec<(String, String)>,
}

impl Pending {
    fn len(&self) -> usize {
        self.counts.len() + self.clicks.len() + self.submitted.len()
    }

    fn merge(&mut self, other: Pending) {
        for (k, c) in other.counts {
            let e = self.counts.entry(k).or_default();
            e.views += c.views;
            e.shown += c.shown;
            e.widget_shown += c.widget_shown;
        }
        for (k, (locale, sent)) in other.clicks {
            let e = self.clicks.entry(k).or_insert((locale, false));
            e.1 |= sent;
        }
        self.submitted.extend(other.submitted);
    }
}

/// The counts of this process not yet written.
#[derive(Default)]
pub struct Tally {
    pending: Mutex<Pending>,
}

impl Tally {
    fn with(&self, f: impl FnOnce(&mut Pending)) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.len() >= MAX_KEYS {
            tracing::warn!("knowledge-base counters full until the next flush; a count was dropped");
            return;
        }
        f(&mut p);
    }

    /// One view of a translation.
    pub fn view(&self, tenant: &TenantId, article: &str, locale: &str) {
        self.with(|p| {
            p.counts.entry((tenant.to_string(), article.to_string(), locale.to_string())).or_default().views += 1
        });
    }

    /// The request form suggested a translation.
    pub fn shown(&self, tenant: &TenantId, article: &str, locale: &str) {
        self.with(|p| {
            p.counts.entry((tenant.to_string(), article.to_string(), locale.to_string())).or_default().shown += 1
        });
    }

    /// The chat widget suggested a translation for a visitor's draft (once per draft).
    pub fn widget_shown(&self, tenant: &TenantId, article: &str, locale: &str) {
        self.with(|p| {
            p.counts.entry((tenant.to_string(), article.to_string(), locale.to_string())).or_default().widget_shown += 1
        });
    }

    /// A suggested article was clicked in a form session (once per session and article).
    pub fn click(&self, tenant: &TenantId, session: &str, article: &str, locale: &str) {
        self.with(|p| {
            p.clicks
                .entry((tenant.to_string(), session.to_string(), article.to_string()))
                .or_insert((locale.to_string(), false));
        });
    }

    /// A request was sent from a form session: its clicks are not abandoned requests.
    pub fn submitted(&self, tenant: &TenantId, session: &str) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for ((t, s, _), v) in p.clicks.iter_mut() {
            if t == tenant.as_str() && s == session {
                v.1 = true;
            }
        }
        // Clicks written by an earlier flush are marked by the next one.
        p.submitted.push((tenant.to_string(), session.to_string()));
    }

    fn take(&self) -> Pending {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn put_back(&self, p: Pending) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).merge(p);
    }
}

fn write_pending(conn: &mut DbConnection, p: &Pending) -> AppResult<()> {
    let at = now();
    // In key order, so two servers flushing the same rows on PostgreSQL lock them in the same
    // order and cannot deadlock.
    let mut counts: Vec<_> = p.counts.iter().collect();
    counts.sort_by(|a, b| a.0.cmp(b.0));
    for ((t, a, l), c) in counts {
        backend::add_article_stats(conn, (t, a, l), c.views, c.shown, c.widget_shown, at)?;
    }
    let mut clicks: Vec<_> = p.clicks.iter().collect();
    clicks.sort_by(|a, b| a.0.cmp(b.0));
    for ((t, s, a), (locale, sent)) in clicks {
        backend::add_form_click(conn, (t, s, a), locale, *sent, at)?;
    }
    for (t, s) in &p.submitted {
        diesel::update(kb_form_clicks::table)
            .filter(kb_form_clicks::tenant_id.eq(t))
            .filter(kb_form_clicks::form_session.eq(s))
            .set(kb_form_clicks::submitted.eq(true))
            .execute(conn)?;
    }
    Ok(())
}

/// Write what `tally` holds in one transaction. On failure the counts go back into the tally,
/// for the next flush to try again.
pub async fn flush(db: &Db, tally: &Tally) {
    let p = tally.take();
    if p.len() == 0 {
        return;
    }
    let p = std::sync::Arc::new(p);
    let written = {
        let p = p.clone();
        db.write(move |c| write_pending(c, &p)).await
    };
    if let Err(e) = written {
        tracing::warn!(error = %e, "knowledge-base counters not written; kept for the next flush");
        if let Ok(p) = std::sync::Arc::try_unwrap(p) {
            tally.put_back(p);
        }
    }
}

/// Whether a User-Agent is a robot's: their page views are not counted.
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ["bot", "crawler", "spider"].iter().any(|w| ua.contains(w))
}

/// The published translation of a public article in exactly `locale`: what readers can vote
/// on. Anything else (another tenant's id, a draft, an internal article) is not found.
pub fn public_translation(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
) -> AppResult<Translation> {
    let a = articles::get(conn, tenant, article_id)?;
    articles::translations(conn, tenant, article_id)?
        .into_iter()
        .find(|t| t.locale.eq_ignore_ascii_case(locale) && reading::readable(&a, t, Audience::Public))
        .ok_or(AppError::NotFound)
}

/// Of `ids`, those of the tenant's public articles with a published translation.
pub fn public_ids(conn: &mut DbConnection, tenant: &TenantId, ids: &[String]) -> AppResult<Vec<(String, String)>> {
    use super::schema::{kb_articles, kb_translations};
    Ok(kb_translations::table
        .inner_join(kb_articles::table.on(
            kb_articles::tenant_id.eq(kb_translations::tenant_id).and(kb_articles::id.eq(kb_translations::article_id)),
        ))
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(kb_translations::article_id.eq_any(ids))
        .filter(kb_translations::status.eq("published"))
        .filter(kb_articles::visibility.eq("public"))
        .select((kb_translations::article_id, kb_translations::locale))
        .load(conn)?)
}

/// Record a reader's vote on a translation they may read, replacing their earlier one.
pub fn vote(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
    reader: &str,
    helpful: bool,
) -> AppResult<()> {
    let t = public_translation(conn, tenant, article_id, locale)?;
    backend::put_vote(conn, (tenant.as_str(), &t.article_id, &t.locale, reader), helpful, now())?;
    Ok(())
}

/// An article's numbers, all translations together.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = KbArticleStats)]
pub struct Stats {
    /// Help-center page views (robots not counted); written every few seconds.
    pub views: i64,
    /// Readers who found it helpful.
    pub helpful_yes: i64,
    /// Readers who did not.
    pub helpful_no: i64,
    /// Times the request form suggested it.
    pub suggestions_shown: i64,
    /// Form sessions in which a customer clicked it among the suggestions.
    pub suggestion_clicks: i64,
    /// Of those, the ones after which no request was sent.
    pub abandoned_after_click: i64,
    /// Times the chat widget suggested it for a visitor's draft (once per draft); written
    /// every few seconds.
    pub widget_suggestions_shown: i64,
    /// Chat-widget visitors who said it answered their question.
    pub widget_deflections: i64,
}

/// The numbers of each of `ids` (an id without any has zeros).
pub fn stats_of(conn: &mut DbConnection, tenant: &TenantId, ids: &[String]) -> AppResult<HashMap<String, Stats>> {
    let mut out: HashMap<String, Stats> = ids.iter().map(|i| (i.clone(), Stats::default())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let t = tenant.as_str();
    let counters: Vec<(String, i64, i64, i64)> = kb_article_stats::table
        .filter(kb_article_stats::tenant_id.eq(t))
        .filter(kb_article_stats::article_id.eq_any(ids))
        .select((
            kb_article_stats::article_id,
            kb_article_stats::views,
            kb_article_stats::suggestions_shown,
            kb_article_stats::widget_suggestions_shown,
        ))
        .load(conn)?;
    for (id, views, shown, widget_shown) in counters {
        if let Some(s) = out.get_mut(&id) {
            s.views += views;
            s.suggestions_shown += shown;
            s.widget_suggestions_shown += widget_shown;
        }
    }
    let votes: Vec<(String, bool, i64)> = kb_votes::table
        .filter(kb_votes::tenant_id.eq(t))
        .filter(kb_votes::article_id.eq_any(ids))
        .group_by((kb_votes::article_id, kb_votes::helpful))
        .select((kb_votes::article_id, kb_votes::helpful, diesel::dsl::count_star()))
        .load(conn)?;
    for (id, helpful, n) in votes {
        if let Some(s) = out.get_mut(&id) {
            if helpful {
                s.helpful_yes += n;
            } else {
                s.helpful_no += n;
            }
        }
    }
    let clicks: Vec<(String, bool, i64)> = kb_form_clicks::table
        .filter(kb_form_clicks::tenant_id.eq(t))
        .filter(kb_form_clicks::article_id.eq_any(ids))
        .group_by((kb_form_clicks::article_id, kb_form_clicks::submitted))
        .select((kb_form_clicks::article_id, kb_form_clicks::submitted, diesel::dsl::count_star()))
        .load(conn)?;
    for (id, submitted, n) in clicks {
        if let Some(s) = out.get_mut(&id) {
            s.suggestion_clicks += n;
            if !submitted {
                s.abandoned_after_click += n;
            }
        }
    }
    let widget: Vec<(String, i64)> = kb_deflections::table
        .filter(kb_deflections::tenant_id.eq(t))
        .filter(kb_deflections::article_id.eq_any(ids))
        .group_by(kb_deflections::article_id)
        .select((kb_deflections::article_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (id, n) in widget {
        if let Some(s) = out.get_mut(&id) {
            s.widget_deflections = n;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_are_told_by_their_user_agent() {
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("Baiduspider"));
        assert!(is_bot("SomeCrawler/1.0"));
        assert!(!is_bot("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"));
    }

    #[test]
    fn a_failed_flush_puts_its_counts_back() {
        let t = Tally::default();
        let tid = TenantId::from_trusted("t".to_string());
        t.view(&tid, "a", "en");
        t.click(&tid, "s", "a", "en");
        let taken = t.take();
        t.view(&tid, "a", "en");
        t.submitted(&tid, "s");
        t.put_back(taken);
        let p = t.take();
        assert_eq!(p.counts[&("t".into(), "a".into(), "en".into())], Counts { views: 2, shown: 0, widget_shown: 0 });
        assert_eq!(p.clicks.len(), 1);
        assert_eq!(p.submitted, vec![("t".to_string(), "s".to_string())]);
    }
}
