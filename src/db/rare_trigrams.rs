//! PostgreSQL text lookups that ask a pg_trgm GIN index for the rarest trigrams of a text only.
//!
//! A GIN scan costs what its trigrams' posting lists hold, not what matches: `customer123` among
//! 250,000 contacts mailed `customerN@…` reads seven lists that name every contact to find
//! 1,111 (8.5 ms at 1M), where its two rare trigrams alone take 1 ms. Which trigrams are rare is
//! read from the planner's own sample of the indexed expression (`pg_stats` of the index, kept by
//! ANALYZE); the index is then asked for those few, and the whole text is checked on each row it
//! names through an expression no index serves, so the answer is the same either way. Without
//! statistics (a table never analysed) every trigram is asked for, as before.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::backend::{IdRow, REQUESTER_CONTACTS_PG};

/// The text indexes whose samples are read, all in one query.
const INDEXES: [&str; 4] = ["contacts_name_trgm", "contacts_email_trgm", "tickets_subject_trgm", "messages_body_trgm"];

/// How long a sample is reused: statistics change only at ANALYZE, and reading them costs a
/// millisecond, as much as a rare lookup itself.
const SAMPLE_TTL: Duration = Duration::from_secs(300);

/// Samples of every text index, by index name.
pub type Samples = Vec<(String, Vec<String>)>;

/// The last samples read and when. One per process: a server serves one database. A process that
/// serves several (the test suite) may ask one database for the trigrams another's sample found
/// rare, which changes what the index reads, never the answer.
static CACHED: Mutex<Option<(Instant, Arc<Samples>)>> = Mutex::new(None);

/// The samples of every text index ([`samples`]), read at most once per [`SAMPLE_TTL`].
pub fn cached_samples(c: &mut PgConnection) -> QueryResult<Arc<Samples>> {
    if let Some((at, s)) = CACHED.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        if at.elapsed() < SAMPLE_TTL {
            return Ok(s.clone());
        }
    }
    let fresh = Arc::new(samples(c, &INDEXES)?);
    *CACHED.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), fresh.clone()));
    Ok(fresh)
}

/// Drop the cached samples, so the next lookup reads them again (after an ANALYZE, in tests).
pub fn forget_samples() {
    *CACHED.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// The rarest trigrams of `text` in the sample of `index`, as [`rarest`] (`None` without one).
pub fn rarest_in(samples: &Samples, index: &str, text: &str) -> Option<Vec<String>> {
    samples.iter().find(|(i, _)| i == index).and_then(|(_, s)| rarest(text, s))
}

/// `SELECT {head} AND <index condition on expr> AND ({expr} || '') LIKE $2 ESCAPE '\' LIMIT $3`,
/// binds `$1` and `$2`, `$3` as the caller's, the trigrams from `$4`: a lookup through the rare
/// trigrams of `expr`'s index with the whole text checked on each row it names.
pub fn lookup_sql(head: &str, expr: &str, rare: &[String]) -> String {
    format!("{head} AND {} AND ({expr} || '') LIKE $2 ESCAPE '\\' LIMIT $3", index_condition(expr, Some(rare), 4))
}

/// Share of the sample above which a trigram is too common to be worth reading from the index.
const COMMON_SHARE: f64 = 0.2;

/// Most trigrams one side of a lookup asks the index for.
const MOST_ASKED: usize = 3;

/// The planner's sample of each indexed expression (`index` names), from `pg_stats`: its most
/// common values and histogram bounds, lowercased as indexed. An index without statistics has
/// no entry.
pub fn samples(c: &mut PgConnection, indexes: &[&str]) -> QueryResult<Vec<(String, Vec<String>)>> {
    #[derive(QueryableByName)]
    struct Sample {
        #[diesel(sql_type = Text)]
        index: String,
        #[diesel(sql_type = Text)]
        value: String,
    }
    let names: Vec<String> = indexes.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Sample> = diesel::sql_query(
        "SELECT s.tablename AS index, v AS value FROM pg_stats s, \
         unnest(COALESCE(s.histogram_bounds::text::text[], '{}') || COALESCE(s.most_common_vals::text::text[], '{}')) v \
         WHERE s.schemaname = current_schema() AND s.tablename = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(names)
    .load(c)?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|(i, _)| *i == r.index) {
            Some((_, values)) => values.push(r.value),
            None => out.push((r.index, vec![r.value])),
        }
    }
    Ok(out)
}

/// The rarest trigrams of `text` (lowercased) in `sample`, at most [`MOST_ASKED`], each made
/// of word characters only (pg_trgm splits words at any other character, so a trigram across
/// one would give the index nothing to look up); `None` when the sample is empty or no trigram
/// is rare, and the whole text is asked for instead.
pub fn rarest(text: &str, sample: &[String]) -> Option<Vec<String>> {
    if sample.is_empty() {
        return None;
    }
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    let mut trigrams: Vec<(usize, String)> = Vec::new();
    for w in chars.windows(3).filter(|w| w.iter().all(|c| c.is_alphanumeric())) {
        let t: String = w.iter().collect();
        if trigrams.iter().any(|(_, seen)| *seen == t) {
            continue;
        }
        trigrams.push((sample.iter().filter(|v| v.contains(&t)).count(), t));
    }
    let most = (sample.len() as f64 * COMMON_SHARE) as usize;
    trigrams.retain(|(n, _)| *n <= most);
    // Stable: among equally rare trigrams the text's order decides, so a lookup is repeatable.
    trigrams.sort_by_key(|(n, _)| *n);
    let asked: Vec<String> = trigrams.into_iter().take(MOST_ASKED).map(|(_, t)| t).collect();
    (!asked.is_empty()).then_some(asked)
}

