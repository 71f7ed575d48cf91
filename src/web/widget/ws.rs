//! GET /widget/ws/{slug}: one widget connection. The first frame is `hello`; then the visitor's
//! messages are stored (acknowledged only after their commit) and the conversation's public
//! messages are sent as they commit, in any process (the live hub). What is sent is always read
//! from the database after a cursor, so a lagging hub, a reconnect or a second tab costs a
//! re-read, never a lost or doubled message.
//!
//! Limits: a frame size limit, a token bucket of frames, a heartbeat, and a bounded outgoing
//! queue (actix-ws's channel) with a send deadline, so a client that stops reading is
//! disconnected instead of growing the server's memory.

mod csat;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, ProtocolError, Session};
use chrono::Utc;
use tokio::sync::broadcast::error::RecvError;

use super::frames::{ClientFrame, Close, Identity, RateLimit, ServerFrame, MAX_FRAME_BYTES};
use crate::app::AppState;
use crate::chat::appearance;
use crate::chat::conversations::{self, ChatMessage};
use crate::chat::offline::{self, Offline};
use crate::chat::settings::ChatSettings;
use crate::chat::visitors::{self, Visitor};
use crate::error::{AppError, AppResult};
use crate::events::feed::{Feed, Key};
use crate::events::{DomainEvent, LiveMessage};
use crate::tenancy::{Tenant, TenantId};
use crate::types::{MessageKind, Status};

/// How long the widget has to send `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How often we ping.
const PING_EVERY: Duration = Duration::from_secs(20);
/// Silence (no frame, no pong) after which the connection is dropped.
const SILENCE_LIMIT: Duration = Duration::from_secs(60);
/// How long one frame may wait for room in the outgoing queue.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the connection lease is renewed (well inside `visitors::LEASE_SECS`).
const LEASE_EVERY: Duration = Duration::from_secs(40);
/// Least time between two typing notices of one connection.
const TYPING_EVERY: Duration = Duration::from_secs(2);
/// Message ids remembered as sent, so a live event never sends one twice.
const REMEMBERED: usize = 512;

/// How a connection ends.
enum End {
    /// We close it, saying why.
    Close(Close),
    /// The client closed it or went away.
    Gone,
}

impl From<Close> for End {
    fn from(c: Close) -> Self {
        End::Close(c)
    }
}

/// GET /widget/ws/{slug}: check the tenant and the Origin, then upgrade.
pub async fn connect(req: HttpRequest, body: web::Payload, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let super::http::Door { app, tenant, settings, .. } = super::http::Door::open(&req, slug.into_inner()).await?;
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| AppError::BadRequest(format!("a WebSocket upgrade is expected: {e}")))?;
    let conn = Connection {
        tid: tenant.tenant_id(),
        app,
        tenant,
        settings,
        session,
        visitor: None,
        ticket: None,
        cursor: None,
        sent: VecDeque::new(),
        limit: RateLimit::default(),
        heard: Instant::now(),
        typed: None,
    };
    actix_web::rt::spawn(conn.run(stream.max_frame_size(MAX_FRAME_BYTES)));
    Ok(response)
}

struct Connection {
    app: AppState,
    tenant: Tenant,
    tid: TenantId,
    settings: ChatSettings,
    session: Session,
    visitor: Option<Visitor>,
    /// The conversation's ticket id.
    ticket: Option<String>,
    /// The last message sent in the ticket's order.
    cursor: Option<String>,
    sent: VecDeque<String>,
    limit: RateLimit,
    /// When the client last sent anything (a frame or a pong).
    heard: Instant,
    /// When this connection last passed on a typing notice.
    typed: Option<Instant>,
}

/// What a `hello` says about the visitor.
struct Profile {
    name: Option<String>,
    email: Option<String>,
    locale: Option<String>,
    page_url: Option<String>,
}

/// What a `hello` resolved to.
struct Hello {
    visitor: Visitor,
    token: String,
    ticket: Option<String>,
    offline: Option<Offline>,
    /// A profile field that was refused (the rest of the hello stands).
    refused: Option<AppError>,
}

