//! Keeping SQLite's write-ahead log bounded.
//!
//! SQLite checkpoints the WAL into the database after commits (PASSIVE), but it can only start the
//! log over when no reader still uses its frames. Under steady load readers always overlap, so the
//! log never restarts and grows without bound (gigabytes beside a database of megabytes). A chore
//! therefore watches the log's size and, past a limit, runs a TRUNCATE checkpoint while holding
//! the in-process writer lock: no writer can append meanwhile, readers that began before the
//! backfill finish within their (short) transactions, and later readers read the database file
//! only, so the checkpoint cannot be starved. `journal_size_limit` trims the file after ordinary
//! restarts too.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::{Db, DbConnection, DbTarget};
use crate::error::{AppError, AppResult};

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct WalStats {
    /// Checkpoints that reset the log.
    pub completed: AtomicU64,
    /// Checkpoints that could not finish (a reader outlived the busy timeout); retried.
    pub busy: AtomicU64,
    /// Frames copied into the database by those checkpoints.
    pub frames: AtomicU64,
}

#[derive(QueryableByName)]
struct CheckpointRow {
    #[diesel(sql_type = Integer)]
    busy: i32,
    #[diesel(sql_type = Integer)]
    log: i32,
    #[diesel(sql_type = Integer)]
    checkpointed: i32,
}

impl Db {
    /// Size of the SQLite WAL file in bytes; `None` on PostgreSQL.
    pub fn wal_bytes(&self) -> Option<u64> {
        match &*self.target {
            DbTarget::Sqlite(path) => {
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                Some(std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0))
            }
            DbTarget::Postgres(_) => None,
        }
    }

    /// The checkpoint counters.
    pub fn wal_stats(&self) -> &WalStats {
        &self.wal
    }

    /// Checkpoint and truncate the WAL if it is larger than `limit` bytes (SQLite only). Returns
    /// whether a checkpoint ran.
    pub fn checkpoint_if_over(&self, limit: u64) -> AppResult<bool> {
        match self.wal_bytes() {
            Some(size) if size > limit => {}
            _ => return Ok(false),
        }
        let mut conn = self.conn()?;
        let _writer = self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner());
        let row = match &mut *conn {
            DbConnection::Sqlite(c) => {
                diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result::<CheckpointRow>(c)?
            }
            DbConnection::Postgresql(_) => return Ok(false),
        };
        if row.busy != 0 {
            self.wal.busy.fetch_add(1, Ordering::Relaxed);
            return Err(AppError::Unavailable(format!(
                "WAL checkpoint busy: {} of {} frames copied",
                row.checkpointed, row.log
            )));
        }
        self.wal.completed.fetch_add(1, Ordering::Relaxed);
        self.wal.frames.fetch_add(row.checkpointed.max(0) as u64, Ordering::Relaxed);
        Ok(true)
    }
}
