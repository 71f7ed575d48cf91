//! Domain events and their consumers.
//!
//! Domain code records typed [`DomainEvent`]s in the outbox inside the transaction that made the
//! change ([`outbox::record`]). Registered [`Consumer`]s each read the outbox from their own
//! cursor ([`consumers`]), so one slow consumer never delays another and none misses an event
//! after a crash. The live fan-out ([`live::LiveFanout`]) is one of them: it hands events to this
//! process's [`LiveHub`] (SQLite) or to every process over LISTEN/NOTIFY (PostgreSQL), and the hub
//! feeds the console's streams.

pub mod consumers;
pub mod domain;
pub mod feed;
pub mod live;
pub mod outbox;
pub mod presence;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

pub use consumers::Consumer;
pub use domain::{DomainEvent, FieldChange};
pub use wire::Wire;

use crate::tenancy::TenantId;

/// What this process's live streams receive.
#[derive(Debug, Clone)]
pub enum LiveMessage {
    /// A domain event of a tenant, from any process.
    Event { tenant_id: String, event: Arc<DomainEvent> },
    /// Who is viewing a ticket now.
    Presence { tenant_id: String, ticket_id: String, viewers: Vec<String> },
    /// Someone is typing in a ticket's chat: the visitor (`by_agent` false) or an agent.
    Typing { tenant_id: String, ticket_id: String, by_agent: bool },
}

impl LiveMessage {
    /// The tenant the message belongs to; streams only pass on their own tenant's.
    pub fn tenant_id(&self) -> &str {
        match self {
            LiveMessage::Event { tenant_id, .. }
            | LiveMessage::Presence { tenant_id, .. }
            | LiveMessage::Typing { tenant_id, .. } => tenant_id,
        }
    }
}

/// The in-process hub: a broadcast channel plus who is viewing which ticket.
pub struct LiveHub {
    tx: broadcast::Sender<LiveMessage>,
    /// Per-ticket channels for subscribers that follow one conversation (chat widgets).
    routes: Arc<feed::Routes>,
    // Turns true at shutdown so open streams end and graceful shutdown need not wait for them.
    closing: watch::Sender<bool>,
    /// Who is viewing which ticket, here and in other processes.
    pub presence: presence::Presence,
    // Bumped on every ticket change per tenant, so caches of derived data know to refresh.
    generations: Mutex<HashMap<String, u64>>,
    // Open live streams per holder (a console session), so one holder cannot tie up unbounded
    // connections and memory.
    streams: Mutex<HashMap<String, usize>>,
    // Typing notices for the other processes, until the live channel takes them (bounded).
    typing: Mutex<Vec<(String, String, bool)>>,
    // Open live streams per (tenant, agent): routing's auto offline asks who is still here.
    agent_streams: Mutex<HashMap<(String, String), usize>>,
}

/// Most typing notices waiting for the live channel; beyond it they are dropped (they are
/// only a hint, and the next keystroke sends another).
const TYPING_QUEUE: usize = 1000;

/// One open live stream of a holder; frees its place when dropped (the stream ended).
pub struct StreamSlot {
    hub: Arc<LiveHub>,
    holder: String,
    agent: Option<(String, String)>,
}

impl StreamSlot {
    /// Count this stream as the agent's (tenant, agent id) until it ends.
    pub fn for_agent(mut self, tenant: &str, agent: &str) -> Self {
        let key = (tenant.to_string(), agent.to_string());
        *self.hub.agent_streams.lock().unwrap_or_else(|p| p.into_inner()).entry(key.clone()).or_default() += 1;
        self.agent = Some(key);
        self
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Some(key) = self.agent.take() {
            let mut open = self.hub.agent_streams.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = open.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&key);
                }
            }
        }
        let mut open = self.hub.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.holder) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.holder);
            }
        }
    }
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            tx: broadcast::channel(1024).0,
            routes: Arc::default(),
            closing: watch::channel(false).0,
            presence: presence::Presence::default(),
            generations: Mutex::new(HashMap::new()),
            streams: Mutex::new(HashMap::new()),
            typing: Mutex::new(Vec::new()),
            agent_streams: Mutex::new(HashMap::new()),
        }
    }
}

impl LiveHub {
    /// Publish to every subscriber (they filter by tenant).
    pub fn publish(&self, m: LiveMessage) {
        if let LiveMessage::Event { tenant_id, event } = &m {
            if event.ticket().is_some() {
                self.bump(tenant_id);
            }
        }
        self.routes.route(&m);
        let _ = self.tx.send(m);
    }

    /// A feed of chosen tickets' messages only (see [`feed`]).
    pub fn feed(&self) -> feed::Feed {
        feed::Feed::new(self.routes.clone())
    }

