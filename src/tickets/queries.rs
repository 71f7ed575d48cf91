//! Read side: inbox views with filters and keyset pagination, counts, the ticket page.

use std::collections::HashMap;

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde::{Deserialize, Serialize};

use super::text_search;
use super::{Channel, Priority, Status, Ticket};
use crate::db::schema::{agents, contacts, messages, ticket_tags, tickets};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// The built-in inbox views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    MyOpen,
    Unassigned,
    AllOpen,
    Pending,
    Solved,
}

impl View {
    /// Every built-in view, in console order.
    pub const ALL: [View; 5] = [View::MyOpen, View::Unassigned, View::AllOpen, View::Pending, View::Solved];

    /// The URL and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            View::MyOpen => "my_open",
            View::Unassigned => "unassigned",
            View::AllOpen => "all_open",
            View::Pending => "pending",
            View::Solved => "solved",
        }
    }

    /// Parse a view name.
    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Sort orders; each has a matching index that leads with tenant_id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most recently updated first.
    #[default]
    Updated,
    /// Oldest first.
    Age,
    /// Most urgent first, then oldest.
    Priority,
}

impl Sort {
    /// Parse a sort name.
    pub fn parse(s: &str) -> AppResult<Sort> {
        match s {
            "updated" => Ok(Sort::Updated),
            "age" => Ok(Sort::Age),
            "priority" => Ok(Sort::Priority),
            _ => Err(AppError::invalid("sort", "error-sort-invalid", "sort is updated, age or priority")),
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Updated => "updated",
            Sort::Age => "age",
            Sort::Priority => "priority",
        }
    }
}

/// Who a view is filtered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssigneeFilter {
    Nobody,
    Agent(String),
}

/// A complete inbox filter: a saved view stores one of these.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Filter {
    pub view: Option<View>,
    #[serde(default)]
    pub status: Vec<Status>,
    pub priority: Option<Priority>,
    pub assignee: Option<AssigneeFilter>,
    pub team_id: Option<String>,
    pub channel: Option<Channel>,
    pub language: Option<String>,
    pub tag: Option<String>,
    pub q: Option<String>,
    /// Whether `q` also looks in the bodies of replies and notes (the search over everything);
    /// the inbox's filter does not.
    #[serde(default)]
    pub bodies: bool,
}

/// One inbox row.
#[derive(Debug, Clone, Serialize)]
pub struct InboxRow {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub requester_name: String,
    pub requester_email: Option<String>,
    pub assignee_name: Option<String>,
}

/// What the inbox shows of a ticket's conversation besides its subject.
pub struct Conversation {
    /// The opening of the newest public message.
    pub preview: String,
    /// When the requester spoke last: their first message since the last agent reply.
    pub waiting_since: Option<NaiveDateTime>,
}

/// Characters of the newest message the inbox shows (the cell ends in an ellipsis anyway).
const PREVIEW_CHARS: i32 = 160;

/// [`Conversation`] of each listed ticket, read in one query along `messages_by_ticket`.
pub fn conversations(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ids: &[String],
) -> AppResult<HashMap<String, Conversation>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Only the opening of each body is read: bodies may be hundreds of kilobytes.
    let rows: Vec<(String, String, String, NaiveDateTime)> = messages::table
        .filter(messages::tenant_id.eq(tenant.as_str()))
        .filter(messages::ticket_id.eq_any(ids))
        .filter(messages::kind.eq("reply"))
        .order((messages::ticket_id, messages::created_at.desc(), messages::id.desc()))
        .select((
            messages::ticket_id,
            messages::author_type,
            sql::<Text>(&format!("substr(body_text, 1, {PREVIEW_CHARS})")),
            messages::created_at,
        ))
        .load(conn)?;
    let mut out: HashMap<String, Conversation> = HashMap::new();
    // Newest first per ticket: the first row is the preview; the requester has been waiting
    // since the oldest of the run of their messages that opens the list.
    let mut answered: HashMap<String, bool> = HashMap::new();
    for (ticket, author, preview, at) in rows {
        let done = answered.entry(ticket.clone()).or_insert(false);
        let c = out.entry(ticket).or_insert_with(|| Conversation {
            preview: preview.split_whitespace().collect::<Vec<_>>().join(" "),
            waiting_since: None,
        });
        if *done {
            continue;
        }
        if author == "contact" {
            c.waiting_since = Some(at);
        } else {
            *done = true;
        }
    }
    Ok(out)
}

