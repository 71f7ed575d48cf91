//! SQLite's write-ahead log stays bounded while readers always overlap (they keep SQLite's own
//! checkpoints from ever starting the log over), and /metrics reports its size and checkpoints.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::harness::{Backend, TestApp};

#[actix_web::test]
async fn the_wal_is_truncated_under_overlapping_readers() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        |e| {
            e.insert("MERIDIAN_SQLITE_WAL_LIMIT_MB".into(), "1".into());
        },
        meridian::jobs::Registry::new(),
    )
    .await
    .expect("sqlite app");
    app.state.db.write_blocking(|c| Ok(c.batch_execute("CREATE TABLE junk (b BLOB NOT NULL)")?)).unwrap();
    let path = app.dir.path().join("meridian.db").to_string_lossy().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    // Two readers, each holding a read transaction most of the time and staggered, so that at
    // every moment some reader is inside one.
    let readers: Vec<_> = (0..2)
        .map(|i| {
            let (path, stop) = (path.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut c = diesel::SqliteConnection::establish(&path).unwrap();
                c.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
                std::thread::sleep(Duration::from_millis(7 * i));
                while !stop.load(Ordering::Relaxed) {
                    c.batch_execute("BEGIN; SELECT count(*) FROM junk;").unwrap();
                    std::thread::sleep(Duration::from_millis(15));
                    c.batch_execute("COMMIT").unwrap();
                }
            })
        })
        .collect();
    for _ in 0..40 {
        app.state
            .db
            .write_blocking(|c| Ok(c.batch_execute("INSERT INTO junk (b) VALUES (zeroblob(120000))")?))
            .unwrap();
    }
    let peak = app.state.db.wal_bytes().unwrap();
    assert!(peak > 1 << 20, "the writes grew the log past the limit ({peak} bytes)");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut size = peak;
    while Instant::now() < deadline {
        size = app.state.db.wal_bytes().unwrap();
        if size <= 1 << 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert!(size <= 1 << 20, "the log stayed at {size} bytes (peak {peak}) while readers overlapped");
    let metrics = app.client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("meridian_sqlite_wal_bytes "), "{metrics}");
    let completed = metrics
        .lines()
        .find(|l| l.starts_with("meridian_sqlite_wal_checkpoints_total{result=\"completed\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap();
    assert!(completed >= 1, "{metrics}");
    let rows: i64 = app
        .state
        .db
        .write_blocking(|c| {
            Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT count(*) FROM junk)"))
                .get_result(c)?)
        })
        .unwrap();
    assert_eq!(rows, 40, "nothing written was lost by truncating the log");
}

/// A large SQLite file is read through the map, past the 2 GiB the bundled library allows by
/// default (the build raises its cap; a pool connection asks for all of it).
#[actix_web::test]
async fn pool_connections_map_the_whole_file() {
    #[derive(QueryableByName)]
    struct Mmap {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        mmap_size: i64,
    }
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let mut c = app.state.db.conn().unwrap();
    let meridian::db::DbConnection::Sqlite(c) = &mut *c else { panic!("a SQLite connection") };
    let got: Mmap = diesel::sql_query("PRAGMA mmap_size").get_result(c).unwrap();
    assert_eq!(got.mmap_size, 64 << 30, "the cap the build sets, not SQLite's default 2 GiB");
}
