//! Merging one ticket into another: messages and attachments move, the source closes and points
//! at its target.

use diesel::prelude::*;

use super::commands::{get, new_message, record_domain, record_event};
use super::{Actor, Channel, MessageKind, Status, Ticket, TicketId};
use crate::db::schema::{attachments, messages, tickets};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::DomainEvent;
use crate::tenancy::TenantId;

/// Whether `source` may be merged into `target`: two different tickets, neither closed nor merged.
/// The console's merge preview asks this before it offers the merge.
pub fn check(source: &Ticket, target: &Ticket) -> AppResult<()> {
    if source.id == target.id {
        return Err(AppError::invalid("target", "error-merge-self", "a ticket cannot be merged into itself"));
    }
    if source.merged_into_id.is_some()
        || source.status == Status::Closed
        || target.status == Status::Closed
        || target.merged_into_id.is_some()
    {
        return Err(AppError::invalid("target", "error-merge-closed", "closed or merged tickets cannot be merged"));
    }
    Ok(())
}

/// Merge `source` into `target`: messages and attachments move, the source closes and points at the target.
pub fn merge(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    source_id: &TicketId,
    target_id: &TicketId,
) -> AppResult<Ticket> {
    if source_id == target_id {
        return Err(AppError::invalid("target", "error-merge-self", "a ticket cannot be merged into itself"));
    }
    let source = get(conn, tenant, source_id)?;
    let mut target = get(conn, tenant, target_id).map_err(|e| match e {
        AppError::NotFound => AppError::invalid("target", "error-merge-target", "no ticket with this number or id"),
        other => other,
    })?;
    check(&source, &target)?;
    let moved = diesel::update(
        messages::table.filter(messages::tenant_id.eq(tenant.as_str())).filter(messages::ticket_id.eq(&source.id)),
    )
    .set(messages::ticket_id.eq(&target.id))
    .execute(conn)?;
    diesel::update(
        attachments::table
            .filter(attachments::tenant_id.eq(tenant.as_str()))
            .filter(attachments::ticket_id.eq(&source.id)),
    )
    .set(attachments::ticket_id.eq(&target.id))
    .execute(conn)?;
    let note = SystemNote::merged(source.number, target.number);
    let target_note = note.insert(conn, tenant, &target.id)?;
    let source_note = note.insert(conn, tenant, &source.id)?;
    let ts = now();
    diesel::update(tickets::table.find((tenant.as_str(), &source.id)))
        .set((
            tickets::status.eq(Status::Closed),
            tickets::is_open.eq(false),
            tickets::merged_into_id.eq(&target.id),
            tickets::message_count.eq(1),
            tickets::version.eq(source.version + 1),
            tickets::updated_at.eq(ts),
        ))
        .execute(conn)?;
    target.message_count += moved as i32 + 1;
    target.version += 1;
    target.updated_at = ts;
    diesel::update(tickets::table.find((tenant.as_str(), &target.id)))
        .set((
            tickets::message_count.eq(target.message_count),
            tickets::version.eq(target.version),
            tickets::updated_at.eq(ts),
        ))
        .execute(conn)?;
    record_event(
        conn,
        tenant,
        &source.id,
        actor,
        "merged",
        Some("merged_into"),
        None,
        Some(&format!("#{}", target.number)),
    )?;
    record_event(
        conn,
        tenant,
        &target.id,
        actor,
        "merged",
        Some("merged_from"),
        None,
        Some(&format!("#{}", source.number)),
    )?;
    let note_event = |t: &Ticket, m: &super::Message| DomainEvent::MessageCreated {
        ticket_id: t.id.as_str().into(),
        number: t.number,
        message_id: m.id.as_str().into(),
        kind: MessageKind::System,
        channel: Channel::Web,
        actor: Actor::System,
    };
    let events = [
        DomainEvent::TicketMerged {
            ticket_id: source.id.as_str().into(),
            number: source.number,
            into_id: target.id.as_str().into(),
            into_number: target.number,
            actor: actor.clone(),
        },
        DomainEvent::TicketStatusChanged {
            ticket_id: source.id.as_str().into(),
            number: source.number,
            before: source.status,
            after: Status::Closed,
            actor: actor.clone(),
        },
        note_event(&source, &source_note),
        note_event(&target, &target_note),
    ];
    record_domain(conn, tenant, &events)?;
    Ok(target)
}

/// A system message: stored with its Fluent key and arguments so that the console can show it in
/// the viewer's language, and with its English text in `body_text` for API clients.
struct SystemNote {
    key: &'static str,
    args: serde_json::Value,
    english: String,
}

impl SystemNote {
    /// "#5 was merged into #4" (`system-merged`; keep the English in step with locales/en).
    fn merged(source: i64, target: i64) -> Self {
        SystemNote {
            key: "system-merged",
            args: serde_json::json!({"source": source.to_string(), "target": target.to_string()}),
            english: format!("#{source} was merged into #{target}"),
        }
    }

    fn insert(&self, conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<super::Message> {
        let m = new_message(tenant, ticket_id, MessageKind::System, &Actor::System, Channel::Web, &self.english, None);
        diesel::insert_into(messages::table)
            .values((&m, messages::system_key.eq(self.key), messages::system_args.eq(self.args.to_string())))
            .execute(conn)?;
        Ok(m)
    }
}
