//! Migrations: the same names on both backends, the same tables and columns, up → down → up.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::harness::{drop_pg_database, fresh_pg_database, pg_admin, Backend, TestApp};
use meridian::db::{Db, DbConnection, DbTarget};

fn names(dir: &str) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
    let mut v: Vec<String> =
        std::fs::read_dir(root).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn migration_folders_list_the_same_names_with_up_and_down() {
    let (s, p) = (names("sqlite"), names("postgres"));
    assert!(!s.is_empty());
    assert_eq!(s, p);
    for n in &s {
        for backend in ["sqlite", "postgres"] {
            for f in ["up.sql", "down.sql"] {
                let path =
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend).join(n).join(f);
                assert!(path.exists(), "{}", path.display());
            }
        }
    }
}

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    t: String,
    #[diesel(sql_type = Text)]
    c: String,
}

fn columns(db: &Db) -> BTreeSet<(String, String)> {
    let mut conn = db.conn().unwrap();
    let rows: Vec<Col> = match &mut *conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != '__diesel_schema_migrations'",
        )
        .load(c)
        .unwrap(),
        DbConnection::Postgresql(c) => diesel::sql_query(
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
        )
        .load(c)
        .unwrap(),
    };
    rows.into_iter().map(|r| (r.t, r.c)).collect()
}

#[test]
fn both_backends_have_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(DbTarget::Sqlite(dir.path().join("m.db")), 1).unwrap();
    sqlite.migrate().unwrap();
    let mut s = columns(&sqlite);
    assert!(s.contains(&("agents".into(), "tenant_id".into())));
    // The text index is the one schema difference by design: FTS5 tables (with their shadow
    // tables and key tables) for subjects, requesters and message bodies on SQLite, GIN indexes
    // on existing columns on PostgreSQL. Each backend must have its own; the rest must match.
    let is_search =
        |t: &str| t.starts_with("ticket_search") || t.starts_with("contact_search") || t.starts_with("message_search");
    let search: Vec<(String, String)> = s.iter().filter(|(t, _)| is_search(t)).cloned().collect();
    assert!(search.contains(&("ticket_search".into(), "subject".into())), "{search:?}");
    assert!(search.contains(&("ticket_search_keys".into(), "ticket_id".into())), "{search:?}");
    assert!(search.contains(&("contact_search".into(), "email".into())), "{search:?}");
    assert!(search.contains(&("contact_search_keys".into(), "contact_id".into())), "{search:?}");
    assert!(search.contains(&("message_search".into(), "body".into())), "{search:?}");
    assert!(search.contains(&("message_search_keys".into(), "message_id".into())), "{search:?}");
    s.retain(|(t, _)| !is_search(t));
    let Some(name) = fresh_pg_database() else { return };
    let pg = Db::connect(
        DbTarget::Postgres(
            crate::harness::test_env(Backend::Postgres, dir.path(), Some(&name))["DATABASE_URL"].clone(),
        ),
        1,
    )
    .unwrap();
    let p = columns(&pg);
    let trigram: Vec<Col> = match &mut *pg.conn().unwrap() {
        DbConnection::Postgresql(c) => diesel::sql_query(
            "SELECT tablename::text AS t, indexname::text AS c FROM pg_indexes \
             WHERE schemaname = 'public' AND indexdef LIKE '%gin_trgm_ops%'",
        )
        .load(c)
        .unwrap(),
        DbConnection::Sqlite(_) => unreachable!(),
    };
    let trigram: BTreeSet<(String, String)> = trigram.into_iter().map(|r| (r.t, r.c)).collect();
    assert!(trigram.contains(&("tickets".into(), "tickets_subject_trgm".into())), "{trigram:?}");
    assert!(trigram.contains(&("contacts".into(), "contacts_name_trgm".into())), "{trigram:?}");
    assert!(trigram.contains(&("messages".into(), "messages_body_trgm".into())), "{trigram:?}");
    drop(pg);
    drop_pg_database(&name);
    assert_eq!(s, p);
}

fn up_down_up(db: &Db) {
    let reverted = db.revert_all().unwrap();
    assert!(reverted >= 1);
    assert!(db.readiness().is_err(), "not ready with migrations reverted");
    assert_eq!(db.migrate().unwrap(), reverted);
    db.readiness().unwrap();
}

#[test]
fn up_down_up_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(DbTarget::Sqlite(dir.path().join("m.db")), 1).unwrap();
    db.migrate().unwrap();
    up_down_up(&db);
}

#[test]
fn up_down_up_postgres() {
    if pg_admin().is_none() {
        return;
    }
    let name = fresh_pg_database().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = crate::harness::test_env(Backend::Postgres, dir.path(), Some(&name))["DATABASE_URL"].clone();
    let db = Db::connect(DbTarget::Postgres(url), 1).unwrap();
    up_down_up(&db);
    drop(db);
    drop_pg_database(&name);
}

async fn readyz_fails_when_the_database_is_gone(app: TestApp) {
    let c = app.client();
    let res = c.get(app.url("/readyz")).send().await.unwrap();
    let status = res.status();
    assert_eq!(status, 200, "ready before: {}", res.text().await.unwrap());
    match app.backend {
        Backend::Sqlite => std::fs::remove_file(app.dir.path().join("meridian.db")).unwrap(),
        Backend::Postgres => crate::harness::drop_pg_database(app.pg_database.as_deref().unwrap()),
    }
    let res = c.get(app.url("/readyz")).send().await.unwrap();
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 503, "not ready after: {body}");
    assert_eq!(body["status"], "not ready");
    // Anyone may ask: the answer names no file, database, host or driver message.
    assert_eq!(body["reason"], "database unavailable", "{body}");
    let text = body.to_string();
    let dir = app.dir.path().display().to_string();
    let private = [dir.as_str(), "meridian.db", app.pg_database.as_deref().unwrap_or("meridian.db"), "127.0.0.1"];
    for secret in private {
        assert!(!text.contains(secret), "{secret:?} reached the client: {text}");
    }
    // Liveness is unaffected: the process is up and says so.
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
both!(readyz_fails_when_the_database_is_gone);

async fn readyz_says_migrations_are_pending_without_details(app: TestApp) {
    let c = app.client();
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    app.state.db.revert_all().unwrap();
    let res = c.get(app.url("/readyz")).send().await.unwrap();
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, serde_json::json!({"status": "not ready", "reason": "migrations pending"}));
}
both!(readyz_says_migrations_are_pending_without_details);