#[derive(Clone, Serialize, Deserialize)]
struct CursorData {
    s: Sort,
    r: i32,
    t: NaiveDateTime,
    i: String,
}

impl CursorData {
    /// The position just after a row of rank `r`, times `created` and `updated`, and `id`.
    fn after_row(sort: Sort, r: i32, created: NaiveDateTime, updated: NaiveDateTime, id: String) -> CursorData {
        let time = if sort == Sort::Updated { updated } else { created };
        CursorData { s: sort, r, t: time, i: id }
    }
}

fn encode_cursor(sort: Sort, t: &Ticket) -> String {
    let data = CursorData::after_row(sort, t.priority_rank, t.created_at, t.updated_at, t.id.to_string());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
}

fn decode_cursor(sort: Sort, c: &str) -> AppResult<CursorData> {
    let bad = || AppError::invalid("cursor", "error-cursor-invalid", "the cursor is not one this server issued");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let d: CursorData = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if d.s != sort {
        return Err(bad());
    }
    Ok(d)
}

/// A condition on tickets written as SQL (correlated subqueries and row values, which the DSL
/// does not spell), with its values bound.
pub(super) type Literal =
    Box<dyn BoxableExpression<tickets::table, <DbConnection as diesel::Connection>::Backend, SqlType = Bool>>;

type Boxed<'a> = crate::db::schema::tickets::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// A tag or text filter that matches at most this many of a tenant's tickets is answered from
/// its own index (the matching ids, then the view's filters and sort over those few rows). One
/// that matches more is common enough that walking the view's sort index and checking each row
/// finds a page after a few hundred rows.
const CANDIDATE_CAP: i64 = 5000;

/// Counts of a text filter stop here, lower than [`COUNT_CAP`]: where the text is common the
/// count walks the view checking each row, and a hundred matches tell an agent what a thousand
/// would, at a tenth of the reading.
pub const TEXT_COUNT_CAP: i64 = 100;

/// What the tag and text indexes say about a filter.
#[derive(Default, Clone)]
struct Narrowing {
    /// Ids that every row of the filter must be among, when a tag or text filter is selective
    /// enough to drive the query from its own index (`None`: walk the view's sort index instead).
    ids: Option<Vec<String>>,
    /// Contacts whose tickets are candidates too, besides `ids` (read through `tickets_requester`).
    through: Option<Vec<String>>,
    /// The tickets whose messages hold the text, when bodies are searched and few enough.
    bodies: Option<Vec<String>>,
    /// The contacts whose name or email holds the text, when few enough.
    requesters: Option<Vec<String>>,
}

fn candidates(conn: &mut DbConnection, tenant: &TenantId, f: &Filter, cap: i64) -> AppResult<Narrowing> {
    let tagged = tag_candidates(conn, tenant, f, cap)?;
    with_text(conn, tenant, f, cap, tagged)
}

/// The narrowing of the filter's tag alone.
fn tag_candidates(conn: &mut DbConnection, tenant: &TenantId, f: &Filter, cap: i64) -> AppResult<Narrowing> {
    let mut narrowed = Narrowing::default();
    if let Some(tag) = &f.tag {
        let ids: Vec<String> = ticket_tags::table
            .filter(ticket_tags::tenant_id.eq(tenant.as_str()))
            .filter(ticket_tags::tag.eq(tag.trim().to_lowercase()))
            .select(ticket_tags::ticket_id)
            .limit(cap + 1)
            .load(conn)?;
        if ids.len() as i64 <= cap {
            narrowed.ids = Some(ids);
        }
    }
    Ok(narrowed)
}

