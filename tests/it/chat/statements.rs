//! What a visitor's follow-up costs the database: the statements of its transaction, counted
//! with diesel's instrumentation on the connection, on both databases. A follow-up is the hot
//! path of a busy widget; before this count was kept it took 12 statements on PostgreSQL (read from the code: the
//! visitor read twice, a lock, the dedupe, the ticket read, four inserts, the ticket update).
//! On SQLite, in-process, the chain's inserts run one by one (diesel wraps each multi-row insert
//! in a savepoint).

use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::Connection;
use serde_json::json;

use super::Widget;
use crate::harness::TestApp;
use meridian::chat::{appearance::Prechat, conversations, visitors};

/// Run `f` in a transaction on a pooled connection and return what it gave and the statements
/// it sent (BEGIN and COMMIT included).
fn counted<T>(
    app: &TestApp,
    f: impl FnOnce(&mut meridian::db::DbConnection) -> meridian::error::AppResult<T>,
) -> (T, Vec<String>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut pooled = app.state.db.conn().unwrap();
    let conn: &mut meridian::db::DbConnection = &mut pooled;
    let sink = log.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = e {
            sink.lock().unwrap().push(query.to_string());
        }
    });
    let out = conn.transaction(f);
    conn.set_instrumentation(None::<Box<dyn Instrumentation>>);
    let statements = log.lock().unwrap().clone();
    (out.unwrap(), statements)
}

async fn a_follow_up_takes_few_statements(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({"name": "Ana", "locale": "en"})).await;
    w.send(json!({"type": "message", "client_id": "c1", "body": "Hello, my order is late"})).await;
    let first = w.recv_type("ack").await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let tid = t.tenant_id();
    let tid2 = tid.clone();
    let visitor = app.state.db.read(move |c| visitors::by_token(c, &tid2, &token)).await.unwrap().unwrap();
    let ctx = conversations::PostContext { prechat: Prechat::Off, i18n: app.state.i18n.clone(), zone: "UTC".into() };
    let intake = app.state.intake.clone();
    let post = |client_id: &'static str| {
        let (intake, tid, vid) = (&intake, &tid, visitor.id.clone());
        let ctx = &ctx;
        move |c: &mut meridian::db::DbConnection| {
            conversations::post(c, intake, tid, &vid, client_id, "Any news?", vec![], ctx)
        }
    };
    let (posted, statements) = counted(&app, post("c2"));
    assert!(!posted.replayed);
    assert_eq!(posted.ticket_id, first["conversation_id"].as_str().unwrap());
    let expected = if matches!(app.state.db.target(), meridian::db::DbTarget::Postgres(_)) { 6 } else { 13 };
    assert_eq!(statements.len(), expected, "{statements:#?}");
    // The same client id again: acknowledged with the same message, nothing stored.
    let (again, statements) = counted(&app, post("c2"));
    assert_eq!((again.replayed, &again.message_id), (true, &posted.message_id));
    assert_eq!(statements.len(), 4, "{statements:#?}");

    // What it stored is what the slower path stored: the message once, counted on the ticket,
    // its audit line and its event; the widget is shown it in order.
    let tok = super::api_token(&app, &t);
    let ticket = app.api_json(&tok, &format!("/api/v1/tickets/{}", posted.ticket_id)).await;
    assert_eq!(ticket["message_count"], 2, "{ticket}");
    let (_, welcome) = Widget::hello(&app, "acme", json!({"visitor_token": welcome["visitor_token"]})).await;
    assert_eq!(welcome["conversation_id"], posted.ticket_id.as_str());
    let (tid3, ticket_id) = (tid.clone(), posted.ticket_id.clone());
    let shown = app.state.db.read(move |c| conversations::after(c, &tid3, &ticket_id, None)).await.unwrap();
    let bodies: Vec<&str> = shown.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, vec!["Hello, my order is late", "Any news?"]);
    let (tid4, mid) = (tid.clone(), posted.message_id.clone());
    let events = app
        .state
        .db
        .read(move |c| {
            use diesel::prelude::*;
            use meridian::db::schema::domain_events as d;
            let n: i64 = d::table
                .filter(d::tenant_id.eq(tid4.as_str()))
                .filter(d::kind.eq("message.created"))
                .filter(d::payload.like(format!("%{mid}%")))
                .count()
                .get_result(c)?;
            Ok(n)
        })
        .await
        .unwrap();
    assert_eq!(events, 1, "its event, in the same transaction");
}
both!(a_follow_up_takes_few_statements);