/// `column LIKE '%t%'` for each trigram, ANDed, with the trigrams bound from `first_bind` on; or
/// the whole pattern (bind 2) when there are none.
pub fn index_condition(column: &str, trigrams: Option<&[String]>, first_bind: usize) -> String {
    match trigrams {
        None => format!("{column} LIKE $2 ESCAPE '\\'"),
        Some(ts) => (0..ts.len())
            .map(|i| format!("{column} LIKE ${} ESCAPE '\\'", first_bind + i))
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

/// A trigram as a `%…%` LIKE pattern (word characters need no escaping).
pub fn like(trigram: &str) -> String {
    format!("%{trigram}%")
}

/// [`super::backend::requester_contacts`] on PostgreSQL: each of the name and email indexes is
/// asked for the text's trigrams that are rare there, and the whole text is checked on each
/// contact they name, through `|| ''` so that no index takes that check over.
pub(super) fn requester_contacts(
    c: &mut diesel::PgConnection,
    tenant: &str,
    text: &str,
    pattern: &str,
    limit: i64,
) -> QueryResult<Vec<IdRow>> {
    let sampled = cached_samples(c)?;
    let (name, email) =
        (rarest_in(&sampled, "contacts_name_trgm", text), rarest_in(&sampled, "contacts_email_trgm", text));
    if name.is_none() && email.is_none() {
        return run(c, REQUESTER_CONTACTS_PG, tenant, pattern, limit, &[]);
    }
    let name_binds = name.as_ref().map_or(0, Vec::len);
    let sql = format!(
        "SELECT id FROM contacts WHERE tenant_id = $1 AND (({}) OR ({})) \
         AND ((lower(name) || '') LIKE $2 ESCAPE '\\' OR (lower(email) || '') LIKE $2 ESCAPE '\\') LIMIT $3",
        index_condition("lower(name)", name.as_deref(), 4),
        index_condition("lower(email)", email.as_deref(), 4 + name_binds),
    );
    let asked: Vec<String> = name.into_iter().chain(email).flatten().collect();
    run(c, &sql, tenant, pattern, limit, &asked)
}

/// Run `sql` with tenant, pattern and limit bound as `$1` to `$3` and each trigram, as a `%…%`
/// pattern, from `$4` on.
fn run(
    c: &mut diesel::PgConnection,
    sql: &str,
    tenant: &str,
    pattern: &str,
    limit: i64,
    trigrams: &[String],
) -> QueryResult<Vec<IdRow>> {
    let mut q =
        diesel::sql_query(sql).into_boxed().bind::<Text, _>(tenant).bind::<Text, _>(pattern).bind::<BigInt, _>(limit);
    for t in trigrams {
        q = q.bind::<Text, _>(like(t));
    }
    q.load(c)
}

/// One PostgreSQL text lookup of ids: the text index, the statement's head (binding the tenant as
/// `$1`), the indexed expression, and the plain statement (tenant, pattern, limit).
pub(super) struct PgLookup {
    pub(super) index: &'static str,
    pub(super) head: &'static str,
    pub(super) expr: &'static str,
    pub(super) full: &'static str,
}

/// Run a [`PgLookup`] through the rarest trigrams of the text in its index's sample, or as the
/// plain statement when none is rare or there is no sample.
pub(super) fn lookup(
    c: &mut diesel::PgConnection,
    lookup: PgLookup,
    tenant: &str,
    text: &str,
    pattern: &str,
    limit: i64,
) -> QueryResult<Vec<IdRow>> {
    let samples = cached_samples(c)?;
    match rarest_in(&samples, lookup.index, text) {
        None => run(c, lookup.full, tenant, pattern, limit, &[]),
        Some(rare) => run(c, &lookup_sql(lookup.head, lookup.expr, &rare), tenant, pattern, limit, &rare),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<String> {
        (0..100).map(|n| format!("customer{}@mail.example", n * 997)).collect()
    }

    #[test]
    fn common_trigrams_are_left_out() {
        let asked = rarest("Customer123", &sample()).expect("rare trigrams");
        assert!(asked.len() <= MOST_ASKED);
        for t in &asked {
            assert!(!"customer".contains(t.as_str()), "{t} is in every sampled address");
        }
        assert!(asked.iter().any(|t| t == "123" || t == "r12" || t == "er1"), "{asked:?}");
    }

    #[test]
    fn nothing_rare_or_no_sample_asks_for_the_whole_text() {
        assert_eq!(rarest("customer", &sample()), None);
        assert_eq!(rarest("customer123", &[]), None);
        // No trigram of word characters at all: nothing the index could look up.
        assert_eq!(rarest("a@b.c", &sample()), None);
    }

    #[test]
    fn trigrams_never_cross_a_word_boundary() {
        let asked = rarest("x@yz.qw", &sample()).unwrap_or_default();
        assert!(asked.is_empty(), "{asked:?}");
        let asked = rarest("zq@xyw", &sample()).expect("xyw is a word trigram");
        assert_eq!(asked, vec!["xyw".to_string()]);
    }

    #[test]
    fn conditions_bind_each_trigram() {
        let ts = vec!["r12".to_string(), "123".to_string()];
        assert_eq!(
            index_condition("lower(email)", Some(&ts), 4),
            "lower(email) LIKE $4 ESCAPE '\\' AND lower(email) LIKE $5 ESCAPE '\\'"
        );
        assert_eq!(index_condition("lower(name)", None, 4), "lower(name) LIKE $2 ESCAPE '\\'");
    }
}
