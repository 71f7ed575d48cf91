//! The live fan-out: the consumer that takes committed domain events to the console's streams.
//! On PostgreSQL it notifies every process in the pass's transaction (delivered on commit, so an
//! event is announced exactly when its pass commits); on SQLite there is one process, and it
//! publishes to the hub after the commit.

use std::sync::Arc;

use super::outbox::StoredEvent;
use super::wire::{Wire, LIVE_CHANNEL};
use super::{Consumer, LiveHub};
use crate::db::{backend, DbConnection};
use crate::error::AppResult;

/// Name of the live fan-out's cursor.
pub const NAME: &str = "live";

/// The live fan-out consumer.
pub struct LiveFanout {
    hub: Arc<LiveHub>,
    /// Whether the events reach every process's hub through NOTIFY (PostgreSQL).
    remote: bool,
}

impl LiveFanout {
    /// A fan-out to `hub`, across processes when the database is shared (`remote`).
    pub fn new(hub: Arc<LiveHub>, remote: bool) -> Self {
        LiveFanout { hub, remote }
    }
}

impl Consumer for LiveFanout {
    fn name(&self) -> &str {
        NAME
    }

    fn handle(&self, conn: &mut DbConnection, events: &[StoredEvent]) -> AppResult<()> {
        if !self.remote {
            return Ok(());
        }
        let payloads: Vec<String> = events
            .iter()
            .filter_map(|e| {
                Wire::Event { tenant_id: e.tenant_id.as_str().to_string(), event: e.event.clone() }.encode()
            })
            .collect();
        backend::notify_many(conn, LIVE_CHANNEL, &payloads)?;
        Ok(())
    }

    fn after_commit(&self, events: Vec<StoredEvent>) {
        if self.remote {
            return;
        }
        for e in events {
            self.hub.publish_event(e.tenant_id.as_str(), e.event);
        }
    }
}
