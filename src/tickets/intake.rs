//! The one door every channel opens tickets through: the console, the API, the seeder, and the
//! channels to come (email, chat, the help-center form, monitoring alerts).
//!
//! [`Intake::submit`] queues a creation for its tenant's next batch (`db::batch::Combiner`): the
//! batch is numbered gaplessly, finds or creates its requesters, applies the tenant's routing,
//! stores `Idempotency-Key` results and writes the domain events, all in one transaction. Callers
//! already inside a transaction (follow-ups of closed tickets) use [`open_in_transaction`].

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::commands::new_event;
use super::create::{create_tickets, Creation};
use super::{Actor, Message, Ticket};
use crate::accounts::idempotency::{self, Key};
use crate::db::batch::Combiner;
use crate::db::schema::ticket_events;
use crate::db::{Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::Changes;
use crate::tenancy::TenantId;

/// What a router decided for a new ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    pub assignee_id: Option<crate::types::AgentId>,
    pub team_id: Option<crate::types::TeamId>,
    /// The ticket's language when the creation named none (detected from its text).
    pub language: Option<String>,
    /// Why, for the audit trail: a `system-…` Fluent key and its arguments.
    pub reason: Option<(String, Vec<(String, String)>)>,
    /// A new priority (a routing rule's).
    pub priority: Option<crate::types::Priority>,
}

/// Decides, inside the creating transaction, who a new ticket goes to. Runs only for tickets
/// that name neither assignee nor team.
pub trait Router: Send + Sync + 'static {
    /// The decision for one ticket; `Routing::default()` leaves it unassigned.
    fn route(&self, conn: &mut DbConnection, tenant: &TenantId, creation: &Creation) -> AppResult<Routing>;

    /// Decisions for several tickets of one batch, in order. Routers that keep state override
    /// it so that each ticket sees the load the earlier ones added.
    fn route_batch(&self, conn: &mut DbConnection, tenant: &TenantId, batch: &[&Creation]) -> AppResult<Vec<Routing>> {
        batch.iter().map(|c| self.route(conn, tenant, c)).collect()
    }

    /// Called in the same transaction for each ticket opened with a decision of this router.
    fn opened(&self, _: &mut DbConnection, _: &TenantId, _: &Ticket, _: &Routing) -> AppResult<()> {
        Ok(())
    }
}

/// Leaves every ticket unassigned (until a tenant's routing is configured).
pub struct Unrouted;

impl Router for Unrouted {
    fn route(&self, _: &mut DbConnection, _: &TenantId, _: &Creation) -> AppResult<Routing> {
        Ok(Routing::default())
    }
}

/// A creation waiting for its tenant's next batch.
#[derive(Clone)]
pub struct Queued {
    creation: Creation,
    key: Option<Key>,
}

/// The answer to a submitted creation (the ticket boxed: answers travel through channels).
#[derive(Debug, Clone)]
pub enum Submitted {
    /// The ticket was opened now.
    Opened(Box<Ticket>),
    /// This `Idempotency-Key` was used before: the ticket as it was first returned (its
    /// serialized form, stored with the key) and the status it was answered with.
    Replayed { status: u16, ticket: serde_json::Value },
}

/// How an opened ticket is stored with its idempotency key: the domain value serialized.
const CREATED: u16 = 201;

/// The ticket intake (see the module docs).
#[derive(Clone)]
pub struct Intake {
    combiner: Combiner<Queued, Submitted>,
    changes: Changes,
    router: Arc<dyn Router>,
}

impl Intake {
    /// An intake writing to `db`, routing with `router`, signalling commits on `changes`.
    pub fn new(db: Db, router: Arc<dyn Router>, changes: Changes) -> Self {
        let batch_router = router.clone();
        let write = move |c: &mut DbConnection, tenant: &TenantId, items: &[Queued]| {
            write_batch(c, tenant, &*batch_router, items)
        };
        Intake { combiner: Combiner::new(db, Box::new(write)), changes, router }
    }

    /// [`open_in_transaction`] with this intake's router, for channels that must open a ticket in
    /// the same transaction as their own rows (email filing: the ticket, its Message-ID and the
    /// inbound row's state commit together, so a retried job never opens a second ticket).
    pub fn open_in(
        &self,
        conn: &mut DbConnection,
        tenant: &TenantId,
        creations: Vec<Creation>,
    ) -> AppResult<Vec<AppResult<(Ticket, Message)>>> {
        open_in_transaction(conn, tenant, &*self.router, creations)
    }

