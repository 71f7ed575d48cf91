//! The built-in SMTP listener: an explicit session state machine with a limit at every state
//! (connections, line length, command and data timeouts, recipients, errors, message size).
//! Commands are parsed by smtp-proto; DATA is dot-unstuffed as it streams into one buffer, which
//! goes to the database as it is. `250` is answered only after the message, one row per
//! recipient tenant, has committed with its filing job. STARTTLS is offered when a certificate
//! is configured; the session after it starts afresh (RFC 3207), in a new [`Session`] over the
//! TLS stream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tracing::Instrument;

use super::address::{parse_recipient, Recipient};
use super::store::{self, Envelope, Source};
use crate::db::Db;
use crate::error::AppError;
use crate::tenancy::{self, TenantId};

/// Longest command line accepted (RFC 5321 allows 512; extensions make more reasonable).
const MAX_LINE: usize = 4096;
/// Bad commands tolerated before the connection is closed.
const MAX_ERRORS: u32 = 10;
/// DATA is read in pieces of at most this much.
const CHUNK: u64 = 64 * 1024;
/// A DATA transfer may take this many command timeouts in all.
const DATA_TIMEOUTS: u32 = 10;

/// Limits and names, from the config.
#[derive(Debug, Clone)]
pub struct Settings {
    pub domain: String,
    pub max_message_bytes: usize,
    pub max_recipients: usize,
    pub max_connections: usize,
    pub timeout: Duration,
}

/// What a session needs from the server.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    /// Commits received messages, grouped with other deliveries' (see [`store::Receiver`]).
    pub receiver: store::Receiver,
    /// Wakes this process's job worker after a message is stored.
    pub jobs_wakeup: Arc<Notify>,
    /// Offers STARTTLS with this certificate, when configured.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

/// Bind the listener (so the server can report its address before serving).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen for SMTP on {addr}: {e}"))
}

/// Accept connections until `shutdown` turns true.
pub async fn serve(listener: TcpListener, services: Services, settings: Settings, mut shutdown: watch::Receiver<bool>) {
    let settings = Arc::new(settings);
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => {
                // Replies are small and each is awaited by the client before its next command.
                let _ = a.0.set_nodelay(true);
                a
            }
            Err(e) => {
                tracing::warn!(error = %e, "SMTP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (services, settings) = (services.clone(), settings.clone());
        match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                let span = tracing::info_span!("smtp", %peer);
                tokio::spawn(
                    async move {
                        if let Err(e) = connection(stream, &services, &settings).await {
                            tracing::debug!(error = %e, "SMTP session ended");
                        }
                        drop(permit);
                    }
                    .instrument(span),
                );
            }
            Err(_) => {
                tokio::spawn(async move {
                    let mut stream = stream;
                    let _ = stream.write_all(b"421 4.7.0 Too many connections, try again later\r\n").await;
                    let _ = stream.shutdown().await;
                });
            }
        }
    }
    tracing::info!("SMTP listener stopped");
}

/// Serve one connection: in the clear, then (after STARTTLS) over TLS.
async fn connection(stream: TcpStream, services: &Services, settings: &Settings) -> Io {
    let mut plain = Session::new(BufReader::new(stream), services, settings, false);
    if plain.run(true).await? != End::StartTls {
        return Ok(());
    }
    let Some(acceptor) = services.tls.clone() else { return Ok(()) };
    let tcp = plain.io.into_inner();
    let tls = match tokio::time::timeout(settings.timeout, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake timeout")),
    };
    let mut secure = Session::new(BufReader::new(tls), services, settings, true);
    secure.errors = plain.errors;
    secure.run(false).await.map(|_| ())
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Closed (QUIT, the client left, a limit).
    Closed,
    /// The client asked for TLS and was told to go ahead.
    StartTls,
}

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before EHLO/HELO.
    Connected,
    /// Greeted; no transaction.
    Ready,
    /// MAIL accepted; taking recipients.
    Mail,
}

/// How reading a line ended.
enum Read {
    Line,
    TooLong,
    Closed,
}

type Io = std::io::Result<()>;

