//! Pages of a text search that take more than one statement: a requester search's ids chosen
//! from `tickets_requester` before its rows are read (SQLite), and the walk a search over message
//! bodies makes through the view before any index.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{ordered, CursorData, Filter, Narrowing, Sort, Ticket};
use crate::db::schema::tickets;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::tenancy::TenantId;

/// Whether every candidate of the narrowing is a ticket of a matching requester: no subject or
/// body named another ticket.
pub(super) fn only_requesters(narrowed: &Narrowing) -> bool {
    narrowed.through.is_some() && narrowed.ids.as_ref().is_some_and(Vec::is_empty)
}

/// The filter each row is checked against: without its text when [`only_requesters`], since the
/// text then holds for every candidate (the requester's name or email has it), and its check
/// would read each row's subject besides.
pub(super) fn checked_filter(filter: &Filter, narrowed: &Narrowing) -> Filter {
    if only_requesters(narrowed) {
        Filter { q: None, bodies: false, ..filter.clone() }
    } else {
        filter.clone()
    }
}

/// SQLite: the page of a search whose candidates are the tickets of matching requesters, chosen
/// from `tickets_requester` alone (it carries the view's and sorts' columns: 4,444 tickets of
/// 1,111 contacts filtered and ordered in 3 ms where reading their rows took 10 ms at 1M), then
/// those rows read by primary key.
#[allow(clippy::too_many_arguments)] // `list_with_cap`'s arguments
pub(super) fn page_of_requesters(
    conn: &mut DbConnection,
    tenant: &TenantId,
    me: &str,
    checked: &Filter,
    narrowed: Narrowing,
    sort: Sort,
    cursor: Option<&CursorData>,
    limit: i64,
) -> AppResult<Vec<Ticket>> {
    let ids: Vec<String> =
        ordered(conn, tenant, me, checked, narrowed, sort, cursor).limit(limit + 1).select(tickets::id).load(conn)?;
    let rows = Narrowing { ids: Some(ids), ..Narrowing::default() };
    Ok(ordered(conn, tenant, me, checked, rows, sort, None).limit(limit + 1).select(Ticket::as_select()).load(conn)?)
}

/// Rows of the view a search over message bodies reads first per row of the page, in order,
/// checking each ticket's messages as it goes. A common word (one ticket in eight or more) fills
/// a page within them. Per row of the page, not a fixed window: a text found nowhere in them goes
/// on to the body index at once, so the search page's 20 hits pay 168 rows for a rare text where
/// a fixed 400 cost PostgreSQL 37 ms at 1M.
const FIRST_WALK_PER_ROW: i64 = 8;

/// Most rows the walk reads in all when its first rows held some matches but too few: a text
/// found there is common enough that walking on finds the page (`无法登录`, about one ticket in
/// twenty: 16 ms on PostgreSQL, against 50 ms through the index, which holds too many to drive
/// the list and so walks the view from its start again).
const WALK_AT_MOST: i64 = 400;

/// The page (`limit` + 1 rows) from the first rows of the view after the cursor (`tagged`: its
/// tag's narrowing): [`FIRST_WALK_PER_ROW`] × (`limit` + 1) of them, then on up to
/// [`WALK_AT_MOST`] if those held a match. `None` when the walk stops short of a page and of the
/// view's end.
#[allow(clippy::too_many_arguments)] // `list_with_cap`'s arguments
pub(super) fn walk_first(
    conn: &mut DbConnection,
    tenant: &TenantId,
    me: &str,
    filter: &Filter,
    tagged: &Narrowing,
    sort: Sort,
    cursor: Option<&CursorData>,
    limit: i64,
) -> AppResult<Option<Vec<Ticket>>> {
    let plain = Filter { q: None, bodies: false, ..filter.clone() };
    let first = FIRST_WALK_PER_ROW * (limit + 1);
    let mut page: Vec<Ticket> = Vec::new();
    let mut from: Option<CursorData> = cursor.cloned();
    for rows in [first, WALK_AT_MOST.saturating_sub(first)] {
        if rows <= 0 {
            break;
        }
        let window: Vec<(String, i32, NaiveDateTime, NaiveDateTime)> =
            ordered(conn, tenant, me, &plain, tagged.clone(), sort, from.as_ref())
                .limit(rows)
                .select((tickets::id, tickets::priority_rank, tickets::created_at, tickets::updated_at))
                .load(conn)?;
        let whole_rest = (window.len() as i64) < rows;
        let next = window
            .last()
            .map(|(id, rank, created, updated)| CursorData::after_row(sort, *rank, *created, *updated, id.clone()));
        // No requesters or bodies named: each of these few rows probes its contact and messages.
        let within = Narrowing { ids: Some(window.into_iter().map(|w| w.0).collect()), ..Narrowing::default() };
        let found: Vec<Ticket> = ordered(conn, tenant, me, filter, within, sort, from.as_ref())
            .limit(limit + 1 - page.len() as i64)
            .select(Ticket::as_select())
            .load(conn)?;
        page.extend(found);
        if whole_rest || page.len() as i64 > limit {
            return Ok(Some(page));
        }
        if page.is_empty() {
            // Nothing in the first rows: the text is rare, and its index answers it.
            return Ok(None);
        }
        from = next;
    }
    Ok(None)
}
