//! Live events: ticket changes and presence fanned out to console streams (SSE) in this process,
//! and, on PostgreSQL, exchanged with the other processes over LISTEN/NOTIFY.

pub mod presence;

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::broadcast;

/// Job kind of the outbox rows ticket commands write; only the relay takes them.
pub const LIVE_JOB: &str = "live.ticket_changed";

/// One thing that happened, as the console receives it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LiveEvent {
    #[serde(skip_serializing, default)]
    pub tenant_id: String,
    /// `ticket` for ticket changes, `presence` for viewers of a ticket.
    pub kind: String,
    pub ticket_id: String,
    pub number: i64,
    pub action: String,
    pub actor_id: Option<String>,
    pub viewers: Vec<String>,
}

impl LiveEvent {
    /// Who is viewing a ticket now.
    pub fn presence(tenant: &str, ticket: &str, viewers: Vec<String>) -> LiveEvent {
        LiveEvent {
            tenant_id: tenant.into(),
            kind: "presence".into(),
            ticket_id: ticket.into(),
            number: 0,
            action: "viewers".into(),
            actor_id: None,
            viewers,
        }
    }
}

/// The in-process hub: a broadcast channel plus who is viewing which ticket.
pub struct LiveHub {
    tx: broadcast::Sender<LiveEvent>,
    // Turns true at shutdown so open streams end and graceful shutdown need not wait for them.
    closing: tokio::sync::watch::Sender<bool>,
    /// Who is viewing which ticket, here and in other processes.
    pub presence: presence::Presence,
    // Bumped on every ticket change per tenant, so caches of derived data know to refresh.
    generations: Mutex<HashMap<String, u64>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            tx: broadcast::channel(1024).0,
            closing: tokio::sync::watch::channel(false).0,
            presence: presence::Presence::default(),
            generations: Mutex::new(HashMap::new()),
        }
    }
}

impl LiveHub {
    /// Publish to every subscriber (they filter by tenant).
    pub fn publish(&self, e: LiveEvent) {
        if e.kind == "ticket" {
            self.bump(&e.tenant_id);
        }
        let _ = self.tx.send(e);
    }

    /// Note that a tenant's tickets changed.
    pub fn bump(&self, tenant: &str) {
        let mut g = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        *g.entry(tenant.to_string()).or_default() += 1;
    }

    /// How many changes this process has seen for a tenant's tickets.
    pub fn generation(&self, tenant: &str) -> u64 {
        self.generations.lock().unwrap_or_else(|p| p.into_inner()).get(tenant).copied().unwrap_or(0)
    }

    /// End every open stream (at shutdown).
    pub fn close_streams(&self) {
        let _ = self.closing.send(true);
    }

    /// Resolves when streams should end.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Receive everything published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// Register a viewer of a ticket; returns the viewers now present.
    pub fn join(&self, tenant: &str, ticket: &str, agent: &str) -> Vec<String> {
        self.presence.join(tenant, ticket, agent)
    }

    /// Remove a viewer; returns the viewers left.
    pub fn leave(&self, tenant: &str, ticket: &str, agent: &str) -> Vec<String> {
        self.presence.leave(tenant, ticket, agent)
    }

    /// Payloads for the other processes (presence announcements), to send on the live channel.
    pub fn outgoing(&self) -> Vec<String> {
        let (announcements, expired) = self.presence.take_outgoing();
        for (tenant, ticket) in expired {
            let viewers = self.presence.viewers(&tenant, &ticket);
            self.publish_presence(&tenant, &ticket, viewers);
        }
        announcements
            .into_iter()
            .filter_map(|(tenant, ticket, viewers)| {
                let event = LiveEvent::presence(&tenant, &ticket, viewers);
                let origin = Some(self.presence.process.clone());
                serde_json::to_string(&Envelope { tenant_id: tenant, origin, event }).ok()
            })
            .collect()
    }

    /// Tell everyone who is viewing a ticket now.
    pub fn publish_presence(&self, tenant: &str, ticket: &str, viewers: Vec<String>) {
        self.publish(LiveEvent::presence(tenant, ticket, viewers));
    }
}

