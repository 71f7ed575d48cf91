//! Chat: the widget's conversations. A conversation is a ticket of channel `chat`, opened through
//! the intake at the visitor's first message (so routing applies) and continued with
//! `tickets::commands::add_message`. This module knows nothing of WebSocket: `web::widget` speaks
//! the protocol and calls these functions.
//!
//! - [`settings`]: a tenant's allowed origins, identity secret, pre-chat form and looks
//!   ([`appearance`]: validated, and chosen by the visitor's language);
//! - [`visitors`]: visitor tokens (stored hashed), signed identities, the connection lease;
//! - [`conversations`]: posting a visitor's message exactly once per client id, and the
//!   messages a widget may show (never internal notes);
//! - [`files`]: what a visitor may upload, the files the widget shows, and which a visitor may
//!   download;
//! - [`offline`]: whether anyone can answer now, and when someone will be back;
//! - [`csat`]: the satisfaction prompt of a solved conversation, and the visitor's rating;
//! - [`suggestions`]: when a draft is worth suggesting articles for, and deflections recorded.

pub mod appearance;
pub mod conversations;
pub mod csat;
pub mod files;
pub mod offline;
pub mod settings;
pub mod suggestions;
pub mod visitors;
