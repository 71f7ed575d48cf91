//! The chat widget's WebSocket end to end: a real WebSocket client (tokio-tungstenite) as the
//! visitor, the REST API as the agent, on both databases. The helpers are here; the tests, by
//! topic, beside: `appearance` (pre-chat form, colour, greeting), `conversation` (tickets,
//! acks, live replies, notes, reconnects), `csat` (ratings of solved conversations), `files` (uploads,
//! downloads and their refusals), `suggestions` (articles while typing, deflections), `stats`
//! (their numbers for admins), `refused` (other tenants, identities, origins, limits) and
//! `offline` (no shift, mail when away).

mod appearance;
mod conversation;
mod csat;
mod files;
mod offline;
mod processes;
mod refused;
mod setup;
mod statements;
mod stats;
mod suggestions;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::harness::TestApp;
use meridian::accounts::tokens;
use meridian::tenancy::Tenant;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for a frame before it calls the server stuck (a guard, not a measure).
const PATIENCE: Duration = Duration::from_secs(15);

/// One widget connection, as the browser script holds it.
pub struct Widget {
    ws: Socket,
}

/// How a connection attempt or a connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// The handshake was answered with this HTTP status.
    Refused(u16),
    /// The server closed with this code.
    Closed(u16),
}

pub fn api_token(app: &TestApp, t: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "chat", None)).unwrap().1
}

fn ws_url(base: &str, slug: &str) -> String {
    format!("{}/widget/ws/{slug}", base.replacen("http://", "ws://", 1))
}

impl Widget {
    /// Connect, sending `origin` as the browser would.
    pub async fn try_connect(app: &TestApp, slug: &str, origin: Option<&str>) -> Result<Widget, Ending> {
        Self::try_connect_at(&app.base, slug, origin).await
    }

    /// [`Widget::try_connect`] to the server at `base` (another process).
    pub async fn try_connect_at(base: &str, slug: &str, origin: Option<&str>) -> Result<Widget, Ending> {
        let mut req = ws_url(base, slug).into_client_request().unwrap();
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => Ok(Widget { ws }),
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(Ending::Refused(r.status().as_u16())),
            Err(e) => panic!("connect: {e}"),
        }
    }

    pub async fn connect(app: &TestApp, slug: &str) -> Widget {
        Self::try_connect(app, slug, None).await.expect("connect")
    }

    /// Connect and say hello with `fields`; returns the socket and the welcome.
    pub async fn hello(app: &TestApp, slug: &str, fields: Value) -> (Widget, Value) {
        Self::hello_at(&app.base, slug, fields).await
    }

    /// [`Widget::hello`] to the server at `base`.
    pub async fn hello_at(base: &str, slug: &str, fields: Value) -> (Widget, Value) {
        let mut w = Self::try_connect_at(base, slug, None).await.expect("connect");
        let mut hello = json!({"type": "hello"});
        for (k, v) in fields.as_object().cloned().unwrap_or_default() {
            hello[k] = v;
        }
        w.send(hello).await;
        let welcome = w.recv().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (w, welcome)
    }

    pub async fn send(&mut self, v: Value) {
        self.ws.send(Message::text(v.to_string())).await.expect("send");
    }

    pub async fn send_raw(&mut self, m: Message) {
        // The server may already have closed on an earlier frame of a flood.
        let _ = self.ws.send(m).await;
    }

    /// The next JSON frame; panics when the connection ends instead.
    pub async fn recv(&mut self) -> Value {
        loop {
            let m = tokio::time::timeout(PATIENCE, self.ws.next()).await.expect("a frame in time");
            match m {
                Some(Ok(Message::Text(t))) => return serde_json::from_str(t.as_str()).expect("JSON frame"),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a frame, got {other:?}"),
            }
        }
    }

    /// The next frame of `kind`, skipping others.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let f = self.recv().await;
            if f["type"] == kind {
                return f;
            }
        }
    }

    /// Send a message and wait for its ack (skipping message frames on the way).
    pub async fn say(&mut self, client_id: &str, body: &str) -> Value {
        self.send(json!({"type": "message", "client_id": client_id, "body": body})).await;
        let ack = self.recv_type("ack").await;
        assert_eq!(ack["client_id"], client_id, "{ack}");
        ack
    }

    /// Read until the server closes; its close code (frames before it are dropped).
    pub async fn closed(&mut self) -> Ending {
        loop {
            let m = tokio::time::timeout(PATIENCE, self.ws.next()).await.expect("the close in time");
            match m {
                Some(Ok(Message::Close(Some(f)))) => return Ending::Closed(u16::from(f.code)),
                Some(Ok(Message::Close(None))) => return Ending::Closed(1005),
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("connection failed instead of closing: {e}"),
                None => panic!("connection ended without a close frame"),
            }
        }
    }

    /// Close as a browser tab does, and wait for the server's answer: by then the server has
    /// noted that the visitor left.
    pub async fn leave(mut self) {
        self.ws.send(Message::Close(None)).await.expect("send close");
        assert!(matches!(self.closed().await, Ending::Closed(_)));
    }

    /// Drop the connection without a close handshake, as a phone losing its network does.
    pub fn vanish(self) {
        drop(self.ws);
    }
}

/// An agent's reply (or note) through the REST API.
pub async fn agent_posts(app: &TestApp, tok: &str, ticket: &str, agent: &str, kind: &str, body: &str) -> Value {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .bearer_auth(tok)
        .json(&json!({"body": body, "kind": kind, "author_agent_id": agent}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// The owner agent's id of a seeded tenant.
pub async fn owner_id(app: &TestApp, tok: &str) -> String {
    let list = app.api_json(tok, "/api/v1/agents").await;
    list["data"][0]["id"].as_str().expect("an agent").to_string()
}

/// The bodies of a ticket's messages through the REST API, in timeline order, with their kinds.
pub async fn ticket_messages(app: &TestApp, tok: &str, ticket: &str) -> Vec<(String, String)> {
    let list = app.api_json(tok, &format!("/api/v1/tickets/{ticket}/messages")).await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["kind"].as_str().unwrap().to_string(), m["body_text"].as_str().unwrap().to_string()))
        .collect()
}

/// The server still answers.
pub async fn healthy(app: &TestApp) {
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
}
