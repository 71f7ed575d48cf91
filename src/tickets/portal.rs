//! What a customer sees of their own tickets on the help center's portal: a ticket only when
//! they asked it, its public replies only (never an internal note, never a system line meant
//! for agents), and the files of those replies only. Anything else is `NotFound`, so another
//! contact's or another tenant's ticket looks exactly like one that does not exist.

use std::collections::HashMap;

use diesel::prelude::*;

use super::attachments::Attachment;
use super::queries::{timeline, TimelineItem};
use super::{MessageKind, Ticket};
use crate::db::schema::{messages, tickets};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// The ticket `key` (its number, else its id) when `contact_id` asked it. A ticket merged into
/// another of theirs answers as that one, where its conversation goes on.
pub fn find(conn: &mut DbConnection, tenant: &TenantId, contact_id: &str, key: &str) -> AppResult<Ticket> {
    let q = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::requester_id.eq(contact_id))
        .select(Ticket::as_select())
        .into_boxed();
    let q = match key.parse::<i64>() {
        Ok(n) => q.filter(tickets::number.eq(n)),
        Err(_) => q.filter(tickets::id.eq(key)),
    };
    let t: Ticket = q.first(conn)?;
    match &t.merged_into_id {
        Some(into) => match find(conn, tenant, contact_id, into.as_str()) {
            Ok(target) => Ok(target),
            // Merged into someone else's ticket: theirs stays theirs; this one shows as it was.
            Err(AppError::NotFound) => Ok(t),
            Err(e) => Err(e),
        },
        None => Ok(t),
    }
}

/// The public replies of a ticket, oldest first, with their authors' names (agents by the name
/// they have in the console, as replies by mail show them) and files.
pub fn public_messages(conn: &mut DbConnection, tenant: &TenantId, ticket: &Ticket) -> AppResult<Vec<TimelineItem>> {
    let agents: HashMap<String, String> =
        crate::accounts::agents::list(conn, tenant)?.into_iter().map(|a| (a.id.to_string(), a.name)).collect();
    Ok(timeline(conn, tenant, ticket, &agents)?.into_iter().filter(|m| m.message.kind == MessageKind::Reply).collect())
}

/// An attachment of a public reply on one of `contact_id`'s tickets.
pub fn attachment(conn: &mut DbConnection, tenant: &TenantId, contact_id: &str, id: &str) -> AppResult<Attachment> {
    let a = super::attachments::get(conn, tenant, id)?;
    let owner: String =
        tickets::table.find((tenant.as_str(), a.ticket_id.as_str())).select(tickets::requester_id).first(conn)?;
    let kind: MessageKind =
        messages::table.find((tenant.as_str(), a.message_id.as_str())).select(messages::kind).first(conn)?;
    if owner != contact_id || kind != MessageKind::Reply {
        return Err(AppError::NotFound);
    }
    Ok(a)
}
