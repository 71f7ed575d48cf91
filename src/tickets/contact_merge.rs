//! Merging two contacts who are one person: the merged contact's tickets, the messages it wrote
//! on them and its chat visitors move to the survivor in one transaction; it is kept as a
//! tombstone pointing at the survivor, with its email, so that later mail from that address
//! files to the survivor (`contacts::by_email` follows the pointer) and old links still resolve.
//! Deleting it instead would free the address for a new contact and break the audit trail's ids.

use diesel::prelude::*;
use serde::Serialize;

use super::commands::{new_event, record_domain};
use super::{Actor, ContactId};
use crate::accounts::contacts::{self, Contact};
use crate::db::schema::{chat_visitors, contacts as contacts_t, messages, ticket_events, tickets};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::{DomainEvent, FieldChange};
use crate::tenancy::TenantId;

/// What a merge did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Merged {
    /// The surviving contact, after the merge.
    pub contact: Contact,
    /// The id of the contact merged into it (now a tombstone).
    pub from_id: ContactId,
    /// How many tickets moved.
    pub tickets_moved: i64,
}

/// Whether `from` may be merged into `into`: two different contacts, neither merged already.
/// The console's preview asks this before it offers the merge.
pub fn check(into: &Contact, from: &Contact) -> AppResult<()> {
    if into.id == from.id {
        return Err(AppError::invalid("from_id", "error-contact-merge-self", "a contact cannot be merged into itself"));
    }
    if into.merged_into_id.is_some() || from.merged_into_id.is_some() {
        return Err(AppError::invalid("from_id", "error-contact-merge-merged", "that contact was already merged"));
    }
    Ok(())
}

/// The contact `from_id` names, or a field error: the path names the survivor (404 when unknown),
/// the body names the other.
pub fn other(conn: &mut DbConnection, tenant: &TenantId, from_id: &str) -> AppResult<Contact> {
    contacts::get(conn, tenant, &from_id.into()).map_err(|e| match e {
        AppError::NotFound => AppError::invalid("from_id", "error-contact-merge-unknown", "no contact with this id"),
        other => other,
    })
}

fn label(c: &Contact) -> String {
    match &c.email {
        Some(e) => format!("{} <{e}>", c.name),
        None => c.name.clone(),
    }
}

/// Merge contact `from_id` into `into_id`; every moved ticket gets an audit event and a
/// `ticket.updated`, and the merge a `contact.merged`.
pub fn merge(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    into_id: &ContactId,
    from_id: &str,
) -> AppResult<Merged> {
    if into_id.as_str() == from_id {
        return Err(AppError::invalid("from_id", "error-contact-merge-self", "a contact cannot be merged into itself"));
    }
    let into = contacts::get(conn, tenant, into_id)?;
    let from = other(conn, tenant, from_id)?;
    check(&into, &from)?;
    let t = tenant.as_str();
    let ts = now();
    // Conditional updates first: of two merges racing for one of these contacts, the second
    // waits on the row and then matches nothing.
    let marked = diesel::update(contacts_t::table.find((t, from.id.as_str())))
        .filter(contacts_t::merged_into_id.is_null())
        .set((contacts_t::merged_into_id.eq(into.id.as_str()), contacts_t::updated_at.eq(ts)))
        .execute(conn)?;
    let notes = match (&into.notes, &from.notes) {
        (Some(a), Some(b)) => Some(format!("{a}\n\n{b}")),
        (a, b) => a.clone().or_else(|| b.clone()),
    };
    let kept = diesel::update(contacts_t::table.find((t, into.id.as_str())))
        .filter(contacts_t::merged_into_id.is_null())
        .set((
            contacts_t::locale.eq(into.locale.clone().or_else(|| from.locale.clone())),
            contacts_t::vip.eq(into.vip || from.vip),
            contacts_t::notes.eq(&notes),
            contacts_t::updated_at.eq(ts),
        ))
        .execute(conn)?;
    if marked == 0 || kept == 0 {
        return Err(AppError::invalid("from_id", "error-contact-merge-merged", "that contact was already merged"));
    }
    // Contacts merged into the loser earlier now point at the survivor: one hop at most.
    diesel::update(
        contacts_t::table.filter(contacts_t::tenant_id.eq(t)).filter(contacts_t::merged_into_id.eq(&from.id)),
    )
    .set(contacts_t::merged_into_id.eq(into.id.as_str()))
    .execute(conn)?;
    let moved: Vec<(String, i64)> = tickets::table
        .filter(tickets::tenant_id.eq(t))
        .filter(tickets::requester_id.eq(from.id.as_str()))
        .select((tickets::id, tickets::number))
        .load(conn)?;
    if !moved.is_empty() {
        diesel::update(
            tickets::table.filter(tickets::tenant_id.eq(t)).filter(tickets::requester_id.eq(from.id.as_str())),
        )
        .set((
            tickets::requester_id.eq(into.id.as_str()),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(ts),
        ))
        .execute(conn)?;
        let ids: Vec<&str> = moved.iter().map(|(id, _)| id.as_str()).collect();
        diesel::update(
            messages::table
                .filter(messages::tenant_id.eq(t))
                .filter(messages::ticket_id.eq_any(&ids))
                .filter(messages::author_type.eq("contact"))
                .filter(messages::author_id.eq(from.id.as_str())),
        )
        .set(messages::author_id.eq(into.id.as_str()))
        .execute(conn)?;
        let (before, after) = (label(&from), label(&into));
        let audit: Vec<_> = moved
            .iter()
            .map(|(id, _)| new_event(tenant, id, actor, "changed", Some("requester"), Some(&before), Some(&after)))
            .collect();
        crate::db::on_backend!(conn, |c| diesel::insert_into(ticket_events::table).values(&audit).execute(c))?;
    }
    diesel::update(
        chat_visitors::table
            .filter(chat_visitors::tenant_id.eq(t))
            .filter(chat_visitors::contact_id.eq(from.id.as_str())),
    )
    .set(chat_visitors::contact_id.eq(into.id.as_str()))
    .execute(conn)?;
    let mut events: Vec<DomainEvent> = moved
        .iter()
        .map(|(id, number)| DomainEvent::TicketUpdated {
            ticket_id: id.as_str().into(),
            number: *number,
            changes: vec![FieldChange {
                field: "requester_id".into(),
                before: Some(from.id.to_string()),
                after: Some(into.id.to_string()),
            }],
            actor: actor.clone(),
        })
        .collect();
    events.push(DomainEvent::ContactMerged {
        contact_id: into.id.clone(),
        from_id: from.id.clone(),
        tickets_moved: moved.len() as i64,
        actor: actor.clone(),
    });
    record_domain(conn, tenant, &events)?;
    Ok(Merged { contact: contacts::get(conn, tenant, &into.id)?, from_id: from.id, tickets_moved: moved.len() as i64 })
}
