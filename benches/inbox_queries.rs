//! Server-side timing of the inbox's hottest queries and the ticket page, with query plans.
//!
//! DATABASE_URL=… BENCH_TENANT=seed-1 cargo bench --bench inbox_queries
//! Seed first: `meridian seed --tenants 1 --tickets 1000000 --prefix big` and
//! `meridian seed --tenants 20 --tickets 100000 --prefix small`.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Text;
use meridian::db::{Db, DbConnection, DbTarget};
use meridian::tenancy::{self, TenantId};
use meridian::tickets::commands::{self, Creation, NewMessage, NewTicket, Requester};
use meridian::tickets::intake::{open_in_transaction, Unrouted};
use meridian::tickets::queries::{self, Filter, Sort, View};
use meridian::tickets::{teams, Actor, Channel, MessageKind, Priority};

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    format!("p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (n={})", p(0.5), p(0.99), p(1.0), v.len())
}

fn time(iters: usize, mut f: impl FnMut()) -> String {
    for _ in 0..iters.min(20) {
        f();
    }
    let mut samples = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    percentiles(samples)
}

#[derive(QueryableByName)]
struct PgPlan {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct SqlitePlan {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn explain(conn: &mut DbConnection, sql: &str) -> Vec<String> {
    match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
            .load::<PgPlan>(c)
            .map(|r| r.into_iter().map(|p| p.line).collect())
            .unwrap_or_else(|e| vec![e.to_string()]),
        DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqlitePlan>(c)
            .map(|r| r.into_iter().map(|p| p.detail).collect())
            .unwrap_or_else(|e| vec![e.to_string()]),
    }
}

fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("set DATABASE_URL to a seeded database"))?;
    let slug = std::env::var("BENCH_TENANT").unwrap_or_else(|_| "big-1".into());
    let iters: usize = std::env::var("BENCH_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let db = Db::connect(DbTarget::parse(&url).map_err(anyhow::Error::msg)?, 2)?;
    db.migrate()?;
    let mut conn = db.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
    let tenant = tenancy::by_slug(&mut conn, &slug).map_err(|e| anyhow::anyhow!("tenant {slug}: {e}"))?;
    let tid: TenantId = tenant.tenant_id();
    let team =
        teams::list(&mut conn, &tid).map_err(|e| anyhow::anyhow!("{e}"))?.into_iter().find(|t| t.name == "Lusophone");
    let team_id = team.map(|t| t.id).ok_or_else(|| anyhow::anyhow!("seeded team missing"))?;
    let total: i64 = meridian::db::schema::tickets::table
        .filter(meridian::db::schema::tickets::tenant_id.eq(tid.as_str()))
        .count()
        .get_result(&mut *conn)?;
    println!("backend {} tenant {slug}: {total} tickets", db.target().backend_name());

    let open_by_priority = Filter { view: Some(View::AllOpen), ..Filter::default() };
    let team_language = Filter {
        view: Some(View::AllOpen),
        team_id: Some(team_id.to_string()),
        language: Some("pt-BR".into()),
        ..Filter::default()
    };
    let r = time(iters, || {
        let (rows, _) = queries::list(&mut conn, &tid, "", &open_by_priority, Sort::Priority, None, 50).expect("list");
        assert_eq!(rows.len(), 50);
    });
    println!("first inbox page (50 open, priority then age):      {r}");
    let r = time(iters, || {
        let (rows, _) = queries::list(&mut conn, &tid, "", &team_language, Sort::Priority, None, 50).expect("list");
        assert!(!rows.is_empty());
    });
    println!("filtered view (team + language, open, priority):   {r}");
    let r = time(iters, || {
        queries::count(&mut conn, &tid, "", &open_by_priority).expect("count");
    });
    println!("view count (capped at {}):                        {r}", queries::COUNT_CAP);

    // A ticket with 200 messages, made once and reused.
    let existing = queries::list(
        &mut conn,
        &tid,
        "",
        &Filter { tag: Some("bench200".into()), ..Filter::default() },
        Sort::Age,
        None,
        1,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?
    .0;
    let ticket_id = match existing.first() {
        Some(r) => r.ticket.id.clone(),
        None => {
            let creation = Creation::new(
                Actor::System,
                NewTicket {
                    subject: "Long conversation".into(),
                    body_text: "First message".into(),
                    body_html: None,
                    requester: Requester::Email { email: "long@example.com".into(), name: None },
                    priority: Priority::Normal,
                    tags: vec!["bench200".into()],
                    language: Some("en".into()),
                    channel: Channel::Email,
                    assignee_id: None,
                    team_id: None,
                },
            );
            let (t, _) = open_in_transaction(&mut conn, &tid, &Unrouted, vec![creation])
                .and_then(|mut r| r.pop().unwrap_or_else(|| Err(meridian::error::AppError::NotFound)))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for i in 1..200 {
                let kind = if i % 10 == 0 { MessageKind::Note } else { MessageKind::Reply };
                let actor = if i % 2 == 0 { Actor::Contact(t.requester_id.clone()) } else { Actor::System };
                let actor = if kind == MessageKind::Note { Actor::Api("bench".into()) } else { actor };
                let msg = NewMessage {
                    kind,
                    channel: Channel::Email,
                    body_text: format!("Message {i}: ").repeat(20),
                    body_html: None,
                    attachments: vec![],
                };
                commands::add_message(&mut conn, &tid, &actor, &t.id, &msg).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            t.id
        }
    };
    let r = time(iters, || {
        let d = queries::detail(&mut conn, &tid, &ticket_id).expect("detail");
        assert_eq!(d.timeline.len(), 200);
    });
    println!("ticket page data (200 messages):                   {r}");

    let q_tid = tid.as_str().replace('\'', "''");
    let cols = "id, number, subject, status, priority, assignee_id, updated_at";
    for (name, sql) in [
        (
            "first page",
            format!("SELECT {cols} FROM tickets WHERE tenant_id = '{q_tid}' AND is_open = TRUE ORDER BY priority_rank DESC, created_at ASC, id ASC LIMIT 51"),
        ),
        (
            "team + language",
            format!("SELECT {cols} FROM tickets WHERE tenant_id = '{q_tid}' AND is_open = TRUE AND team_id = '{team_id}' AND language = 'pt-BR' ORDER BY priority_rank DESC, created_at ASC, id ASC LIMIT 51"),
        ),
    ] {
        println!("\nplan ({name}):");
        for line in explain(&mut conn, &sql) {
            println!("  {line}");
        }
    }
    Ok(())
}