    /// Open a ticket, at most once per idempotency key. Answers after the batch committed.
    pub async fn submit(&self, tenant: &TenantId, creation: Creation, key: Option<Key>) -> AppResult<Submitted> {
        let item = Queued { creation, key };
        let mut answer = self.combiner.submit(tenant, item.clone()).await;
        if matches!(answer, Err(AppError::Conflict(_))) && item.key.is_some() {
            // Another request with this key committed first and rolled ours back; this time the
            // key is found and its result replayed.
            answer = self.combiner.submit(tenant, item).await;
        }
        if matches!(answer, Ok(Submitted::Opened(_))) {
            self.changes.committed(tenant);
        }
        answer
    }

    /// (batches written, tickets in them) since start, for metrics.
    pub fn totals(&self) -> (u64, u64) {
        self.combiner.totals()
    }
}

/// Open tickets in the caller's transaction: routing, then [`create_tickets`]. Per-creation
/// results in order; the outer error is a database failure.
pub fn open_in_transaction(
    conn: &mut DbConnection,
    tenant: &TenantId,
    router: &dyn Router,
    mut creations: Vec<Creation>,
) -> AppResult<Vec<AppResult<(Ticket, Message)>>> {
    let routed: Vec<usize> = (0..creations.len())
        .filter(|&i| creations[i].new.assignee_id.is_none() && creations[i].new.team_id.is_none())
        .collect();
    let decisions = if routed.is_empty() {
        Vec::new()
    } else {
        let refs: Vec<&Creation> = routed.iter().map(|&i| &creations[i]).collect();
        router.route_batch(conn, tenant, &refs)?
    };
    for (&i, d) in routed.iter().zip(&decisions) {
        let new = &mut creations[i].new;
        new.assignee_id = d.assignee_id.clone();
        new.team_id = d.team_id.clone();
        if new.language.is_none() {
            new.language = d.language.clone();
        }
        if let Some(p) = d.priority {
            new.priority = p;
        }
    }
    let results = create_tickets(conn, tenant, creations)?;
    let mut events = Vec::new();
    for (&i, d) in routed.iter().zip(&decisions) {
        let Ok((ticket, _)) = &results[i] else { continue };
        if let Some((key, args)) = &d.reason {
            let args: serde_json::Map<String, serde_json::Value> =
                args.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect();
            let note = serde_json::json!({"key": key, "args": args}).to_string();
            events.push(new_event(tenant, &ticket.id, &Actor::System, "routed", None, None, Some(&note)));
        }
        router.opened(conn, tenant, ticket, d)?;
    }
    if !events.is_empty() {
        // One statement for the batch's notes on PostgreSQL, as `create_tickets` does.
        let mut chain = crate::db::chain::StatementChain::for_connection(conn);
        chain.push(diesel::insert_into(ticket_events::table).values(&events));
        chain.execute(conn)?;
    }
    Ok(results)
}

/// Write one batch in the open transaction (see `db::batch`): replay known keys, open the rest,
/// store the new keys' results.
fn write_batch(
    c: &mut DbConnection,
    tenant: &TenantId,
    router: &dyn Router,
    items: &[Queued],
) -> AppResult<Vec<AppResult<Submitted>>> {
    let keys: Vec<&Key> = items.iter().filter_map(|i| i.key.as_ref()).collect();
    let mut found = idempotency::lookup(c, tenant, &keys)?;
    let mut results: Vec<Option<AppResult<Submitted>>> = items.iter().map(|_| None).collect();
    let mut to_open = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(k) = &item.key {
            if let Some(row) = found.remove(&(k.token_id.clone(), k.key.clone())) {
                results[i] = Some(idempotency::check_replay(&row, &k.request_hash).and_then(|()| {
                    Ok(Submitted::Replayed { status: row.status, ticket: serde_json::from_str(&row.response)? })
                }));
                continue;
            }
        }
        to_open.push(i);
    }
    let creations = to_open.iter().map(|&i| items[i].creation.clone()).collect();
    let opened = open_in_transaction(c, tenant, router, creations)?;
    let mut stored: Vec<(&Key, u16, serde_json::Value)> = Vec::new();
    for (&i, r) in to_open.iter().zip(opened) {
        if let (Some(k), Ok((t, _))) = (&items[i].key, &r) {
            stored.push((k, CREATED, serde_json::to_value(t)?));
        }
        results[i] = Some(r.map(|(t, _)| Submitted::Opened(Box::new(t))));
    }
    let refs: Vec<(&Key, u16, &serde_json::Value)> = stored.iter().map(|(k, s, v)| (*k, *s, v)).collect();
    idempotency::store(c, tenant, &refs)?;
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(AppError::Internal(anyhow::anyhow!("creation not answered")))))
        .collect())
}

/// For imports and seeding: a ticket that already has a history elsewhere.
#[derive(Debug, Clone)]
pub struct History {
    pub status: super::Status,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