struct Session<'a, S> {
    io: BufReader<S>,
    /// Whether this session runs over TLS (STARTTLS is then no longer offered).
    secure: bool,
    /// Set when STARTTLS was accepted: the session ends for the handshake.
    upgrade: bool,
    services: &'a Services,
    settings: &'a Settings,
    phase: Phase,
    from: Option<String>,
    /// One entry per recipient tenant: its first matching address and reply token.
    tenants: Vec<(TenantId, Recipient)>,
    recipients: usize,
    errors: u32,
    /// The size the client declared (MAIL FROM … SIZE=), to allocate the message buffer once.
    size_hint: usize,
}

impl<'a, S: AsyncRead + AsyncWrite + Unpin> Session<'a, S> {
    fn new(io: BufReader<S>, services: &'a Services, settings: &'a Settings, secure: bool) -> Self {
        Session {
            io,
            secure,
            upgrade: false,
            services,
            settings,
            phase: Phase::Connected,
            from: None,
            tenants: Vec::new(),
            recipients: 0,
            errors: 0,
            size_hint: 0,
        }
    }

    async fn reply(&mut self, text: &str) -> Io {
        // One write per reply: the text and its CRLF written apart stall on Nagle's algorithm
        // meeting the client's delayed ACK (40 ms a command on Linux).
        let mut line = Vec::with_capacity(text.len() + 2);
        line.extend_from_slice(text.as_bytes());
        line.extend_from_slice(b"\r\n");
        self.io.write_all(&line).await?;
        self.io.flush().await
    }

    /// Count a refused command; past the limit, say so and end the session.
    async fn error(&mut self, text: &str) -> std::io::Result<bool> {
        self.errors += 1;
        if self.errors > MAX_ERRORS {
            self.reply("421 4.7.0 Too many errors, closing connection").await?;
            return Ok(false);
        }
        self.reply(text).await?;
        Ok(true)
    }

