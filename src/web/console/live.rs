//! GET /events: Server-Sent Events for the console (ticket changes, who is viewing a ticket, a
//! chat visitor typing).

use std::collections::HashMap;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::events::{DomainEvent, LiveMessage};
use crate::tenancy::TenantId;
use crate::web::auth::{self, ConsoleUser};

#[derive(Deserialize)]
pub struct EventsQuery {
    ticket: Option<String>,
}

/// Leaves the viewer list when the stream is dropped (the browser went away). Viewers are agent
/// ids: two agents may share a display name, and names are resolved per stream for display.
struct Presence {
    app: AppState,
    tenant: String,
    ticket: String,
    agent_id: String,
}

impl Drop for Presence {
    fn drop(&mut self) {
        let left = self.app.live.leave(&self.tenant, &self.ticket, &self.agent_id);
        self.app.live.publish_presence(&self.tenant, &self.ticket, left);
    }
}

struct StreamState {
    app: AppState,
    rx: tokio::sync::broadcast::Receiver<LiveMessage>,
    closing: tokio::sync::watch::Receiver<bool>,
    tenant: String,
    _presence: Option<Presence>,
    _slot: crate::events::StreamSlot,
    first: Option<String>,
    /// Display names of the agents this stream has reported, by id.
    names: HashMap<String, String>,
}

/// The SSE frame a console stream sends for a domain event, if any. Browsers refetch the
/// server-rendered fragment, so ticket frames carry only what tells them which one: one frame per
/// command (its status and assignment events are part of the `changed` frame already).
fn frame(m: &LiveMessage) -> Option<String> {
    let (kind, data) = match m {
        LiveMessage::Presence { .. } | LiveMessage::Typing { .. } => return None,
        LiveMessage::Event { event, .. } => {
            let action = match &**event {
                DomainEvent::TicketCreated { .. } => "created",
                DomainEvent::TicketUpdated { .. } => "changed",
                DomainEvent::MessageCreated { .. } => "message_added",
                DomainEvent::TicketMerged { .. } => "merged",
                _ => return None,
            };
            let (ticket_id, number) = event.ticket()?;
            let actor_id = event.actor().and_then(|a| a.parts().1.map(str::to_string));
            let data = serde_json::json!({"kind": "ticket", "ticket_id": ticket_id, "number": number,
                "action": action, "actor_id": actor_id, "viewers": []});
            ("ticket", data)
        }
    };
    Some(format!("event: {kind}\ndata: {data}\n\n"))
}

/// One viewer of a ticket as the browser gets it: the id tells agents apart, the name is shown.
#[derive(Serialize)]
struct Viewer {
    id: String,
    name: String,
}

/// A presence event as the browser gets it.
#[derive(Serialize)]
struct PresenceFrame<'a> {
    kind: &'a str,
    ticket_id: &'a str,
    viewers: Vec<Viewer>,
}

/// The presence frame for `e`, with the viewers' names (looked up once per agent and stream).
async fn presence_frame(s: &mut StreamState, ticket_id: &str, ids: &[String]) -> String {
    let missing: Vec<String> = ids.iter().filter(|id| !s.names.contains_key(*id)).cloned().collect();
    if !missing.is_empty() {
        let tid = TenantId::from_trusted(s.tenant.clone());
        match s.app.db.read(move |c| crate::accounts::agents::names(c, &tid, &missing)).await {
            Ok(found) => s.names.extend(found),
            // Without names the frame still tells viewers apart; the next one retries.
            Err(err) => tracing::warn!(error = %err, "could not resolve viewer names"),
        }
    }
    let mut viewers: Vec<Viewer> =
        ids.iter().map(|id| Viewer { id: id.clone(), name: s.names.get(id).cloned().unwrap_or_default() }).collect();
    viewers.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let data = PresenceFrame { kind: "presence", ticket_id, viewers };
    format!("event: presence\ndata: {}\n\n", serde_json::to_string(&data).unwrap_or_default())
}

/// GET /events[?ticket=id]
pub async fn events(req: HttpRequest, user: ConsoleUser, q: web::Query<EventsQuery>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let slot = app
        .live
        .claim_stream(&user.session.id, app.config.max_streams_per_session)
        .ok_or(AppError::TooManyRequests { retry_after_secs: 30 })?
        .for_agent(user.tenant.id.as_str(), user.agent.id.as_str());
    let tenant = user.tenant.id.clone();
    let rx = app.live.subscribe();
    let presence = q.ticket.clone().map(|ticket| {
        let viewers = app.live.join(&tenant, &ticket, &user.agent.id);
        app.live.publish_presence(&tenant, &ticket, viewers);
        Presence { app: app.clone(), tenant: tenant.clone(), ticket, agent_id: user.agent.id.to_string() }
    });
    // The first frame tells the browser how soon to reconnect and that the stream is live.
    let state = StreamState {
        app: app.clone(),
        rx,
        closing: app.live.closing(),
        tenant,
        _presence: presence,
        _slot: slot,
        first: Some("retry: 2000\n: connected\n\n".into()),
        names: HashMap::new(),
    };
    let body = stream::unfold(state, |mut s| async move {
        if let Some(first) = s.first.take() {
            return Some((Ok::<_, actix_web::Error>(web::Bytes::from(first)), s));
        }
        loop {
            if *s.closing.borrow() {
                return None;
            }
            // Writing is the only way to learn that a browser went away (and leave presence), so
            // keepalives are frequent.
            let next = tokio::select! {
                r = tokio::time::timeout(Duration::from_secs(5), s.rx.recv()) => r,
                _ = s.closing.changed() => return None,
            };
            match next {
                Err(_) => return Some((Ok(web::Bytes::from_static(b": keepalive\n\n")), s)),
                Ok(Ok(LiveMessage::Typing { tenant_id, ticket_id, by_agent })) => {
                    // Only the ticket page of that conversation shows the visitor typing.
                    let viewing = s._presence.as_ref().is_some_and(|p| p.ticket == ticket_id);
                    if tenant_id == s.tenant && viewing && !by_agent {
                        let data = serde_json::json!({"kind": "typing", "ticket_id": ticket_id});
                        return Some((Ok(web::Bytes::from(format!("event: typing\ndata: {data}\n\n"))), s));
                    }
                    continue;
                }
                Ok(Ok(LiveMessage::Presence { tenant_id, ticket_id, viewers })) if tenant_id == s.tenant => {
                    let f = presence_frame(&mut s, &ticket_id, &viewers).await;
                    return Some((Ok(web::Bytes::from(f)), s));
                }
                Ok(Ok(m)) if m.tenant_id() == s.tenant => match frame(&m) {
                    Some(f) => return Some((Ok(web::Bytes::from(f)), s)),
                    None => continue,
                },
                Ok(Ok(_)) => continue,
                // A slow browser missed events: tell it to refresh everything.
                Ok(Err(RecvError::Lagged(_))) => {
                    return Some((Ok(web::Bytes::from_static(b"event: resync\ndata: {}\n\n")), s))
                }
                Ok(Err(RecvError::Closed)) => return None,
            }
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", "text/event-stream"))
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}
