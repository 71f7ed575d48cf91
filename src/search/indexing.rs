//! The `kb.index` job and full reindexing. The job reads an article as it is now and makes the
//! index hold exactly that (nothing, when it was deleted), so running it twice, late or after a
//! lost index gives the same result; a failed write returns an error and the queue retries it.

use diesel::prelude::*;

use super::{Search, SearchDoc};
use crate::db::{Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::jobs::JobContext;
use crate::kb::articles::{self, Article, Translation};
use crate::kb::structure;
use crate::tenancy::{self, TenantId};

/// How many articles one reindex step writes at once.
const BATCH: usize = 200;

fn docs_for(conn: &mut DbConnection, tenant: &TenantId, ids: &[String]) -> AppResult<Vec<SearchDoc>> {
    use crate::kb::schema::kb_articles;
    let found: Vec<Article> = kb_articles::table
        .filter(kb_articles::tenant_id.eq(tenant.as_str()))
        .filter(kb_articles::id.eq_any(ids))
        .select(Article::as_select())
        .load(conn)?;
    let translations: Vec<Translation> = articles::translations_of(conn, tenant, ids)?;
    let sections = structure::list_sections(conn, tenant, None)?;
    let mut out = Vec::with_capacity(translations.len());
    for t in translations {
        let Some(a) = found.iter().find(|a| a.id == t.article_id) else { continue };
        let category_id =
            a.section_id.as_ref().and_then(|s| sections.iter().find(|x| &x.id == s)).map(|s| s.category_id.clone());
        out.push(SearchDoc {
            tenant_id: tenant.as_str().to_string(),
            article_id: a.id.clone(),
            keywords: t.keyword_list(),
            body: crate::kb::render::to_text(&t.body_markdown),
            locale: t.locale,
            title: t.title,
            status: t.status,
            visibility: a.visibility.clone(),
            section_id: a.section_id.clone(),
            category_id,
        });
    }
    Ok(out)
}

/// Bring these articles' documents in line with the database.
pub async fn sync(db: &Db, search: &Search, tenant: &TenantId, ids: Vec<String>) -> AppResult<()> {
    let (tid, read_ids) = (tenant.clone(), ids.clone());
    let docs = db.read(move |c| docs_for(c, &tid, &read_ids)).await?;
    search.index.replace(tenant.as_str(), &ids, docs).await.map_err(|e| AppError::Unavailable(e.to_string()))
}

/// The `kb.index` job handler.
pub async fn run_job(db: Db, search: Search, ctx: JobContext) -> Result<(), String> {
    let payload = ctx.payload()?;
    let article = payload["article_id"].as_str().ok_or("payload has no article_id")?.to_string();
    let tenant = ctx.job.tenant_id.clone().ok_or("job has no tenant")?;
    sync(&db, &search, &TenantId::from_trusted(tenant), vec![article]).await.map_err(|e| e.to_string())
}

/// Kind of the job that rebuilds one tenant's index (queued by the consistency check).
pub const REINDEX_JOB: &str = "kb.reindex";

/// Rebuild one tenant's documents from the database.
pub async fn reindex_tenant(db: &Db, search: &Search, tenant: &TenantId) -> AppResult<usize> {
    let tid = tenant.clone();
    let ids = db.read(move |c| articles::all_article_ids(c, &tid)).await?;
    search.index.clear_tenant(tenant.as_str()).await.map_err(|e| AppError::Unavailable(e.to_string()))?;
    for batch in ids.chunks(BATCH) {
        sync(db, search, tenant, batch.to_vec()).await?;
    }
    Ok(ids.len())
}

/// The `kb.reindex` job handler.
pub async fn run_reindex_job(db: Db, search: Search, ctx: JobContext) -> Result<(), String> {
    let tenant = TenantId::from_trusted(ctx.job.tenant_id.clone().ok_or("job has no tenant")?);
    let n = reindex_tenant(&db, &search, &tenant).await.map_err(|e| e.to_string())?;
    tracing::info!(tenant = %tenant.as_str(), articles = n, "knowledge-base index rebuilt");
    Ok(())
}

/// The periodic consistency check: for each tenant whose translations in the database and
/// documents in the index differ in number (a lost or restored index folder, writes that never
/// reached it), queue a `kb.reindex`, unless index work for it is still waiting (which would
/// explain the difference). Counting is cheap; the rebuild runs
/// as a job, so the chore stays short.
pub async fn check_consistency(db: &Db, search: &Search) -> AppResult<usize> {
    use crate::db::schema::jobs;
    use crate::kb::schema::kb_translations;
    let (counts, waiting): (Vec<(String, i64)>, Vec<Option<String>>) = db
        .read(|c| {
            let counts = kb_translations::table
                .group_by(kb_translations::tenant_id)
                .select((kb_translations::tenant_id, diesel::dsl::count_star()))
                .load(c)?;
            let waiting = jobs::table
                .filter(jobs::kind.eq_any([REINDEX_JOB, crate::kb::INDEX_JOB]))
                .filter(jobs::state.eq_any(["queued", "running"]))
                .select(jobs::tenant_id)
                .load(c)?;
            Ok((counts, waiting))
        })
        .await?;
    let mut queued = 0;
    for (tenant, in_db) in counts {
        if waiting.iter().any(|w| w.as_deref() == Some(tenant.as_str())) {
            continue;
        }
        let in_index = search.index.count(&tenant).await.map_err(|e| AppError::Unavailable(e.to_string()))?;
        if in_index as i64 != in_db {
            tracing::warn!(tenant = %tenant, in_db, in_index, "knowledge-base index differs from the database; rebuilding");
            let tid = TenantId::from_trusted(tenant);
            db.write(move |c| {
                crate::jobs::enqueue(c, &crate::jobs::NewJob::new(REINDEX_JOB, Some(&tid), serde_json::json!({})))
            })
            .await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// Rebuild the index of one tenant (by slug) or of all, calling `progress(done, total)` as it goes.
pub async fn reindex(
    db: &Db,
    search: &Search,
    slug: Option<&str>,
    mut progress: impl FnMut(usize, usize),
) -> AppResult<usize> {
    let slug = slug.map(str::to_string);
    let tenants: Vec<TenantId> = db
        .read(move |c| match slug {
            Some(s) => Ok(vec![tenancy::by_slug(c, &s)?.tenant_id()]),
            None => {
                use crate::db::schema::tenants;
                let ids: Vec<String> = tenants::table.select(tenants::id).order(tenants::id).load(c)?;
                Ok(ids.into_iter().map(TenantId::from_trusted).collect())
            }
        })
        .await?;
    let mut work: Vec<(TenantId, Vec<String>)> = Vec::new();
    for t in &tenants {
        let tid = t.clone();
        let ids = db.read(move |c| articles::all_article_ids(c, &tid)).await?;
        work.push((t.clone(), ids));
    }
    let total: usize = work.iter().map(|(_, ids)| ids.len()).sum();
    let mut done = 0;
    progress(0, total);
    for (tenant, ids) in work {
        search.index.clear_tenant(tenant.as_str()).await.map_err(|e| AppError::Unavailable(e.to_string()))?;
        for batch in ids.chunks(BATCH) {
            sync(db, search, &tenant, batch.to_vec()).await?;
            done += batch.len();
            progress(done, total);
        }
    }
    Ok(done)
}
