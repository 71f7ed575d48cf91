//! Email. Inbound: two doors (the SMTP listener in [`smtp`], the HTTP door in
//! `web::inbound`) that store the raw message before they answer ([`store`]), and the
//! `mail.file` job ([`filing`]) that parses it ([`parse`]), threads it ([`threads`]) and files it
//! through the ticket intake. Outbound mail ([`outbound`]: acknowledgements, agent replies and
//! notices through lettre) records its own Message-IDs with [`threads::record_key`] and uses
//! [`threads::reply_token_for`] for the reply address, so answers to it thread like answers to
//! anything else.

pub mod address;
pub mod filing;
pub mod forwards;
pub mod outbound;
pub mod parse;
pub mod quotes;
pub mod smtp;
pub mod store;
pub mod threads;
pub mod tls;

/// The job kind that files one stored inbound message.
pub const FILE_JOB: &str = "mail.file";
