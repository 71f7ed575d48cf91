//! Tickets by who asked: all of a contact's, across channels, and all of an organisation's,
//! newest first, a page at a time. The cursor is the last listed ticket's id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Ticket;
use crate::db::schema::{contacts, tickets};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// One page of tickets and the cursor of the next, if there is one.
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    pub next: Option<String>,
}

fn bad_cursor() -> AppError {
    AppError::invalid("cursor", "error-cursor-invalid", "the cursor is not one this server issued")
}

/// Where the page after `cursor` starts: the listed ticket's creation time and id.
fn position(conn: &mut DbConnection, tenant: &TenantId, cursor: &str) -> AppResult<(NaiveDateTime, String)> {
    let at: Option<NaiveDateTime> =
        tickets::table.find((tenant.as_str(), cursor)).select(tickets::created_at).first(conn).optional()?;
    Ok((at.ok_or_else(bad_cursor)?, cursor.to_string()))
}

fn page(mut rows: Vec<Ticket>, limit: i64) -> TicketPage {
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|t| t.id.to_string())
    } else {
        None
    };
    TicketPage { tickets: rows, next }
}

/// A contact's tickets (every channel; merged tickets too), newest first, along `tickets_requester`.
pub fn of_contact(
    conn: &mut DbConnection,
    tenant: &TenantId,
    contact_id: &str,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<TicketPage> {
    let mut q = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::requester_id.eq(contact_id))
        .order((tickets::created_at.desc(), tickets::id.desc()))
        .limit(limit + 1)
        .select(Ticket::as_select())
        .into_boxed();
    if let Some(c) = cursor {
        let (at, id) = position(conn, tenant, c)?;
        q = q.filter(tickets::created_at.lt(at).or(tickets::created_at.eq(at).and(tickets::id.lt(id))));
    }
    Ok(page(q.load(conn)?, limit))
}

/// The tickets of every contact at `domain`, newest first.
pub fn of_domain(
    conn: &mut DbConnection,
    tenant: &TenantId,
    domain: &str,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<TicketPage> {
    let mut q = tickets::table
        .inner_join(
            contacts::table.on(contacts::tenant_id.eq(tickets::tenant_id).and(contacts::id.eq(tickets::requester_id))),
        )
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(contacts::email_domain.eq(domain))
        .order((tickets::created_at.desc(), tickets::id.desc()))
        .limit(limit + 1)
        .select(Ticket::as_select())
        .into_boxed();
    if let Some(c) = cursor {
        let (at, id) = position(conn, tenant, c)?;
        q = q.filter(tickets::created_at.lt(at).or(tickets::created_at.eq(at).and(tickets::id.lt(id))));
    }
    Ok(page(q.load(conn)?, limit))
}

/// How many tickets a contact has asked.
pub fn count_of_contact(conn: &mut DbConnection, tenant: &TenantId, contact_id: &str) -> AppResult<i64> {
    Ok(tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::requester_id.eq(contact_id))
        .count()
        .get_result(conn)?)
}
