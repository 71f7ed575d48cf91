//! Typed domain events: what changed, as every consumer (live fan-out, webhooks, search, mail,
//! SLA timers) receives it. Written to the outbox in the transaction that made the change.

use serde::{Deserialize, Serialize};

use crate::types::{Actor, Channel, ContactId, MessageId, MessageKind, Status, TicketId};

/// One field of a ticket before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Something that happened in a tenant. The tag is the event type webhooks will carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DomainEvent {
    /// A ticket was opened (through any channel), with its first message: that message has no
    /// `message.created` of its own.
    #[serde(rename = "ticket.created")]
    TicketCreated {
        ticket_id: TicketId,
        number: i64,
        channel: Channel,
        requester_id: ContactId,
        message_id: MessageId,
        actor: Actor,
    },
    /// Fields of a ticket changed; one event lists every field the command changed.
    #[serde(rename = "ticket.updated")]
    TicketUpdated { ticket_id: TicketId, number: i64, changes: Vec<FieldChange>, actor: Actor },
    /// The assignee changed (also part of the matching `ticket.updated`).
    #[serde(rename = "ticket.assigned")]
    TicketAssigned { ticket_id: TicketId, number: i64, before: Option<String>, after: Option<String>, actor: Actor },
    /// The status changed (also part of the matching `ticket.updated` when a command set it).
    #[serde(rename = "ticket.status_changed")]
    TicketStatusChanged { ticket_id: TicketId, number: i64, before: Status, after: Status, actor: Actor },
    /// A reply, note or system message was added to a ticket.
    #[serde(rename = "message.created")]
    MessageCreated {
        ticket_id: TicketId,
        number: i64,
        message_id: MessageId,
        kind: MessageKind,
        channel: Channel,
        actor: Actor,
    },
    /// A ticket was merged into another; it lives on in the target.
    #[serde(rename = "ticket.merged")]
    TicketMerged { ticket_id: TicketId, number: i64, into_id: TicketId, into_number: i64, actor: Actor },
    /// The requester rated a solved ticket (or changed their rating: `previous_score` is set).
    #[serde(rename = "csat.rated")]
    CsatRated { ticket_id: TicketId, number: i64, score: i32, previous_score: Option<i32>, actor: Actor },
    /// A contact (end user) was created.
    #[serde(rename = "contact.created")]
    ContactCreated { contact_id: ContactId, email: String },
    /// Contact `from_id` was merged into `contact_id`: its tickets (each with a `ticket.updated`
    /// of `requester_id`) and addresses now belong to `contact_id`.
    #[serde(rename = "contact.merged")]
    ContactMerged { contact_id: ContactId, from_id: ContactId, tickets_moved: i64, actor: Actor },
}

impl DomainEvent {
    /// The event type (`ticket.created`, …), as stored and as webhooks name it.
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::TicketCreated { .. } => "ticket.created",
            DomainEvent::TicketUpdated { .. } => "ticket.updated",
            DomainEvent::TicketAssigned { .. } => "ticket.assigned",
            DomainEvent::TicketStatusChanged { .. } => "ticket.status_changed",
            DomainEvent::MessageCreated { .. } => "message.created",
            DomainEvent::TicketMerged { .. } => "ticket.merged",
            DomainEvent::CsatRated { .. } => "csat.rated",
            DomainEvent::ContactCreated { .. } => "contact.created",
            DomainEvent::ContactMerged { .. } => "contact.merged",
        }
    }

    /// The ticket the event is about, if any (every ticket event has one: the type says so).
    pub fn ticket(&self) -> Option<(&TicketId, i64)> {
        match self {
            DomainEvent::TicketCreated { ticket_id, number, .. }
            | DomainEvent::TicketUpdated { ticket_id, number, .. }
            | DomainEvent::TicketAssigned { ticket_id, number, .. }
            | DomainEvent::TicketStatusChanged { ticket_id, number, .. }
            | DomainEvent::MessageCreated { ticket_id, number, .. }
            | DomainEvent::TicketMerged { ticket_id, number, .. }
            | DomainEvent::CsatRated { ticket_id, number, .. } => Some((ticket_id, *number)),
            DomainEvent::ContactCreated { .. } | DomainEvent::ContactMerged { .. } => None,
        }
    }

    /// Who caused it, if a person or token did.
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            DomainEvent::TicketCreated { actor, .. }
            | DomainEvent::TicketUpdated { actor, .. }
            | DomainEvent::TicketAssigned { actor, .. }
            | DomainEvent::TicketStatusChanged { actor, .. }
            | DomainEvent::MessageCreated { actor, .. }
            | DomainEvent::TicketMerged { actor, .. }
            | DomainEvent::CsatRated { actor, .. }
            | DomainEvent::ContactMerged { actor, .. } => Some(actor),
            DomainEvent::ContactCreated { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_with_their_type_tag() {
        let e = DomainEvent::TicketStatusChanged {
            ticket_id: TicketId::new("t1"),
            number: 7,
            before: Status::New,
            after: Status::Solved,
            actor: Actor::Agent("a1".into()),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "ticket.status_changed");
        assert_eq!(json["after"], "solved");
        assert_eq!(json["actor"], serde_json::json!({"type": "agent", "id": "a1"}));
        assert_eq!(serde_json::from_value::<DomainEvent>(json).unwrap(), e);
        assert_eq!(e.kind(), "ticket.status_changed");
    }

    #[test]
    fn an_event_without_a_ticket_id_does_not_parse() {
        let json = serde_json::json!({"type": "ticket.created", "number": 1, "channel": "api",
            "requester_id": "c", "message_id": "m", "actor": {"type": "system"}});
        assert!(serde_json::from_value::<DomainEvent>(json).is_err());
    }
}