    /// Read one line of at most `limit` bytes into `buf` within the command timeout.
    async fn read_line(&mut self, buf: &mut Vec<u8>, limit: u64) -> std::io::Result<Read> {
        buf.clear();
        let mut bounded = (&mut self.io).take(limit);
        let read = bounded.read_until(b'\n', buf);
        match tokio::time::timeout(self.settings.timeout, read).await {
            Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "command timeout")),
            Ok(Err(e)) => Err(e),
            Ok(Ok(0)) => Ok(Read::Closed),
            Ok(Ok(_)) if buf.ends_with(b"\n") => Ok(Read::Line),
            Ok(Ok(n)) if (n as u64) < limit => Ok(Read::Closed),
            Ok(Ok(_)) => Ok(Read::TooLong),
        }
    }

    /// Skip the rest of an overlong line; a client still sending after 64 KiB is cut off.
    async fn skip_line(&mut self) -> std::io::Result<bool> {
        let mut sink = Vec::new();
        for _ in 0..16 {
            match self.read_line(&mut sink, MAX_LINE as u64).await? {
                Read::Line => return Ok(true),
                Read::TooLong => continue,
                Read::Closed => return Ok(false),
            }
        }
        Ok(false)
    }

    fn reset(&mut self) {
        self.from = None;
        self.tenants.clear();
        self.recipients = 0;
        self.size_hint = 0;
        if self.phase == Phase::Mail {
            self.phase = Phase::Ready;
        }
    }

    async fn run(&mut self, greet: bool) -> std::io::Result<End> {
        if greet {
            let greeting = format!("220 {} Meridian ESMTP ready", self.settings.domain);
            self.reply(&greeting).await?;
        }
        let mut line = Vec::with_capacity(256);
        loop {
            match self.read_line(&mut line, MAX_LINE as u64).await {
                Ok(Read::Line) => {}
                Ok(Read::Closed) => return Ok(End::Closed),
                Ok(Read::TooLong) => {
                    if !self.skip_line().await? || !self.error("500 5.5.2 Line too long").await? {
                        return Ok(End::Closed);
                    }
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    let _ = self.reply("421 4.4.2 Timeout, closing connection").await;
                    return Ok(End::Closed);
                }
                Err(e) => return Err(e),
            }
            if !self.command(&line).await? {
                return Ok(if self.upgrade { End::StartTls } else { End::Closed });
            }
        }
    }

    /// Handle one command line; `false` ends the session.
    async fn command(&mut self, line: &[u8]) -> std::io::Result<bool> {
        use smtp_proto::Request;
        let request = match Request::parse(&mut line.iter()) {
            Ok(r) => r.into_owned(),
            Err(smtp_proto::Error::UnknownCommand) => return self.error("500 5.5.1 Command not recognised").await,
            Err(smtp_proto::Error::InvalidSenderAddress) => return self.error("501 5.1.7 Bad sender address").await,
            Err(smtp_proto::Error::InvalidRecipientAddress) => {
                return self.error("501 5.1.3 Bad recipient address").await
            }
            Err(smtp_proto::Error::SyntaxError { syntax }) => {
                return self.error(&format!("501 5.5.4 Syntax: {syntax}")).await
            }
            Err(_) => return self.error("501 5.5.4 Invalid parameters").await,
        };
        match request {
            Request::Ehlo { host: _ } => {
                self.reset();
                self.phase = Phase::Ready;
                let starttls = if self.services.tls.is_some() && !self.secure { "250-STARTTLS\r\n" } else { "" };
                let text = format!(
                    "250-{}\r\n250-SIZE {}\r\n250-8BITMIME\r\n250-PIPELINING\r\n{starttls}250 ENHANCEDSTATUSCODES",
                    self.settings.domain, self.settings.max_message_bytes
                );
                self.reply(&text).await?;
            }
            Request::Helo { host: _ } => {
                self.reset();
                self.phase = Phase::Ready;
                let text = format!("250 {}", self.settings.domain);
                self.reply(&text).await?;
            }
            Request::Mail { from } => {
                if self.phase != Phase::Ready {
                    let text = if self.phase == Phase::Connected {
                        "503 5.5.1 Say EHLO first"
                    } else {
                        "503 5.5.1 Sender already given"
                    };
                    return self.error(text).await;
                }
                if from.size > self.settings.max_message_bytes {
                    return self.error("552 5.3.4 Message size exceeds the limit").await;
                }
                self.from = Some(from.address.replace('\0', "").to_ascii_lowercase());
                self.size_hint = from.size;
                self.phase = Phase::Mail;
                self.reply("250 2.1.0 Ok").await?;
            }
            Request::Rcpt { to } => {
                if self.phase != Phase::Mail {
                    return self.error("503 5.5.1 Need MAIL first").await;
                }
                if self.recipients >= self.settings.max_recipients {
                    self.reply("452 4.5.3 Too many recipients").await?;
                    return Ok(true);
                }
                let Some(rcpt) = parse_recipient(&to.address, &self.settings.domain) else {
                    return self.error("550 5.1.1 No such mailbox here").await;
                };
                let slug = rcpt.slug.clone();
                match self.services.db.read(move |c| tenancy::by_slug(c, &slug)).await {
                    Ok(t) => {
                        let tid = t.tenant_id();
                        match self.tenants.iter_mut().find(|(id, _)| *id == tid) {
                            Some((_, first)) if first.token.is_none() => first.token = rcpt.token,
                            Some(_) => {}
                            None => self.tenants.push((tid, rcpt)),
                        }
                        self.recipients += 1;
                        self.reply("250 2.1.5 Ok").await?;
                    }
                    Err(AppError::NotFound) => return self.error("550 5.1.1 No such mailbox here").await,
                    Err(e) => {
                        tracing::warn!(error = %e, "SMTP recipient lookup failed");
                        self.reply("451 4.3.0 Temporary failure, try again later").await?;
                    }
                }
            }
            Request::Data => {
                if self.phase != Phase::Mail || self.tenants.is_empty() {
                    return self.error("503 5.5.1 Need RCPT first").await;
                }
                self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
                return self.data().await;
            }
            Request::Rset => {
                self.reset();
                self.reply("250 2.0.0 Ok").await?;
            }
            Request::Noop { .. } => self.reply("250 2.0.0 Ok").await?,
            Request::Vrfy { .. } => self.reply("252 2.5.0 Cannot verify, but will accept").await?,
            Request::Quit => {
                self.reply("221 2.0.0 Bye").await?;
                return Ok(false);
            }
            Request::StartTls if self.secure => return self.error("503 5.5.1 TLS is already active").await,
            Request::StartTls if self.services.tls.is_none() => {
                return self.error("502 5.5.1 STARTTLS is not offered").await
            }
            Request::StartTls => {
                // Commands sent after STARTTLS but before the handshake would be read as if they
                // came over TLS (CVE-2011-0411): refuse them rather than carry them over.
                if !self.io.buffer().is_empty() {
                    self.reply("554 5.5.1 Commands after STARTTLS must wait for TLS").await?;
                    return Ok(false);
                }
                self.reply("220 2.0.0 Ready to start TLS").await?;
                self.upgrade = true;
                return Ok(false);
            }
            _ => return self.error("502 5.5.1 Command not implemented").await,
        }
        Ok(true)
    }

    /// Read the message after 354, store it, answer; `false` ends the session.
    async fn data(&mut self) -> std::io::Result<bool> {
        let max = self.settings.max_message_bytes;
        let deadline = tokio::time::Instant::now() + self.settings.timeout * DATA_TIMEOUTS;
        // The declared size is only a hint: anyone may claim the limit, so no more than 4 MiB is
        // reserved up front; beyond that the buffer grows as bytes really arrive.
        let reserve = self.size_hint.clamp(64 * 1024, 4 << 20).min(max);
        let mut raw: Vec<u8> = Vec::with_capacity(reserve);
        let (mut piece, mut line_start, mut oversize, mut skipped) = (Vec::new(), true, false, 0usize);
        loop {
            if tokio::time::Instant::now() > deadline {
                let _ = self.reply("421 4.4.2 Message took too long, closing connection").await;
                return Ok(false);
            }
            piece.clear();
            let mut bounded = (&mut self.io).take(CHUNK);
            let read = bounded.read_until(b'\n', &mut piece);
            let n = match tokio::time::timeout(self.settings.timeout, read).await {
                Err(_) => {
                    let _ = self.reply("421 4.4.2 Timeout, closing connection").await;
                    return Ok(false);
                }
                Ok(r) => r?,
            };
            if n == 0 {
                // The client went away mid-message: nothing is stored.
                return Ok(false);
            }
            if line_start && (piece == b".\r\n" || piece == b".\n") {
                break;
            }
            // A leading dot was doubled by the client (RFC 5321 4.5.2).
            let content = if line_start && piece.starts_with(b".") { &piece[1..] } else { &piece[..] };
            line_start = piece.ends_with(b"\n");
            if !oversize && raw.len() + content.len() > max {
                oversize = true;
                raw = Vec::new();
            }
            if oversize {
                skipped += content.len();
                if skipped > max.saturating_mul(2) {
                    let _ = self.reply("552 5.3.4 Message size exceeds the limit").await;
                    return Ok(false);
                }
            } else {
                raw.extend_from_slice(content);
            }
        }
        if oversize {
            self.reset();
            self.reply("552 5.3.4 Message size exceeds the limit").await?;
            return Ok(true);
        }
        let answer = self.store(raw).await;
        self.reset();
        self.reply(&answer).await?;
        Ok(true)
    }

    /// Commit the message for every recipient tenant; the reply to send.
    async fn store(&mut self, raw: Vec<u8>) -> String {
        let sha = store::sha256_hex(&raw);
        let from = self.from.clone();
        let envelopes: Vec<(TenantId, Envelope)> = self
            .tenants
            .iter()
            .map(|(t, r)| {
                let envelope = Envelope {
                    source: Source::Smtp,
                    from: from.clone(),
                    recipient: r.address.clone(),
                    reply_token: r.token.clone(),
                };
                (t.clone(), envelope)
            })
            .collect();
        let stored = self.services.receiver.store(store::Received { envelopes, raw, sha256: sha }).await;
        match stored {
            Ok(ids) => {
                self.services.jobs_wakeup.notify_one();
                format!("250 2.0.0 Ok: queued as {}", ids.first().map(String::as_str).unwrap_or("-"))
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot store inbound mail");
                "451 4.3.0 Cannot store the message now, try again later".into()
            }
        }
    }
}