/// `narrowed` (the tag's) with what the text indexes add.
fn with_text(
    conn: &mut DbConnection,
    tenant: &TenantId,
    f: &Filter,
    cap: i64,
    mut narrowed: Narrowing,
) -> AppResult<Narrowing> {
    if let Some(text) = search_text(f) {
        // Fewer than three characters hold no trigram: such a search always walks the view.
        if text_search::indexable(text) {
            let found = text_search::candidates(conn, tenant, text, f.bodies, cap)?;
            narrowed.bodies = found.bodies;
            match (found.ids, narrowed.ids.take()) {
                // The tagged tickets alone are few enough: each is checked against the text.
                (Some(_), Some(tagged)) if found.through_requesters => narrowed.ids = Some(tagged),
                (Some(ids), Some(tagged)) => {
                    narrowed.ids = Some(ids.into_iter().filter(|id| tagged.contains(id)).collect())
                }
                (Some(ids), None) => {
                    narrowed.ids = Some(ids);
                    if found.through_requesters {
                        narrowed.through = found.requesters.clone();
                    }
                }
                (None, tagged) => narrowed.ids = tagged,
            }
            narrowed.requesters = found.requesters;
        }
    }
    Ok(narrowed)
}

fn search_text(f: &Filter) -> Option<&str> {
    f.q.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The tag filter row by row: one primary-key probe of `ticket_tags` per ticket read, so the
/// view's sort index drives the query (an `IN (SELECT …)` made both planners collect every
/// tagged ticket and sort them).
fn has_tag(tag: &str) -> Literal {
    Box::new(
        sql::<Bool>(
            "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.tenant_id = tickets.tenant_id \
             AND tt.ticket_id = tickets.id AND tt.tag = ",
        )
        .bind::<Text, _>(tag.trim().to_lowercase())
        .sql(")"),
    )
}

/// Row-value comparison `(a, b) <op> (t, id)`: both backends seek an index on (…, a, b) to it,
/// where the spelled-out `a < t OR (a = t AND b < id)` made them read the view from its start.
fn after(columns: &str, op: &str, t: NaiveDateTime, id: String) -> Literal {
    Box::new(
        sql::<Bool>(&format!("({columns}) {op} ("))
            .bind::<diesel::sql_types::Timestamp, _>(t)
            .sql(", ")
            .bind::<Text, _>(id)
            .sql(")"),
    )
}

/// The view's, status, assignee and team conditions of `f` with each column behind SQLite's
/// unary `+`, which keeps the term off every index (see `apply_filter!`). SQLite only.
fn unindexed_view_terms(f: &Filter, me: &str) -> Vec<Literal> {
    let text_eq = |column: &str, value: String| -> Literal {
        Box::new(sql::<Bool>(&format!("+tickets.{column} = ")).bind::<Text, _>(value))
    };
    let raw = |condition: &str| -> Literal { Box::new(sql::<Bool>(condition)) };
    let mut terms: Vec<Literal> = Vec::new();
    match f.view {
        Some(View::MyOpen) => terms.extend([text_eq("assignee_id", me.to_string()), raw("+tickets.is_open = 1")]),
        Some(View::Unassigned) => terms.extend([raw("+tickets.assignee_id IS NULL"), raw("+tickets.is_open = 1")]),
        Some(View::AllOpen) => terms.push(raw("+tickets.is_open = 1")),
        Some(View::Pending) => terms.push(text_eq("status", "pending".into())),
        Some(View::Solved) => terms.push(text_eq("status", "solved".into())),
        None => {}
    }
    if !f.status.is_empty() {
        let list = serde_json::to_string(&f.status.iter().map(|s| s.as_str()).collect::<Vec<_>>()).unwrap_or_default();
        terms.push(Box::new(
            sql::<Bool>("+tickets.status IN (SELECT value FROM json_each(").bind::<Text, _>(list).sql("))"),
        ));
    }
    match &f.assignee {
        Some(AssigneeFilter::Nobody) => terms.push(raw("+tickets.assignee_id IS NULL")),
        Some(AssigneeFilter::Agent(a)) => terms.push(text_eq("assignee_id", a.clone())),
        None => {}
    }
    if let Some(t) = &f.team_id {
        terms.push(text_eq("team_id", t.clone()));
    }
    terms
}

/// Whether the filter's count stops at [`TEXT_COUNT_CAP`] rather than [`COUNT_CAP`].
pub fn count_cap(filter: &Filter) -> i64 {
    if search_text(filter).is_some() {
        TEXT_COUNT_CAP
    } else {
        COUNT_CAP
    }
}

macro_rules! apply_filter {
    ($q:expr, $tenant:expr, $me:expr, $f:expr, $narrowed:expr, $sqlite:expr) => {{
        let mut q = $q.filter(tickets::tenant_id.eq($tenant.as_str().to_string()));
        let f: &Filter = $f;
        let narrowed: Narrowing = $narrowed;
        if $sqlite && narrowed.ids.is_some() {
            // A few candidate ids drive the query. SQLite, without statistics, would rather walk
            // an index that serves a view's condition and sort and test each row against the ids
            // (50 ms for 11 ids at 1M tickets): the unary `+` keeps those columns off every index,
            // so only the primary key is left to read the candidates by.
            for term in unindexed_view_terms(f, $me) {
                q = q.filter(term);
            }
        } else {
            match f.view {
                Some(View::MyOpen) => {
                    q = q.filter(tickets::assignee_id.eq($me.to_string())).filter(tickets::is_open.eq(true))
                }
                Some(View::Unassigned) => {
                    q = q.filter(tickets::assignee_id.is_null()).filter(tickets::is_open.eq(true))
                }
                Some(View::AllOpen) => q = q.filter(tickets::is_open.eq(true)),
                Some(View::Pending) => q = q.filter(tickets::status.eq("pending")),
                Some(View::Solved) => q = q.filter(tickets::status.eq("solved")),
                None => {}
            }
            if !f.status.is_empty() {
                q = q.filter(
                    tickets::status.eq_any(f.status.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>()),
                );
            }
            match &f.assignee {
                Some(AssigneeFilter::Nobody) => q = q.filter(tickets::assignee_id.is_null()),
                Some(AssigneeFilter::Agent(a)) => q = q.filter(tickets::assignee_id.eq(a.clone())),
                None => {}
            }
            if let Some(t) = &f.team_id {
                q = q.filter(tickets::team_id.eq(t.clone()));
            }
        }
        if let Some(p) = f.priority {
            q = q.filter(tickets::priority.eq(p.as_str()));
        }
        if let Some(c) = f.channel {
            q = q.filter(tickets::channel.eq(c.as_str()));
        }
        if let Some(l) = &f.language {
            q = q.filter(tickets::language.eq(l.clone()));
        }
        match (narrowed.ids.clone(), narrowed.through.clone()) {
            (Some(ids), Some(people)) if ids.is_empty() => q = q.filter(tickets::requester_id.eq_any(people)),
            (Some(ids), Some(people)) => q = q.filter(tickets::requester_id.eq_any(people).or(tickets::id.eq_any(ids))),
            (Some(ids), None) => q = q.filter(tickets::id.eq_any(ids)),
            (None, _) => {}
        }
        if let Some(tag) = &f.tag {
            q = q.filter(has_tag(tag));
        }
        if let Some(text) = search_text(f) {
            q = q.filter(if f.bodies {
                text_search::matches_text_or_body(text, narrowed.requesters.as_ref(), narrowed.bodies.as_ref())
            } else {
                text_search::matches_text(text, narrowed.requesters.as_ref())
            });
        }
        q
    }};
}

/// Whether the view and the filters exclude each other: Pending with status=new, Unassigned with
/// an assignee, My open with nobody or another agent. Such a filter matches nothing; answering
/// without a query spares the database a walk of the whole view.
fn contradicts(f: &Filter, me: &str) -> bool {
    let allowed = |s: Status| match f.view {
        Some(View::Pending) => s == Status::Pending,
        Some(View::Solved) => s == Status::Solved,
        Some(View::MyOpen | View::Unassigned | View::AllOpen) => s.is_open(),
        None => true,
    };
    let status_excluded = !f.status.is_empty() && !f.status.iter().any(|s| allowed(*s));
    let assignee_excluded = match (f.view, &f.assignee) {
        (Some(View::Unassigned), Some(AssigneeFilter::Agent(_))) => true,
        (Some(View::MyOpen), Some(AssigneeFilter::Nobody)) => true,
        (Some(View::MyOpen), Some(AssigneeFilter::Agent(a))) => a != me,
        _ => false,
    };
    status_excluded || assignee_excluded
}

/// One page of a view: rows and the cursor for the next page.
pub fn list(
    conn: &mut DbConnection,
    tenant: &TenantId,
    me: &str,
    filter: &Filter,
    sort: Sort,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<(Vec<InboxRow>, Option<String>)> {
    list_with_cap(conn, tenant, me, filter, sort, cursor, limit, CANDIDATE_CAP)
}

/// [`list`] with another threshold for answering a tag or text filter from its own index, so that
/// tests can check that both query shapes list the same tickets in the same order.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)] // `list`'s arguments and the threshold, for tests only
pub fn list_with_cap(
    conn: &mut DbConnection,
    tenant: &TenantId,
    me: &str,
    filter: &Filter,
    sort: Sort,
    cursor: Option<&str>,
    limit: i64,
    cap: i64,
) -> AppResult<(Vec<InboxRow>, Option<String>)> {
    let limit = limit.clamp(1, 200);
    let cursor = cursor.map(|c| decode_cursor(sort, c)).transpose()?;
    if contradicts(filter, me) {
        return Ok((vec![], None));
    }
    let tagged = tag_candidates(conn, tenant, filter, cap)?;
    let walked = if filter.bodies && search_text(filter).is_some_and(text_search::indexable) {
        walk_first(conn, tenant, me, filter, &tagged, sort, cursor.as_ref(), limit)?
    } else {
        None
    };
    let mut page = match walked {
        Some(page) => page,
        None => {
            let narrowed = with_text(conn, tenant, filter, cap, tagged)?;
            let checked = checked_filter(filter, &narrowed);
            if only_requesters(&narrowed) && matches!(conn, DbConnection::Sqlite(_)) {
                page_of_requesters(conn, tenant, me, &checked, narrowed, sort, cursor.as_ref(), limit)?
            } else {
                ordered(conn, tenant, me, &checked, narrowed, sort, cursor.as_ref())
                    .limit(limit + 1)
                    .select(Ticket::as_select())
                    .load(conn)?
            }
        }
    };
    let next = if page.len() as i64 > limit {
        page.truncate(limit as usize);
        page.last().map(|t| encode_cursor(sort, t))
    } else {
        None
    };
    let rows = decorate(conn, tenant, page)?;
    Ok((rows, next))
}

/// The view's rows after the cursor in the sort's order, filtered, ready for a limit.
fn ordered<'a>(
    conn: &DbConnection,
    tenant: &TenantId,
    me: &str,
    filter: &Filter,
    narrowed: Narrowing,
    sort: Sort,
    cursor: Option<&CursorData>,
) -> Boxed<'a> {
    // On SQLite a few candidates are read by primary key and sorted (see `apply_filter!`), so
    // neither the cursor's bound nor the order may draw the planner to a sort index.
    let by_ids = matches!(conn, DbConnection::Sqlite(_)) && narrowed.ids.is_some();
    let plus = if by_ids { "+" } else { "" };
    let mut q: Boxed = apply_filter!(tickets::table.into_boxed(), tenant, me, filter, narrowed, by_ids);
    if let Some(c) = cursor {
        q = match sort {
            // Mixed directions have no row-value form: the rank bound seeks, the rest filters
            // within that rank.
            Sort::Priority => q.filter(tickets::priority_rank.le(c.r)).filter(
                tickets::priority_rank.lt(c.r).or(after("tickets.created_at, tickets.id", ">", c.t, c.i.clone())),
            ),
            Sort::Age => q.filter(after(&format!("{plus}tickets.created_at, tickets.id"), ">", c.t, c.i.clone())),
            Sort::Updated => q.filter(after(&format!("{plus}tickets.updated_at, tickets.id"), "<", c.t, c.i.clone())),
        };
    }
    match sort {
        _ if by_ids => q.order(sql::<Text>(match sort {
            Sort::Priority => "+tickets.priority_rank DESC, tickets.created_at ASC, tickets.id ASC",
            Sort::Age => "+tickets.created_at ASC, tickets.id ASC",
            Sort::Updated => "+tickets.updated_at DESC, tickets.id DESC",
        })),
        Sort::Priority => q.order((tickets::priority_rank.desc(), tickets::created_at.asc(), tickets::id.asc())),
        Sort::Age => q.order((tickets::created_at.asc(), tickets::id.asc())),
        Sort::Updated => q.order((tickets::updated_at.desc(), tickets::id.desc())),
    }
}