/// What travels between processes: the event plus its tenant (which browsers never see) and, for
/// presence announcements, the process that sent it.
#[derive(Serialize, serde::Deserialize)]
struct Envelope {
    tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    event: LiveEvent,
}

/// Hand a payload received from another process (or this one) to local subscribers.
pub fn deliver_remote(hub: &LiveHub, payload: &str) {
    match serde_json::from_str::<Envelope>(payload) {
        Ok(Envelope { tenant_id, origin: Some(origin), event }) if event.kind == "presence" => {
            // Another process's viewers of a ticket: merge them with ours for our browsers.
            if hub.presence.receive(&origin, &tenant_id, &event.ticket_id, event.viewers) {
                let viewers = hub.presence.viewers(&tenant_id, &event.ticket_id);
                hub.publish_presence(&tenant_id, &event.ticket_id, viewers);
            }
        }
        Ok(Envelope { tenant_id, mut event, .. }) => {
            event.tenant_id = tenant_id;
            hub.publish(event);
        }
        Err(e) => tracing::warn!(error = %e, "ignoring a malformed live event"),
    }
}

/// Queue a ticket change from inside the transaction that makes it (an outbox row): it is
/// published only if that transaction commits. Sending it from the transaction itself would make
/// PostgreSQL serialise the commits of every notifying transaction on its notification queue.
pub fn publish_in_tx(
    conn: &mut crate::db::DbConnection,
    tenant: &crate::tenancy::TenantId,
    events: &[LiveEvent],
) -> crate::error::AppResult<()> {
    crate::jobs::enqueue_many(conn, &outbox_jobs(tenant, events))?;
    Ok(())
}

/// The outbox jobs that publish these events (see [`publish_in_tx`]).
pub fn outbox_jobs(tenant: &crate::tenancy::TenantId, events: &[LiveEvent]) -> Vec<crate::jobs::NewJob> {
    events
        .iter()
        .map(|e| {
            let payload = serde_json::json!({
                "ticket_id": e.ticket_id, "number": e.number, "action": e.action, "actor_id": e.actor_id,
            });
            crate::jobs::NewJob::new(LIVE_JOB, Some(tenant), payload)
        })
        .collect()
}

fn event_from_job(job: &crate::jobs::JobRow) -> Option<LiveEvent> {
    let p: serde_json::Value = serde_json::from_str(&job.payload).ok()?;
    Some(LiveEvent {
        tenant_id: job.tenant_id.clone()?,
        kind: "ticket".into(),
        ticket_id: p["ticket_id"].as_str().unwrap_or_default().to_string(),
        number: p["number"].as_i64().unwrap_or_default(),
        action: p["action"].as_str().unwrap_or("changed").to_string(),
        actor_id: p["actor_id"].as_str().map(str::to_string),
        viewers: vec![],
    })
}

/// Relay queued live events in batches: one transaction takes up to 200 of them and, on
/// PostgreSQL, notifies every process; on SQLite (one process) they are published here after the
/// commit. Returns how many were relayed.
pub async fn relay(app: &crate::app::AppState) -> crate::error::AppResult<usize> {
    let taken = app
        .db
        .write(|c| {
            let jobs = crate::db::backend::take_jobs_of_kind(c, LIVE_JOB, crate::db::now(), 200)?;
            let events: Vec<LiveEvent> = jobs.iter().filter_map(event_from_job).collect();
            let payloads = events
                .iter()
                .map(|e| {
                    serde_json::to_string(&Envelope { tenant_id: e.tenant_id.clone(), origin: None, event: e.clone() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let local = if crate::db::backend::notify_many(c, crate::db::backend::LIVE_CHANNEL, &payloads)? {
                vec![]
            } else {
                events
            };
            Ok((jobs.len(), local))
        })
        .await?;
    let (n, local) = taken;
    for e in local {
        app.live.publish(e);
    }
    Ok(n)
}
