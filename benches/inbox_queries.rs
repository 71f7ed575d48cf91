//! Server-side timing of the inbox's queries (every view × sort × filter, counts, the API's list)
//! and the ticket page, with query plans.
//!
//! DATABASE_URL=… BENCH_TENANT=seed-1 cargo bench --bench inbox_queries
//! BENCH_ITERS (default 300) runs per query, BENCH_MAX_MS (default 1500) time per query after
//! which it stops early (at least 5 runs), BENCH_ONLY=text to run only queries whose name holds it,
//! BENCH_MATRIX=short to run the filters on one view and sort only.
//! Seed first: `meridian seed --tenants 1 --tickets 1000000 --prefix big` and
//! `meridian seed --tenants 20 --tickets 100000 --prefix small`.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Text;
use meridian::db::{Db, DbConnection, DbTarget};
use meridian::tenancy::{self, TenantId};
use meridian::tickets::commands::{self, Creation, NewMessage, NewTicket, Requester};
use meridian::tickets::intake::{open_in_transaction, Unrouted};
use meridian::tickets::queries::{self, AssigneeFilter, Filter, Sort, View};
use meridian::tickets::{teams, Actor, Channel, MessageKind, Priority, Status};

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    format!("{:.2} / {:.2} / {:.2} ms ({})", p(0.5), p(0.99), p(1.0), v.len())
}

fn time(iters: usize, f: &mut dyn FnMut()) -> String {
    time_capped(iters, Duration::MAX, f)
}