/// Add requester and assignee names to tickets (two small IN queries, not a join per row).
pub fn decorate(conn: &mut DbConnection, tenant: &TenantId, page: Vec<Ticket>) -> AppResult<Vec<InboxRow>> {
    let contact_ids: Vec<String> = page.iter().map(|t| t.requester_id.to_string()).collect();
    let agent_ids: Vec<String> = page.iter().filter_map(|t| t.assignee_id.as_ref().map(|a| a.to_string())).collect();
    let people: HashMap<String, (String, Option<String>)> = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::id.eq_any(&contact_ids))
        .select((contacts::id, contacts::name, contacts::email))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, n, e)| (id, (n, e)))
        .collect();
    let names: HashMap<String, String> = if agent_ids.is_empty() {
        HashMap::new()
    } else {
        agents::table
            .filter(agents::tenant_id.eq(tenant.as_str()))
            .filter(agents::id.eq_any(&agent_ids))
            .select((agents::id, agents::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(page
        .into_iter()
        .map(|t| {
            let (requester_name, requester_email) = people.get(t.requester_id.as_str()).cloned().unwrap_or_default();
            let assignee_name = t.assignee_id.as_ref().and_then(|a| names.get(a.as_str()).cloned());
            InboxRow { ticket: t, requester_name, requester_email, assignee_name }
        })
        .collect())
}

/// Counts shown beside views stop at this; "1000+" is as useful as an exact number and costs far less.
pub const COUNT_CAP: i64 = 1000;

/// How many tickets match a filter, up to [`count_cap`] of it.
pub fn count(conn: &mut DbConnection, tenant: &TenantId, me: &str, filter: &Filter) -> AppResult<i64> {
    if contradicts(filter, me) {
        return Ok(0);
    }
    let narrowed = candidates(conn, tenant, filter, CANDIDATE_CAP)?;
    let by_ids = matches!(conn, DbConnection::Sqlite(_)) && narrowed.ids.is_some();
    let checked = checked_filter(filter, &narrowed);
    let q: Boxed = apply_filter!(tickets::table.into_boxed(), tenant, me, &checked, narrowed, by_ids);
    let ids: Vec<String> = q.select(tickets::id).limit(count_cap(filter)).load(conn)?;
    Ok(ids.len() as i64)
}

mod text_pages;
use text_pages::{checked_filter, only_requesters, page_of_requesters, walk_first};

pub use super::saved_views::*;
pub use super::ticket_page::*;