impl Connection {
    async fn run(mut self, mut stream: MessageStream) {
        // Follows its conversation's key only once it knows it; see `serve`.
        let mut feed = self.app.live.feed();
        let mut closing = self.app.live.closing();
        let end = self.serve(&mut stream, &mut feed, &mut closing).await;
        self.finish(end).await;
    }

    async fn serve(
        &mut self,
        stream: &mut MessageStream,
        feed: &mut Feed,
        closing: &mut tokio::sync::watch::Receiver<bool>,
    ) -> End {
        match tokio::time::timeout(HELLO_TIMEOUT, self.next_frame(stream)).await {
            Err(_) => return Close::HelloExpected.into(),
            Ok(Err(end)) => return end,
            Ok(Ok(ClientFrame::Hello { visitor_token, last_seen_id, name, email, locale, identity, page_url })) => {
                let profile = Profile { name, email, locale, page_url };
                if let Err(end) = self.hello(visitor_token, last_seen_id, profile, identity).await {
                    return end;
                }
            }
            Ok(Ok(_)) => return Close::HelloExpected.into(),
        }
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        let mut leased = Instant::now();
        loop {
            if *closing.borrow() {
                return Close::GoingAway.into();
            }
            // The conversation changed (the first message opened it, a merge moved it): follow
            // the new one, then read what was committed before following it.
            if feed.follow(self.feed_keys()) {
                if let Err(end) = self.sync(None).await {
                    return end;
                }
            }
            let step = tokio::select! {
                f = self.next_frame(stream) => match f {
                    Ok(frame) => self.on_frame(frame).await,
                    Err(end) => Err(end),
                },
                m = feed.recv() => match m {
                    Ok(m) => self.on_live(m).await,
                    // Missed events: read what is new from the database instead.
                    Err(RecvError::Lagged(_)) => self.sync(None).await,
                    Err(RecvError::Closed) => Err(Close::GoingAway.into()),
                },
                _ = ping.tick() => {
                    if self.heard.elapsed() > SILENCE_LIMIT {
                        Err(Close::HeartbeatTimeout.into())
                    } else {
                        if leased.elapsed() >= LEASE_EVERY {
                            leased = Instant::now();
                            self.lease(true).await;
                        }
                        self.ping().await
                    }
                },
                _ = closing.changed() => Err(Close::GoingAway.into()),
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// The next JSON frame, answering pings on the way; limits are applied here.
    async fn next_frame(&mut self, stream: &mut MessageStream) -> Result<ClientFrame, End> {
        loop {
            let Some(msg) = stream.recv().await else { return Err(End::Gone) };
            self.heard = Instant::now();
            match msg {
                Ok(Message::Text(text)) => {
                    if !self.limit.take() {
                        return Err(Close::RateLimited.into());
                    }
                    return ClientFrame::parse(&text).map_err(|e| {
                        tracing::debug!(error = %e, "malformed widget frame");
                        Close::Malformed.into()
                    });
                }
                Ok(Message::Ping(b)) => {
                    if !self.limit.take() {
                        return Err(Close::RateLimited.into());
                    }
                    if self.session.pong(&b).await.is_err() {
                        return Err(End::Gone);
                    }
                }
                Ok(Message::Pong(_) | Message::Nop) => {}
                Ok(Message::Close(_)) => return Err(End::Gone),
                Ok(Message::Binary(_)) => return Err(Close::Binary.into()),
                Ok(Message::Continuation(_)) => return Err(Close::Malformed.into()),
                Err(ProtocolError::Overflow) => return Err(Close::TooBig.into()),
                Err(e) => {
                    tracing::debug!(error = %e, "widget protocol error");
                    return Err(Close::Malformed.into());
                }
            }
        }
    }

    async fn hello(
        &mut self,
        token: Option<String>,
        last_seen_id: Option<String>,
        profile: Profile,
        identity: Option<Identity>,
    ) -> Result<(), End> {
        let (tid, secret) = (self.tid.clone(), self.settings.identity_secret.clone());
        let resolved = self
            .app
            .db
            .write(move |c| -> AppResult<Result<Hello, Close>> {
                let (mut v, token) = match token {
                    Some(t) => match visitors::by_token(c, &tid, &t)? {
                        Some(v) => (v, t),
                        None => return Ok(Err(Close::TokenRefused)),
                    },
                    None => visitors::create(c, &tid)?,
                };
                if let Some(i) = &identity {
                    let ok = secret
                        .as_deref()
                        .is_some_and(|s| visitors::identity_valid(s, &i.user_id, &i.email, &i.signature));
                    if !ok {
                        return Ok(Err(Close::IdentityRefused));
                    }
                }
                let Profile { name, email, locale, page_url } = profile;
                if let Some(u) = &page_url {
                    visitors::set_page(c, &tid, &v.id, u)?;
                }
                let refused =
                    match visitors::update_profile(c, &mut v, name.as_deref(), email.as_deref(), locale.as_deref()) {
                        Ok(()) => None,
                        Err(e @ AppError::Invalid { .. }) => Some(e),
                        Err(e) => return Err(e),
                    };
                if let Some(i) = &identity {
                    visitors::attach_identity(c, &mut v, &i.user_id, &i.email)?;
                }
                let ticket = conversations::current(c, &tid, &mut v)?;
                visitors::lease(c, &tid, &v.id, true)?;
                Ok(Ok(Hello { visitor: v, token, ticket, offline: None, refused }))
            })
            .await;
        // Whether anyone is on is a read of the routing state: outside the write transaction.
        let resolved = match resolved {
            Ok(Ok(mut h)) => {
                let (tid, locale) = (self.tid.clone(), h.visitor.locale.clone());
                match self.app.db.read(move |c| offline::check(c, &tid, locale.as_deref(), Utc::now())).await {
                    Ok(o) => {
                        h.offline = o;
                        Ok(Ok(h))
                    }
                    Err(e) => Err(e),
                }
            }
            other => other,
        };
        let hello = match resolved {
            Ok(Ok(h)) => h,
            Ok(Err(close)) => return Err(close.into()),
            Err(e) => {
                tracing::warn!(error = %e, "widget hello failed");
                return Err(Close::ServerError.into());
            }
        };
        let look = appearance::for_locale(
            &self.settings.appearance,
            hello.visitor.locale.as_deref(),
            &self.tenant.default_locale,
        );
        self.send(&ServerFrame::Welcome {
            visitor_token: &hello.token,
            conversation_id: hello.ticket.as_deref(),
            prechat: appearance::prechat_for(self.settings.prechat, &hello.visitor).as_str(),
            color: look.color.as_deref(),
            greeting: look.greeting.as_deref(),
        })
        .await?;
        if let Some(AppError::Invalid { key, detail, .. }) = &hello.refused {
            self.send(&ServerFrame::Error { client_id: None, code: key, detail }).await?;
        }
        if let Some(o) = hello.offline {
            self.send(&ServerFrame::Offline { back_at: o.back_at.map(|t| t.to_rfc3339()) }).await?;
        }
        self.visitor = Some(hello.visitor);
        self.ticket = hello.ticket;
        // Replay from what the widget saw last (all of the conversation when it names nothing
        // of it).
        self.cursor = last_seen_id;
        self.sync(None).await?;
        self.offer_csat().await
    }

    async fn on_frame(&mut self, frame: ClientFrame) -> Result<(), End> {
        match frame {
            ClientFrame::Message { client_id, body } => self.post(client_id, body).await,
            ClientFrame::Typing => {
                // Shown to agents on the ticket page; one notice every few seconds is enough.
                if let Some(t) = &self.ticket {
                    if self.typed.is_none_or(|at| at.elapsed() >= TYPING_EVERY) {
                        self.typed = Some(Instant::now());
                        self.app.live.publish_typing(self.tid.as_str(), t, false);
                    }
                }
                Ok(())
            }
            ClientFrame::Read { message_id } => {
                let (Some(ticket), Some(v)) = (self.ticket.clone(), self.visitor.as_ref().map(|v| v.id.clone())) else {
                    return Ok(());
                };
                let tid = self.tid.clone();
                let marked = self.app.db.write(move |c| visitors::mark_read(c, &tid, &v, &ticket, &message_id)).await;
                if let Err(e) = marked {
                    tracing::warn!(error = %e, "storing a read receipt failed");
                }
                Ok(())
            }
            ClientFrame::Rate { score, comment } => self.rate(score, comment).await,
            ClientFrame::Hello { .. } => Err(Close::Malformed.into()),
        }
    }

    /// Store a message, then acknowledge it.
    async fn post(&mut self, client_id: String, body: String) -> Result<(), End> {
        let Some(visitor_id) = self.visitor.as_ref().map(|v| v.id.clone()) else {
            return Err(Close::HelloExpected.into());
        };
        match self.store(&visitor_id, &client_id, &body).await {
            Ok(p) => {
                if !p.replayed {
                    self.app.tickets_changed(&self.tid);
                }
                // A replayed client id names the ticket it went to then, which need not be the
                // conversation now (a follow-up since): only a new message moves the socket.
                if !p.replayed && self.ticket.as_deref() != Some(p.ticket_id.as_str()) {
                    self.ticket = Some(p.ticket_id.clone());
                    if let Some(v) = self.visitor.as_mut() {
                        v.ticket_id = Some(p.ticket_id.clone());
                    }
                }
                let ack = ServerFrame::Ack {
                    client_id: &client_id,
                    message_id: &p.message_id,
                    conversation_id: &p.ticket_id,
                };
                self.send(&ack).await
            }
            Err(AppError::Invalid { key, detail, .. }) => {
                self.send(&ServerFrame::Error { client_id: Some(&client_id), code: key, detail: &detail }).await
            }
            Err(e) => {
                tracing::warn!(error = %e, "storing a chat message failed");
                Err(Close::ServerError.into())
            }
        }
    }

    async fn store(&self, visitor_id: &str, client_id: &str, body: &str) -> AppResult<conversations::Posted> {
        let opening = self.ticket.is_none();
        super::post_message(&self.app, &self.tenant, &self.settings, opening, visitor_id, client_id, body, vec![]).await
    }

    async fn on_live(&mut self, m: LiveMessage) -> Result<(), End> {
        let (tenant_id, event) = match m {
            LiveMessage::Event { tenant_id, event } => (tenant_id, event),
            LiveMessage::Typing { tenant_id, ticket_id, by_agent: true }
                if tenant_id == self.tid.as_str() && self.ticket.as_deref() == Some(ticket_id.as_str()) =>
            {
                return self.send(&ServerFrame::Typing).await;
            }
            _ => return Ok(()),
        };
        if tenant_id != self.tid.as_str() {
            return Ok(());
        }
        match &*event {
            DomainEvent::MessageCreated { ticket_id, message_id, kind, .. }
                if self.ticket.as_deref() == Some(ticket_id.as_str()) && *kind != MessageKind::Note =>
            {
                self.sync(Some(message_id.to_string())).await
            }
            DomainEvent::TicketCreated { ticket_id, message_id, requester_id, .. } => {
                let mine = self.ticket.as_deref() == Some(ticket_id.as_str())
                    || (self.ticket.is_none()
                        && self.visitor.as_ref().and_then(|v| v.contact_id.as_deref()) == Some(requester_id.as_str()));
                if !mine {
                    return Ok(());
                }
                // Another tab of this visitor opened the conversation: follow it.
                self.adopt().await;
                if self.ticket.as_deref() == Some(ticket_id.as_str()) {
                    return self.sync(Some(message_id.to_string())).await;
                }
                Ok(())
            }
            DomainEvent::TicketStatusChanged { ticket_id, after: Status::Solved, .. }
            | DomainEvent::CsatRated { ticket_id, .. }
                if self.ticket.as_deref() == Some(ticket_id.as_str()) =>
            {
                self.offer_csat().await
            }
            DomainEvent::TicketMerged { ticket_id, into_id, .. }
                if self.ticket.as_deref() == Some(ticket_id.as_str()) =>
            {
                self.ticket = Some(into_id.to_string());
                self.cursor = None;
                self.sync(None).await
            }
            _ => Ok(()),
        }
    }

    /// What this socket's feed follows: its conversation, or before it has one, conversations
    /// opened for its contact (by another tab).
    fn feed_keys(&self) -> Vec<Key> {
        let tenant = self.tid.as_str().to_string();
        match (&self.ticket, self.visitor.as_ref().and_then(|v| v.contact_id.clone())) {
            (Some(ticket), _) => vec![Key::Ticket { tenant, ticket: ticket.clone() }],
            (None, Some(contact)) => vec![Key::Requester { tenant, contact }],
            (None, None) => vec![],
        }
    }

    /// Re-read the visitor's current conversation (a second tab may have opened one).
    async fn adopt(&mut self) {
        let Some(id) = self.visitor.as_ref().map(|v| v.id.clone()) else { return };
        let tid = self.tid.clone();
        if let Ok(v) = self.app.db.read(move |c| visitors::get(c, &tid, &id)).await {
            if self.ticket.is_none() {
                self.ticket = v.ticket_id.clone();
            }
            self.visitor = Some(v);
        }
    }

    /// Send what the conversation has after the cursor, and `hint` (a message a live event
    /// named) if it was not among them.
    async fn sync(&mut self, hint: Option<String>) -> Result<(), End> {
        let Some(ticket) = self.ticket.clone() else { return Ok(()) };
        let (tid, cursor) = (self.tid.clone(), self.cursor.clone());
        let hint = hint.filter(|h| !self.sent.contains(h));
        let read = self
            .app
            .db
            .read(move |c| {
                let mut rows = conversations::after(c, &tid, &ticket, cursor.as_deref())?;
                let last = rows.last().map(|m| m.id.clone());
                if let Some(h) = hint.filter(|h| !rows.iter().any(|m| &m.id == h)) {
                    // Committed out of order (two writers at one instant): still shown once.
                    rows.extend(conversations::one(c, &tid, &ticket, &h)?);
                }
                Ok((rows, last))
            })
            .await;
        let (rows, last): (Vec<ChatMessage>, Option<String>) = match read {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "reading a conversation failed");
                return Err(Close::ServerError.into());
            }
        };
        for m in &rows {
            if self.sent.contains(&m.id) {
                continue;
            }
            self.send(&ServerFrame::message(m, &self.tenant.slug)).await?;
            self.sent.push_back(m.id.clone());
            if self.sent.len() > REMEMBERED {
                self.sent.pop_front();
            }
        }
        if last.is_some() {
            self.cursor = last;
        }
        Ok(())
    }

    /// Send one frame, waiting at most [`SEND_TIMEOUT`] for room in the outgoing queue.
    async fn send(&mut self, f: &ServerFrame<'_>) -> Result<(), End> {
        match tokio::time::timeout(SEND_TIMEOUT, self.session.text(f.encode())).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone),
            Err(_) => Err(Close::SlowConsumer.into()),
        }
    }

    async fn ping(&mut self) -> Result<(), End> {
        match tokio::time::timeout(SEND_TIMEOUT, self.session.ping(b"")).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone),
            Err(_) => Err(Close::SlowConsumer.into()),
        }
    }

    async fn lease(&self, open: bool) {
        let Some(id) = self.visitor.as_ref().map(|v| v.id.clone()) else { return };
        let tid = self.tid.clone();
        if let Err(e) = self.app.db.write(move |c| visitors::lease(c, &tid, &id, open)).await {
            tracing::warn!(error = %e, "renewing a widget lease failed");
        }
    }

    async fn finish(self, end: End) {
        if self.visitor.is_some() {
            self.lease(false).await;
        }
        let reason = match end {
            End::Close(c) => {
                tracing::debug!(code = c.code(), reason = c.reason(), "closing a widget connection");
                Some(CloseReason { code: CloseCode::from(c.code()), description: Some(c.reason().to_string()) })
            }
            End::Gone => None,
        };
        // A client that stopped reading may never take the close frame: don't wait for it.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.session.close(reason)).await;
    }
}
