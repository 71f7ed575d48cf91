//! Durable jobs: rows enqueued inside the caller's transaction, run by a worker with retries.

mod worker;

pub use worker::{backoff, run_worker, JobContext, Registry, WorkerServices, WorkerSettings};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::jobs;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// A job row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Serialize)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: String,
    pub tenant_id: Option<String>,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub run_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub locked_at: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub updated_at: NaiveDateTime,
    /// Jobs of one lane run one at a time, oldest first.
    pub lane: Option<String>,
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Handler name, e.g. `mail.send`.
    pub kind: String,
    /// The tenant the job works for; `None` for server-wide work.
    pub tenant: Option<TenantId>,
    /// Handler input.
    pub payload: serde_json::Value,
    /// Run no earlier than this much from now.
    pub delay: chrono::Duration,
    /// Attempts before the job is dead; 0 means the server's configured default.
    pub max_attempts: i32,
    /// Jobs sharing a lane run one at a time, in enqueue order, each after the previous is done
    /// or dead (a job waiting for its retry holds the lane); `None` runs whenever a slot is free.
    pub lane: Option<String>,
}

impl NewJob {
    /// A job to run now with default retries.
    pub fn new(kind: &str, tenant: Option<&TenantId>, payload: serde_json::Value) -> Self {
        NewJob {
            kind: kind.to_string(),
            tenant: tenant.cloned(),
            payload,
            delay: chrono::Duration::zero(),
            max_attempts: 0,
            lane: None,
        }
    }

    /// The same job, run in order behind the earlier jobs of `lane`.
    pub fn in_lane(mut self, lane: impl Into<String>) -> Self {
        self.lane = Some(lane.into());
        self
    }
}

/// Enqueue a job on `conn`; call inside the transaction that makes the change it follows from.
pub fn enqueue(conn: &mut DbConnection, job: &NewJob) -> AppResult<String> {
    let mut ids = enqueue_many(conn, std::slice::from_ref(job))?;
    ids.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no job id")))
}

/// Enqueue several jobs with one statement; returns their ids in order.
pub fn enqueue_many(conn: &mut DbConnection, jobs: &[NewJob]) -> AppResult<Vec<String>> {
    if jobs.is_empty() {
        return Ok(vec![]);
    }
    let rows = job_rows(jobs);
    crate::db::on_backend!(conn, |c| diesel::insert_into(jobs::table).values(&rows).execute(c))?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// A job row about to be inserted.
#[derive(Insertable)]
#[diesel(table_name = jobs)]
pub struct JobInsert {
    pub id: String,
    tenant_id: Option<String>,
    kind: String,
    payload: String,
    state: &'static str,
    attempts: i32,
    max_attempts: i32,
    run_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    lane: Option<String>,
}

/// Rows for these jobs, for callers that insert them together with other rows
/// (see `db::chain`).
pub fn job_rows(jobs: &[NewJob]) -> Vec<JobInsert> {
    let ts = now();
    jobs.iter()
        .map(|job| JobInsert {
            id: new_id(),
            tenant_id: job.tenant.as_ref().map(|t| t.as_str().to_string()),
            kind: job.kind.clone(),
            payload: job.payload.to_string(),
            state: "queued",
            attempts: 0,
            max_attempts: job.max_attempts.max(0),
            run_at: ts + job.delay,
            created_at: ts,
            updated_at: ts,
            lane: job.lane.clone(),
        })
        .collect()
}

/// Jobs of a tenant in one state, newest first.
pub fn list_for_tenant(conn: &mut DbConnection, tenant: &TenantId, state: &str, limit: i64) -> AppResult<Vec<JobRow>> {
    Ok(jobs::table
        .filter(jobs::tenant_id.eq(tenant.as_str()))
        .filter(jobs::state.eq(state))
        .order(jobs::updated_at.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?)
}

/// Jobs in one state across all tenants (operator CLI).
pub fn list_all(conn: &mut DbConnection, state: &str, limit: i64) -> AppResult<Vec<JobRow>> {
    Ok(jobs::table
        .filter(jobs::state.eq(state))
        .order(jobs::updated_at.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?)
}

/// One job, if it belongs to the tenant (or to nobody, when `tenant` is `None`: operators only).
pub fn get(conn: &mut DbConnection, tenant: Option<&TenantId>, id: &str) -> AppResult<JobRow> {
    let mut q = jobs::table.filter(jobs::id.eq(id)).select(JobRow::as_select()).into_boxed();
    if let Some(t) = tenant {
        q = q.filter(jobs::tenant_id.eq(t.as_str()));
    }
    Ok(q.first(conn)?)
}

/// Put a dead job back in the queue with a fresh set of attempts.
pub fn retry_dead(conn: &mut DbConnection, tenant: Option<&TenantId>, id: &str) -> AppResult<()> {
    let job = get(conn, tenant, id)?;
    if job.state != "dead" {
        return Err(AppError::Conflict("only dead jobs can be retried".into()));
    }
    let ts = now();
    diesel::update(jobs::table.find(id))
        .set((
            jobs::state.eq("queued"),
            jobs::attempts.eq(0),
            jobs::run_at.eq(ts),
            jobs::locked_at.eq(None::<NaiveDateTime>),
            jobs::locked_by.eq(None::<String>),
            jobs::updated_at.eq(ts),
        ))
        .execute(conn)?;
    Ok(())
}

/// Count of jobs by state, for metrics.
pub fn depth_by_state(conn: &mut DbConnection) -> AppResult<Vec<(String, i64)>> {
    Ok(jobs::table.group_by(jobs::state).select((jobs::state, diesel::dsl::count_star())).load(conn)?)
}

/// Delete finished jobs older than a day; dead ones are kept until retried or handled.
pub fn purge_done(conn: &mut DbConnection) -> AppResult<usize> {
    let cutoff = now() - chrono::Duration::days(1);
    Ok(diesel::delete(jobs::table.filter(jobs::state.eq("done")).filter(jobs::updated_at.lt(cutoff))).execute(conn)?)
}
