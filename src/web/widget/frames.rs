//! The widget protocol's frames (JSON text frames with a `type` field) and close codes.

use serde::{Deserialize, Serialize};

use crate::chat::conversations::ChatMessage;

/// Largest frame a widget may send, in bytes.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Frames a connection may send at once…
pub const RATE_BURST: f64 = 40.0;
/// …and per second after that.
pub const RATE_PER_SEC: f64 = 4.0;

/// Why the server closed a connection (also in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// 1001: the server is shutting down; reconnect.
    GoingAway,
    /// 1003: a binary frame; the protocol is JSON text.
    Binary,
    /// 1009: a frame over [`MAX_FRAME_BYTES`].
    TooBig,
    /// 1011: the server failed; reconnect later.
    ServerError,
    /// 4000: a frame that is not JSON or not a known frame.
    Malformed,
    /// 4001: the first frame was not `hello`, or none came in time.
    HelloExpected,
    /// 4003: the visitor token is not one of this tenant's.
    TokenRefused,
    /// 4004: the identity signature does not verify (or the tenant has no identity secret).
    IdentityRefused,
    /// 4008: more frames than the rate limit allows.
    RateLimited,
    /// 4009: the client reads too slowly for what is sent to it.
    SlowConsumer,
    /// 4010: no answer to our pings.
    HeartbeatTimeout,
}

impl Close {
    /// The WebSocket close code.
    pub fn code(self) -> u16 {
        match self {
            Close::GoingAway => 1001,
            Close::Binary => 1003,
            Close::TooBig => 1009,
            Close::ServerError => 1011,
            Close::Malformed => 4000,
            Close::HelloExpected => 4001,
            Close::TokenRefused => 4003,
            Close::IdentityRefused => 4004,
            Close::RateLimited => 4008,
            Close::SlowConsumer => 4009,
            Close::HeartbeatTimeout => 4010,
        }
    }

    /// A short reason for the close frame (at most 123 bytes).
    pub fn reason(self) -> &'static str {
        match self {
            Close::GoingAway => "server shutting down",
            Close::Binary => "binary frames are not supported",
            Close::TooBig => "frame too large",
            Close::ServerError => "server error",
            Close::Malformed => "malformed frame",
            Close::HelloExpected => "hello expected",
            Close::TokenRefused => "visitor token refused",
            Close::IdentityRefused => "identity signature refused",
            Close::RateLimited => "rate limit exceeded",
            Close::SlowConsumer => "client too slow",
            Close::HeartbeatTimeout => "heartbeat timeout",
        }
    }
}

/// A signed identity from the tenant's backend.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub user_id: String,
    pub email: String,
    pub signature: String,
}

/// A frame from the widget.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    Hello {
        visitor_token: Option<String>,
        last_seen_id: Option<String>,
        name: Option<String>,
        email: Option<String>,
        locale: Option<String>,
        identity: Option<Identity>,
        /// The page the visitor is on (kept for the agent; optional).
        page_url: Option<String>,
    },
    Message {
        client_id: String,
        body: String,
    },
    Typing,
    Read {
        message_id: String,
    },
    /// The visitor's rating of their solved conversation (1-5), with an optional comment.
    Rate {
        score: i64,
        comment: Option<String>,
    },
}

impl ClientFrame {
    /// Parse a text frame; the error says what is wrong, for the close reason and the log.
    pub fn parse(text: &str) -> Result<ClientFrame, String> {
        let frame: ClientFrame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        // PostgreSQL text cannot hold NUL: refused here, as the HTTP doors refuse it.
        let texts: Vec<&str> = match &frame {
            ClientFrame::Hello { visitor_token, last_seen_id, name, email, locale, identity, page_url } => {
                let mut v: Vec<&str> = [visitor_token, last_seen_id, name, email, locale, page_url]
                    .iter()
                    .filter_map(|o| o.as_deref())
                    .collect();
                if let Some(i) = identity {
                    v.extend([i.user_id.as_str(), i.email.as_str(), i.signature.as_str()]);
                }
                v
            }
            ClientFrame::Message { client_id, body } => vec![client_id, body],
            ClientFrame::Read { message_id } => vec![message_id],
            ClientFrame::Rate { comment, .. } => comment.as_deref().into_iter().collect(),
            ClientFrame::Typing => vec![],
        };
        if texts.iter().any(|t| t.contains('\0')) {
            return Err("text must not contain NUL (U+0000)".into());
        }
        Ok(frame)
    }
}