/// Up to `iters` timed runs after a short warm-up, stopping early (after at least 5) once `max`
/// has been spent, so that a slow query does not hold the whole matrix up.
fn time_capped(iters: usize, max: Duration, f: &mut dyn FnMut()) -> String {
    let started = Instant::now();
    // Warm-up: up to five runs, one for a query slower than a tenth of the budget.
    for _ in 0..iters.min(5) {
        f();
        if started.elapsed() > max / 10 {
            break;
        }
    }
    let mut samples = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
        if samples.len() >= 5 && started.elapsed() > max {
            break;
        }
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
    // BENCH_TRACE=1: each statement of one ticket page and its time, to find where it goes;
    // BENCH_TRACE=all: of every call (with BENCH_ONLY and a few BENCH_ITERS).
    let trace = std::env::var("BENCH_TRACE").unwrap_or_default();
    if trace == "1" || trace == "all" {
        trace_statements(&mut conn);
        queries::detail(&mut conn, &tid, &ticket_id).expect("detail");
        if trace == "1" {
            diesel::connection::Connection::set_instrumentation(
                &mut conn,
                |_: diesel::connection::InstrumentationEvent<'_>| {},
            );
        }
    }
    let r = time(iters, &mut || {
        let d = queries::detail(&mut conn, &tid, &ticket_id).expect("detail");
        assert_eq!(d.timeline.len(), 200);
    });
    println!("ticket page data (200 messages):                   {r}");

    let agents = meridian::accounts::agents::list(&mut conn, &tid).map_err(|e| anyhow::anyhow!("{e}"))?;
    let me = agents.iter().find(|a| a.role == "agent").map(|a| a.id.to_string()).unwrap_or_default();
    let max = Duration::from_millis(std::env::var("BENCH_MAX_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1500));
    let only = std::env::var("BENCH_ONLY").ok();
    let case = |name: &str, f: &mut dyn FnMut()| {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            return;
        }
        println!("| {name} | {} |", time_capped(iters, max, f));
    };

    println!("\n| query | p50 / p99 / max (n) |\n|---|---|");
    // The API's default page: every ticket, last update first.
    case("api default page (no view, updated, 50)", &mut || {
        let (rows, _) = queries::list(&mut conn, &tid, "", &Filter::default(), Sort::Updated, None, 50).expect("list");
        assert_eq!(rows.len(), 50);
    });
    for sort in [Sort::Age, Sort::Priority] {
        case(&format!("no view, {}", sort.as_str()), &mut || {
            queries::list(&mut conn, &tid, "", &Filter::default(), sort, None, 50).expect("list");
        });
    }
    // A page deep in a view: the keyset cursor must seek, not walk from the start.
    for sort in [Sort::Updated, Sort::Age, Sort::Priority] {
        let f = Filter { view: Some(View::AllOpen), ..Filter::default() };
        let mut cursor = None;
        for _ in 0..20 {
            cursor = queries::list(&mut conn, &tid, &me, &f, sort, cursor.as_deref(), 200).expect("list").1;
        }
        case(&format!("all_open, {}, page after 4,000 rows", sort.as_str()), &mut || {
            queries::list(&mut conn, &tid, &me, &f, sort, cursor.as_deref(), 50).expect("list");
        });
    }
    for view in View::ALL {
        case(&format!("count {}", view.as_str()), &mut || {
            queries::count(&mut conn, &tid, &me, &Filter { view: Some(view), ..Filter::default() }).expect("count");
        });
    }
    let filters: Vec<(&str, Filter)> = vec![
        ("", Filter::default()),
        ("status=new", Filter { status: vec![Status::New], ..Filter::default() }),
        ("priority=urgent", Filter { priority: Some(Priority::Urgent), ..Filter::default() }),
        ("team=Lusophone", Filter { team_id: Some(team_id.to_string()), ..Filter::default() }),
        (
            "team+language",
            Filter { team_id: Some(team_id.to_string()), language: Some("pt-BR".into()), ..Filter::default() },
        ),
        ("assignee=agent", Filter { assignee: Some(AssigneeFilter::Agent(me.clone())), ..Filter::default() }),
        ("assignee=none", Filter { assignee: Some(AssigneeFilter::Nobody), ..Filter::default() }),
        ("channel=chat", Filter { channel: Some(Channel::Chat), ..Filter::default() }),
        ("language=ja", Filter { language: Some("ja".into()), ..Filter::default() }),
        ("tag=refund", Filter { tag: Some("refund".into()), ..Filter::default() }),
        ("tag=bench200 (one ticket)", Filter { tag: Some("bench200".into()), ..Filter::default() }),
        ("q=password (subject, 1 in 8)", Filter { q: Some("password".into()), ..Filter::default() }),
        ("q=não (accented subject)", Filter { q: Some("não".into()), ..Filter::default() }),
        ("q=登录 (2 CJK chars)", Filter { q: Some("登录".into()), ..Filter::default() }),
        ("q=无法登录 (CJK)", Filter { q: Some("无法登录".into()), ..Filter::default() }),
        ("q=#12345 (subject, ~11)", Filter { q: Some("#12345".into()), ..Filter::default() }),
        ("q=customer1 (requester, ~44 %)", Filter { q: Some("customer1".into()), ..Filter::default() }),
        ("q=customer12 (requester, ~0.4 %)", Filter { q: Some("customer12".into()), ..Filter::default() }),
        ("q=customer123 (requester, ~0.04 %)", Filter { q: Some("customer123".into()), ..Filter::default() }),
        ("q=customer12345@ (one requester's email)", Filter { q: Some("customer12345@".into()), ..Filter::default() }),
        ("q=zzzz (nothing)", Filter { q: Some("zzzz".into()), ..Filter::default() }),
    ];
    // BENCH_MATRIX=short: each filter on All open by last update only (for slow code).
    let full = std::env::var("BENCH_MATRIX").as_deref() != Ok("short");
    for (fname, base) in &filters {
        for view in View::ALL {
            for sort in [Sort::Updated, Sort::Age, Sort::Priority] {
                if !full && !fname.is_empty() && (view != View::AllOpen || sort != Sort::Updated) {
                    continue;
                }
                let f = Filter { view: Some(view), ..base.clone() };
                let name = format!("{} {} {}", view.as_str(), sort.as_str(), fname);
                case(name.trim(), &mut || {
                    queries::list(&mut conn, &tid, &me, &f, sort, None, 50).expect("list");
                });
            }
        }
        if !fname.is_empty() {
            let f = Filter { view: Some(View::AllOpen), ..base.clone() };
            case(&format!("count all_open {fname}"), &mut || {
                queries::count(&mut conn, &tid, &me, &f).expect("count");
            });
        }
    }

    // The search page ("search over everything"): subject, requester and message bodies, newest
    // first, with each hit's excerpt and preview, as the page asks for it.
    for (name, q) in [
        ("password (subject and body, 1 in 8)", "password"),
        ("message about (every body)", "message about"),
        ("order 12345 (body, ~11)", "order 12345"),
        ("customer123 (requester)", "customer123"),
        ("登录 (2 CJK chars: no bodies)", "登录"),
        ("无法登录 (CJK, subject and body)", "无法登录"),
        ("zzzz (nothing)", "zzzz"),
    ] {
        case(&format!("search page q={name}"), &mut || {
            meridian::search::everything::tickets(&mut conn, &tid, &me, q, None, 20).expect("search");
        });
    }

    let q_tid = tid.as_str().replace('\'', "''");
    let q_me = me.replace('\'', "''");
    let cols = "id, number, subject, status, priority, assignee_id, updated_at";
    let base = format!("SELECT {cols} FROM tickets WHERE tenant_id = '{q_tid}'");
    let (upd, age, pri) = (
        "ORDER BY updated_at DESC, id DESC LIMIT 51",
        "ORDER BY created_at ASC, id ASC LIMIT 51",
        "ORDER BY priority_rank DESC, created_at ASC, id ASC LIMIT 51",
    );
    for (name, sql) in [
        ("api default (no view, updated)", format!("{base} {upd}")),
        ("all_open, updated", format!("{base} AND is_open = TRUE {upd}")),
        ("all_open, age", format!("{base} AND is_open = TRUE {age}")),
        ("all_open, priority", format!("{base} AND is_open = TRUE {pri}")),
        ("unassigned, updated", format!("{base} AND assignee_id IS NULL AND is_open = TRUE {upd}")),
        ("my_open, updated", format!("{base} AND assignee_id = '{q_me}' AND is_open = TRUE {upd}")),
        ("pending, age", format!("{base} AND status = 'pending' {age}")),
        ("solved, priority", format!("{base} AND status = 'solved' {pri}")),
        (
            "team + language, priority",
            format!("{base} AND is_open = TRUE AND team_id = '{team_id}' AND language = 'pt-BR' {pri}"),
        ),
        (
            "all_open, updated, page after a cursor",
            format!("{base} AND is_open = TRUE AND (updated_at, id) < ('2026-06-01 00:00:00', 'ffffffff') {upd}"),
        ),
        (
            "all_open, updated, tag (row by row)",
            format!(
                "{base} AND is_open = TRUE AND EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.tenant_id = \
                 tickets.tenant_id AND tt.ticket_id = tickets.id AND tt.tag = 'refund') {upd}"
            ),
        ),
        (
            "text candidates (customer123)",
            if db.target().backend_name() == "postgres" {
                format!(
                    "SELECT id FROM ((SELECT id FROM tickets WHERE tenant_id = '{q_tid}' AND lower(subject) LIKE \
                     '%customer123%' ESCAPE '\\' LIMIT 2001) UNION (SELECT t.id FROM contacts c JOIN tickets t ON \
                     t.tenant_id = c.tenant_id AND t.requester_id = c.id WHERE c.tenant_id = '{q_tid}' AND \
                     (lower(c.name) LIKE '%customer123%' ESCAPE '\\' OR lower(c.email) LIKE '%customer123%' \
                     ESCAPE '\\') LIMIT 2001)) m LIMIT 2001"
                )
            } else {
                format!(
                    "SELECT k.ticket_id FROM ticket_search JOIN ticket_search_keys k ON k.id = ticket_search.rowid \
                     WHERE ticket_search MATCH '\"customer123\"' AND k.tenant_id = '{q_tid}' LIMIT 2001"
                )
            },
        ),
    ] {
        println!("\nplan ({name}):");
        for line in explain(&mut conn, &sql) {
            println!("  {line}");
        }
    }
    Ok(())
}

/// Print each statement the connection runs with its time.
fn trace_statements(conn: &mut meridian::db::DbConnection) {
    use diesel::connection::{Connection, InstrumentationEvent};
    let mut started = std::time::Instant::now();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| match e {
        InstrumentationEvent::StartQuery { .. } => started = std::time::Instant::now(),
        InstrumentationEvent::FinishQuery { query, .. } => {
            let sql = query.to_string();
            println!("  {:>8.2} ms  {}", started.elapsed().as_secs_f64() * 1e3, &sql[..sql.len().min(160)]);
        }
        _ => {}
    });
}
