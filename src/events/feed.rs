//! Keyed live feeds: a subscriber that cares about one ticket (a chat widget's conversation)
//! hears only that ticket's messages, instead of every message of the process.
//!
//! Ten thousand widget sockets on the process-wide broadcast meant every event woke ten thousand
//! tasks, each to drop it: at a thousand chat messages a second, ten million wake-ups. Here each
//! key (a tenant's ticket, or a tenant's contact for conversations another tab opens) has a small
//! broadcast channel of its own that exists while someone follows it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast::{self, error::RecvError};

use super::{DomainEvent, LiveMessage};

/// Messages a key's channel holds for a slow follower before it lags (and re-reads the database).
const PER_KEY: usize = 32;

/// What a feed can follow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// Everything about one ticket of a tenant (its events and typing notices).
    Ticket { tenant: String, ticket: String },
    /// Tickets opened for one contact of a tenant.
    Requester { tenant: String, contact: String },
}

/// The channels of the keys someone follows.
#[derive(Default)]
pub struct Routes {
    channels: Mutex<HashMap<Key, broadcast::Sender<LiveMessage>>>,
}

impl Routes {
    /// Hand `m` to the followers of each key it concerns.
    pub fn route(&self, m: &LiveMessage) {
        let keys = keys_of(m);
        if keys.is_empty() {
            return;
        }
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if channels.is_empty() {
            return;
        }
        for k in keys {
            if let Some(tx) = channels.get(&k) {
                let _ = tx.send(m.clone());
            }
        }
    }

    fn subscribe(&self, key: &Key) -> broadcast::Receiver<LiveMessage> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.entry(key.clone()).or_insert_with(|| broadcast::channel(PER_KEY).0).subscribe()
    }

    /// Forget a key's channel once its last follower has gone.
    fn release(&self, key: &Key, rx: broadcast::Receiver<LiveMessage>) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        // Dropped under the lock, so a follower subscribing meanwhile is counted.
        drop(rx);
        if channels.get(key).is_some_and(|tx| tx.receiver_count() == 0) {
            channels.remove(key);
        }
    }

    /// Keys with a channel now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.channels.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no key is followed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The keys a message concerns.
fn keys_of(m: &LiveMessage) -> Vec<Key> {
    match m {
        LiveMessage::Event { tenant_id, event } => {
            let mut keys = Vec::with_capacity(2);
            if let Some((ticket, _)) = event.ticket() {
                keys.push(Key::Ticket { tenant: tenant_id.clone(), ticket: ticket.to_string() });
            }
            if let DomainEvent::TicketCreated { requester_id, .. } = &**event {
                keys.push(Key::Requester { tenant: tenant_id.clone(), contact: requester_id.to_string() });
            }
            keys
        }
        LiveMessage::Typing { tenant_id, ticket_id, .. } | LiveMessage::Presence { tenant_id, ticket_id, .. } => {
            vec![Key::Ticket { tenant: tenant_id.clone(), ticket: ticket_id.clone() }]
        }
    }
}

/// One subscriber's keys; follows nothing until told to.
pub struct Feed {
    routes: Arc<Routes>,
    followed: Vec<(Key, broadcast::Receiver<LiveMessage>)>,
}

impl Feed {
    /// A feed over `routes` following nothing yet.
    pub fn new(routes: Arc<Routes>) -> Self {
        Feed { routes, followed: Vec::new() }
    }

    /// Follow exactly `keys`; returns whether that changed anything. Messages published before a
    /// key is followed are not received: a caller re-reads the database after a change.
    pub fn follow(&mut self, keys: Vec<Key>) -> bool {
        if self.followed.len() == keys.len() && self.followed.iter().zip(&keys).all(|((k, _), n)| k == n) {
            return false;
        }
        for (k, rx) in std::mem::take(&mut self.followed) {
            self.routes.release(&k, rx);
        }
        self.followed = keys.into_iter().map(|k| (k.clone(), self.routes.subscribe(&k))).collect();
        true
    }

    /// The next message of any followed key; never resolves while nothing is followed.
    pub async fn recv(&mut self) -> Result<LiveMessage, RecvError> {
        match self.followed.as_mut_slice() {
            [] => std::future::pending().await,
            [(_, a)] => a.recv().await,
            [(_, a), (_, b)] => tokio::select! { m = a.recv() => m, m = b.recv() => m },
            many => {
                let futures = many.iter_mut().map(|(_, rx)| Box::pin(rx.recv()));
                futures_util::future::select_all(futures).await.0
            }
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        for (k, rx) in std::mem::take(&mut self.followed) {
            self.routes.release(&k, rx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Actor, Channel, MessageId, MessageKind, TicketId};

    fn message_created(tenant: &str, ticket: &str) -> LiveMessage {
        LiveMessage::Event {
            tenant_id: tenant.into(),
            event: Arc::new(DomainEvent::MessageCreated {
                ticket_id: TicketId::new(ticket),
                number: 1,
                message_id: MessageId::new("m1"),
                kind: MessageKind::Reply,
                channel: Channel::Chat,
                actor: Actor::System,
            }),
        }
    }

    #[tokio::test]
    async fn a_feed_hears_its_keys_only_and_channels_go_with_their_followers() {
        let routes = Arc::new(Routes::default());
        let mut mine = Feed::new(routes.clone());
        let key = Key::Ticket { tenant: "t1".into(), ticket: "a".into() };
        assert!(mine.follow(vec![key.clone()]));
        assert!(!mine.follow(vec![key.clone()]), "the same keys change nothing");
        routes.route(&message_created("t1", "b"));
        routes.route(&message_created("t2", "a"));
        routes.route(&message_created("t1", "a"));
        let got = mine.recv().await.unwrap();
        assert!(matches!(got, LiveMessage::Event { ref tenant_id, .. } if tenant_id == "t1"));
        assert!(matches!(&got, LiveMessage::Event { event, .. } if event.ticket().unwrap().0.as_str() == "a"));
        let mut other = Feed::new(routes.clone());
        other.follow(vec![key]);
        assert_eq!(routes.len(), 1);
        drop(mine);
        assert_eq!(routes.len(), 1, "still followed by the other feed");
        other.follow(vec![]);
        assert!(routes.is_empty(), "a key nobody follows has no channel");
    }
}