    /// How many keys keyed feeds follow now.
    pub fn followed_keys(&self) -> usize {
        self.routes.len()
    }

    /// Publish a domain event to this process's streams.
    pub fn publish_event(&self, tenant_id: &str, event: DomainEvent) {
        self.publish(LiveMessage::Event { tenant_id: tenant_id.to_string(), event: Arc::new(event) });
    }

    /// A place for one more live stream of `holder`, or `None` when it already has `max` open.
    pub fn claim_stream(self: &Arc<Self>, holder: &str, max: usize) -> Option<StreamSlot> {
        let mut open = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(holder.to_string()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(StreamSlot { hub: self.clone(), holder: holder.to_string(), agent: None })
    }

    /// (tenant, agent id) of every agent with a live stream open in this process.
    pub fn agents_streaming(&self) -> Vec<(String, String)> {
        self.agent_streams.lock().unwrap_or_else(|p| p.into_inner()).keys().cloned().collect()
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
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Receive everything published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveMessage> {
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

    /// Someone is typing in a chat: tell this process's streams and (sharing a database) the
    /// others.
    pub fn publish_typing(&self, tenant: &str, ticket: &str, by_agent: bool) {
        self.publish(LiveMessage::Typing { tenant_id: tenant.into(), ticket_id: ticket.into(), by_agent });
        if self.presence.announcing() {
            let mut q = self.typing.lock().unwrap_or_else(|p| p.into_inner());
            if q.len() < TYPING_QUEUE {
                q.push((tenant.into(), ticket.into(), by_agent));
            }
        }
    }

    /// Messages for the other processes (presence announcements, typing), to send on the live
    /// channel.
    pub fn outgoing(&self) -> Vec<Wire> {
        let typing = std::mem::take(&mut *self.typing.lock().unwrap_or_else(|p| p.into_inner()));
        let (announcements, expired) = self.presence.take_outgoing();
        for (tenant, ticket) in expired {
            let viewers = self.presence.viewers(&tenant, &ticket);
            self.publish_presence(&tenant, &ticket, viewers);
        }
        let origin = &self.presence.process;
        announcements
            .into_iter()
            .map(|(tenant_id, ticket_id, viewers)| Wire::Presence {
                tenant_id,
                origin: origin.clone(),
                ticket_id,
                viewers,
            })
            .chain(typing.into_iter().map(|(tenant_id, ticket_id, by_agent)| Wire::Typing {
                tenant_id,
                origin: origin.clone(),
                ticket_id,
                by_agent,
            }))
            .collect()
    }

    /// Tell everyone who is viewing a ticket now.
    pub fn publish_presence(&self, tenant: &str, ticket: &str, viewers: Vec<String>) {
        self.publish(LiveMessage::Presence { tenant_id: tenant.into(), ticket_id: ticket.into(), viewers });
    }

    /// Take a message another process sent on the live channel (rate reports are not ours).
    pub fn receive(&self, m: Wire) {
        match m {
            Wire::Event { tenant_id, event } => self.publish_event(&tenant_id, event),
            Wire::Presence { tenant_id, origin, ticket_id, viewers } => {
                // Another process's viewers of a ticket: merge them with ours for our browsers.
                if self.presence.receive(&origin, &tenant_id, &ticket_id, viewers) {
                    let viewers = self.presence.viewers(&tenant_id, &ticket_id);
                    self.publish_presence(&tenant_id, &ticket_id, viewers);
                }
            }
            // Our own notices come back on the channel too: they were published here already.
            Wire::Typing { tenant_id, origin, ticket_id, by_agent } if origin != self.presence.process => {
                self.publish(LiveMessage::Typing { tenant_id, ticket_id, by_agent })
            }
            Wire::Typing { .. } | Wire::Rate { .. } => {}
        }
    }
}

/// Says that a transaction which recorded events has committed in this process: wakes the
/// consumers now instead of at their next poll, and marks the tenant's derived views stale
/// before the live event arrives. The job worker is not woken here: a ticket write enqueues no
/// job itself (consumers do, and wake it after their pass), and a claim attempt per commit cost
/// a round trip, on SQLite a write transaction, for nothing.
#[derive(Clone)]
pub struct Changes {
    hub: Arc<LiveHub>,
    consumers: Arc<watch::Sender<u64>>,
}

impl Changes {
    /// Signals for this hub.
    pub fn new(hub: Arc<LiveHub>) -> Self {
        Changes { hub, consumers: Arc::new(watch::channel(0).0) }
    }

    /// A tenant's data changed (and events may be waiting).
    pub fn committed(&self, tenant: &TenantId) {
        self.hub.bump(tenant.as_str());
        self.consumers.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes the holder whenever [`Changes::committed`] is called.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.consumers.subscribe()
    }
}
