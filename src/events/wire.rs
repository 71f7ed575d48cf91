//! What travels between server processes on the PostgreSQL live channel: one tagged envelope for
//! domain events, presence announcements, chat typing and API rate reports.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::DomainEvent;

/// The channel live messages travel on between processes.
pub const LIVE_CHANNEL: &str = "meridian_live";

/// One message on the live channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "wire", rename_all = "snake_case")]
pub enum Wire {
    /// A committed domain event, for every process's streams.
    Event { tenant_id: String, event: DomainEvent },
    /// A process's own viewers of a ticket (it re-announces them periodically).
    Presence { tenant_id: String, origin: String, ticket_id: String, viewers: Vec<String> },
    /// Someone is typing in a ticket's chat (for the widget or the agents elsewhere).
    Typing {
        tenant_id: String,
        origin: String,
        ticket_id: String,
        #[serde(default)]
        by_agent: bool,
    },
    /// What a process's API tokens used since its last report.
    Rate { origin: String, used: HashMap<String, u32> },
}

impl Wire {
    /// The payload to send.
    pub fn encode(&self) -> Option<String> {
        match serde_json::to_string(self) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot encode a live message");
                None
            }
        }
    }

    /// Parse a received payload; a malformed one is logged and dropped (it came from a peer
    /// process of another version, or a manual NOTIFY).
    pub fn decode(payload: &str) -> Option<Wire> {
        match serde_json::from_str(payload) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "ignoring a malformed live message");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_one_envelope() {
        let msgs = vec![
            Wire::Event {
                tenant_id: "t".into(),
                event: DomainEvent::ContactCreated { contact_id: "c".into(), email: "a@b.example".into() },
            },
            Wire::Presence { tenant_id: "t".into(), origin: "p".into(), ticket_id: "k".into(), viewers: vec![] },
            Wire::Rate { origin: "p".into(), used: [("tok".to_string(), 3)].into_iter().collect() },
            Wire::Typing { tenant_id: "t".into(), origin: "p".into(), ticket_id: "k".into(), by_agent: true },
        ];
        for m in msgs {
            assert_eq!(Wire::decode(&m.encode().unwrap()), Some(m));
        }
        assert_eq!(Wire::decode("{\"wire\":\"nonsense\"}"), None);
    }
}