/// A frame to the widget.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Welcome {
        visitor_token: &'a str,
        /// The ticket's id in the REST API; `null` until the first message opens it.
        conversation_id: Option<&'a str>,
        /// The pre-chat form to show (`off` once the visitor's email is known).
        prechat: &'a str,
        /// The widget's colour (`#rrggbb`) in the visitor's language, if set.
        color: Option<&'a str>,
        /// The greeting in the visitor's language, if set.
        greeting: Option<&'a str>,
    },
    Ack {
        client_id: &'a str,
        message_id: &'a str,
        conversation_id: &'a str,
    },
    Message {
        id: &'a str,
        author: &'a str,
        name: &'a str,
        body: &'a str,
        sent_at: String,
        /// The message's files; their `url` takes the visitor token as a bearer token.
        attachments: Vec<super::http::FileOut<'a>>,
    },
    Typing,
    /// The conversation is solved and may be rated: the rating so far (`null` before the first).
    Csat {
        conversation_id: &'a str,
        score: Option<i32>,
        comment: Option<&'a str>,
    },
    Offline {
        /// RFC 3339; `null` when no shift is scheduled.
        back_at: Option<String>,
    },
    /// A frame was understood but refused (an empty message, say); the connection stays open.
    Error {
        client_id: Option<&'a str>,
        code: &'a str,
        detail: &'a str,
    },
}

impl ServerFrame<'_> {
    /// The `message` frame for a stored message of the tenant with this slug.
    pub fn message<'a>(m: &'a ChatMessage, slug: &str) -> ServerFrame<'a> {
        ServerFrame::Message {
            id: &m.id,
            author: m.author,
            name: &m.name,
            body: &m.body,
            sent_at: m.sent_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            attachments: m.files.iter().map(|f| super::http::FileOut::new(f, slug)).collect(),
        }
    }

    /// As JSON text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"type\":\"error\"}".into())
    }
}

/// A token bucket for one connection's frames (not time-asserted anywhere: a flood of frames
/// written at once always empties it).
pub struct RateLimit {
    tokens: f64,
    last: std::time::Instant,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { tokens: RATE_BURST, last: std::time::Instant::now() }
    }
}

impl RateLimit {
    /// Take one frame's token; `false` when the bucket is empty.
    pub fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * RATE_PER_SEC).min(RATE_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_by_type_and_refuse_strangers() {
        assert!(matches!(ClientFrame::parse(r#"{"type":"typing"}"#), Ok(ClientFrame::Typing)));
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"message","client_id":"c1","body":"hi"}"#),
            Ok(ClientFrame::Message { .. })
        ));
        assert!(ClientFrame::parse(r#"{"type":"nope"}"#).is_err());
        assert!(ClientFrame::parse(r#"{"type":"message","body":"hi"}"#).is_err());
        assert!(ClientFrame::parse(r#"{"type":"message","client_id":"c","body":"a\u0000b"}"#).is_err());
        assert!(ClientFrame::parse("not json").is_err());
        assert!(matches!(ClientFrame::parse(r#"{"type":"rate","score":5}"#), Ok(ClientFrame::Rate { score: 5, .. })));
        assert!(ClientFrame::parse(r#"{"type":"rate","score":5,"comment":"a\u0000"}"#).is_err());
    }

    #[test]
    fn a_burst_beyond_the_bucket_is_refused() {
        let mut r = RateLimit::default();
        let allowed = (0..1000).filter(|_| r.take()).count();
        assert!(allowed < 100, "{allowed}");
    }

    #[test]
    fn server_frames_carry_their_type() {
        let f = ServerFrame::Offline { back_at: None }.encode();
        assert_eq!(f, r#"{"type":"offline","back_at":null}"#);
    }
}
