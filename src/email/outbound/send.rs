//! The `mail.send` job: render one outbound mail (askama templates under `templates/email/`,
//! text through Fluent in the mail's locale), build it with lettre, DKIM-sign it when the tenant
//! has a key, and hand it to the [`Transport`]. Temporary failures (4xx, no connection) are
//! retried by the job queue with its backoff; a permanent refusal (5xx), a message that cannot be
//! built, or the last attempt leaves the mail `dead`, shown on its ticket with a retry button.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use askama::Template;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
};
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::settings::{self, EmailSettings};
use super::{kind, state, Outbound};
use crate::accounts::{agents, contacts};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{I18n, Tr};
use crate::jobs::JobContext;
use crate::kb::files::INLINE_TYPES;
use crate::tenancy::{Tenant, TenantId};
use crate::tickets::attachments::Attachment;
use crate::tickets::composer::{IMAGE_PREFIX, IMAGE_SUFFIX};
use crate::tickets::{commands, Ticket};

/// Where outgoing mail goes.
pub enum Transport {
    /// An SMTP relay (`MERIDIAN_SMTP_URL`).
    Relay(AsyncSmtpTransport<Tokio1Executor>),
    /// No relay: `.eml` files in this folder, delivered to nobody.
    Folder(PathBuf),
}

impl Transport {
    /// The relay for `url` (lettre's URL form: `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`), or the outbox folder under `data_dir` when there is none.
    pub fn from_config(url: Option<&str>, data_dir: &std::path::Path, hello: &str) -> anyhow::Result<Transport> {
        match url {
            Some(u) => {
                let relay = AsyncSmtpTransport::<Tokio1Executor>::from_url(u)
                    .map_err(|e| anyhow::anyhow!("MERIDIAN_SMTP_URL is not a usable SMTP URL: {e}"))?
                    .hello_name(lettre::transport::smtp::extension::ClientId::Domain(hello.to_string()))
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                Ok(Transport::Relay(relay))
            }
            None => Ok(Transport::Folder(data_dir.join("outbox"))),
        }
    }

    /// Whether mail actually leaves (false: it is only written to the outbox folder).
    pub fn delivers(&self) -> bool {
        matches!(self, Transport::Relay(_))
    }

    async fn deliver(&self, id: &str, msg: &Message) -> Result<(), Failure> {
        match self {
            Transport::Relay(relay) => relay.send(msg.clone()).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    Failure::Permanent(e.to_string())
                } else {
                    Failure::Transient(e.to_string())
                }
            }),
            Transport::Folder(dir) => {
                let (dir, id, bytes) = (dir.clone(), id.to_string(), msg.formatted());
                tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                    std::fs::create_dir_all(&dir)?;
                    // Written under a temporary name and renamed, so a reader never sees half a file.
                    let tmp = dir.join(format!(".{id}.tmp"));
                    std::fs::write(&tmp, &bytes)?;
                    std::fs::rename(&tmp, dir.join(format!("{id}.eml")))
                })
                .await
                .map_err(|e| Failure::Transient(e.to_string()))?
                .map_err(|e| Failure::Transient(format!("cannot write to the outbox folder: {e}")))
            }
        }
    }
}

/// Why an attempt failed.
enum Failure {
    /// Retry later (4xx, connection, database).
    Transient(String),
    /// Never retried by itself (5xx, a message that cannot be built).
    Permanent(String),
}

fn transient(e: AppError) -> Failure {
    Failure::Transient(e.to_string())
}

/// What the send job works with (captured when the handler is registered).
#[derive(Clone)]
pub struct Sender {
    pub db: Db,
    pub i18n: Arc<I18n>,
    pub transport: Arc<Transport>,
    /// Our inbound domain (reply addresses, the default From).
    pub domain: String,
    /// The configured attempts of jobs that set none.
    pub default_max_attempts: i32,
    /// Signs the rating links of the solved notice.
    pub links: Arc<crate::accounts::sessions::SessionKeys>,
    /// The server's public base URL, which those links start with.
    pub base_url: String,
    /// Where the images shown in a reply are stored.
    pub blobs: crate::tickets::attachments::Blobs,
}

/// Everything one mail is made from, read in one go.
struct Parts {
    row: Outbound,
    tenant: Tenant,
    settings: EmailSettings,
    ticket: Option<Ticket>,
    requester_name: Option<String>,
    reply_token: Option<String>,
    /// The reply's text and its author's name.
    body: Option<(String, String)>,
    /// The reply's sanitised HTML (written in the composer's Markdown), when it has one.
    html: Option<String>,
    /// The reply's images that its HTML shows, to go inline.
    images: Vec<crate::tickets::attachments::Attachment>,
    /// For a webhook notice: the subscription's URL and why it was turned off.
    webhook: Option<(String, String)>,
}

/// What the email templates show.
pub struct MailView {
    pub t: Tr,
    pub number: i64,
    pub subject: String,
    pub workspace: String,
    pub requester: String,
    pub body: String,
    /// The reply as sanitised HTML, its images addressed by `cid:`; empty when it has none.
    pub body_html: String,
    pub agent: String,
    pub signature: String,
    /// For a webhook notice: the subscription's URL.
    pub webhook_url: String,
    /// For a webhook notice: why it was turned off.
    pub webhook_reason: String,
    /// For an invitation or reset: the link to set a password; for a portal sign-in, its link.
    pub link: String,
    /// For the solved notice: the help-center links rating the ticket good and bad (empty when
    /// it cannot be rated).
    pub rate_good: String,
    pub rate_bad: String,
}

impl MailView {
    /// The reply's lines (the HTML part shows them with `<br>`, escaped).
    pub fn body_lines(&self) -> Vec<&str> {
        self.body.lines().collect()
    }

    /// The signature's lines.
    pub fn signature_lines(&self) -> Vec<&str> {
        self.signature.lines().collect()
    }
}

macro_rules! mail_templates {
    ($($name:ident => $path:literal),* $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                m: &'a MailView,
            }
        )*
    };
}

mail_templates! {
    AckText => "email/ack/body.txt", AckHtml => "email/ack/body.html",
    ReplyText => "email/reply/body.txt", ReplyHtml => "email/reply/body.html",
    SolvedText => "email/solved/body.txt", SolvedHtml => "email/solved/body.html",
    TestText => "email/test/body.txt", TestHtml => "email/test/body.html",
    WebhookText => "email/webhook_disabled/body.txt", WebhookHtml => "email/webhook_disabled/body.html",
    InviteText => "email/agent_invite/body.txt", InviteHtml => "email/agent_invite/body.html",
    ResetText => "email/password_reset/body.txt", ResetHtml => "email/password_reset/body.html",
    PortalText => "email/portal_link/body.txt", PortalHtml => "email/portal_link/body.html",
}

/// Subject, text and HTML of a mail.
fn render(what: &str, m: &MailView) -> Result<(String, String, String), Failure> {
    let n = m.number;
    let subject = match what {
        kind::ACK => m.t.t2("email-subject-ack", "number", n, "subject", &m.subject),
        kind::REPLY => m.t.t2("email-subject-reply", "number", n, "subject", &m.subject),
        kind::SOLVED => m.t.t2("email-subject-solved", "number", n, "subject", &m.subject),
        kind::WEBHOOK_DISABLED => m.t.t1("email-subject-webhook-disabled", "workspace", &m.workspace),
        kind::AGENT_INVITE => m.t.t1("email-subject-agent-invite", "workspace", &m.workspace),
        kind::PASSWORD_RESET => m.t.t1("email-subject-password-reset", "workspace", &m.workspace),
        kind::PORTAL_LINK => m.t.t1("portal-email-subject", "workspace", &m.workspace),
        _ => m.t.t1("email-subject-test", "workspace", &m.workspace),
    };
    let r = |x: Result<String, askama::Error>| x.map_err(|e| Failure::Permanent(format!("email template: {e}")));
    let (text, html) = match what {
        kind::ACK => (r(AckText { m }.render())?, r(AckHtml { m }.render())?),
        kind::REPLY => (r(ReplyText { m }.render())?, r(ReplyHtml { m }.render())?),
        kind::SOLVED => (r(SolvedText { m }.render())?, r(SolvedHtml { m }.render())?),
        kind::WEBHOOK_DISABLED => (r(WebhookText { m }.render())?, r(WebhookHtml { m }.render())?),
        kind::AGENT_INVITE => (r(InviteText { m }.render())?, r(InviteHtml { m }.render())?),
        kind::PASSWORD_RESET => (r(ResetText { m }.render())?, r(ResetHtml { m }.render())?),
        kind::PORTAL_LINK => (r(PortalText { m }.render())?, r(PortalHtml { m }.render())?),
        _ => (r(TestText { m }.render())?, r(TestHtml { m }.render())?),
    };
    Ok((subject, text, html))
}

fn mailbox(name: Option<&str>, address: &str) -> Result<Mailbox, Failure> {
    let addr = address.parse().map_err(|e| Failure::Permanent(format!("{address:?} is not an address: {e}")))?;
    Ok(Mailbox::new(name.map(str::to_string), addr))
}

fn angle(ids: &[&str]) -> String {
    ids.iter().map(|i| format!("<{i}>")).collect::<Vec<_>>().join(" ")
}

impl Sender {
    /// The Content-ID of an image in a reply.
    fn cid(&self, a: &Attachment) -> String {
        format!("{}@{}", a.id, self.domain)
    }

    /// The reply's HTML with its images addressed to the parts that carry them.
    fn with_cids(&self, html: &str, images: &[(&Attachment, Bytes)]) -> String {
        images.iter().fold(html.to_string(), |h, (a, _)| {
            let url = format!("{IMAGE_PREFIX}{}{IMAGE_SUFFIX}", a.id);
            h.replace(&format!("\"{url}\""), &format!("\"cid:{}\"", self.cid(a)))
        })
    }

    /// The help-center page rating `ticket`, valid as long as the ticket may be rated.
    fn rating_link(&self, tenant: &Tenant, ticket: &Ticket, locale: &str) -> Option<String> {
        let solved = ticket.solved_at?;
        let expires = (solved + chrono::Duration::days(crate::tickets::csat::WINDOW_DAYS)).and_utc().timestamp();
        let link =
            crate::tickets::csat_link::Link { tenant_id: tenant.id.clone(), ticket_id: ticket.id.to_string(), expires };
        let token = crate::tickets::csat_link::sign(&self.links, &link);
        Some(format!("{}/h/{}/{locale}/satisfaction/{token}", self.base_url.trim_end_matches('/'), tenant.slug))
    }

    /// Run one `mail.send` job. `Err` asks the worker for a retry; the last attempt marks the
    /// mail dead.
    pub async fn run(&self, ctx: JobContext) -> Result<(), String> {
        let tenant = TenantId::from_trusted(ctx.job.tenant_id.clone().ok_or("mail.send job without a tenant")?);
        let payload = ctx.payload()?;
        let id = payload["outbound_id"].as_str().ok_or("mail.send job without outbound_id")?.to_string();
        let max = if ctx.job.max_attempts > 0 { ctx.job.max_attempts } else { self.default_max_attempts };
        let (st, reason) = match self.send(&tenant, &id).await {
            Ok(false) => return Ok(()),
            Ok(true) => (state::SENT, None),
            Err(Failure::Transient(r)) if ctx.job.attempts < max => (state::RETRYING, Some(r)),
            Err(Failure::Permanent(r) | Failure::Transient(r)) => (state::DEAD, Some(r)),
        };
        if let Some(r) = &reason {
            tracing::warn!(outbound_id = %id, error = %r, state = st, "outbound mail not delivered");
        }
        let (t, i, r) = (tenant.clone(), id.clone(), reason.clone());
        self.db.write(move |c| super::mark(c, &t, &i, st, r.as_deref())).await.map_err(|e| e.to_string())?;
        match (st, reason) {
            (state::RETRYING, Some(r)) => Err(r),
            _ => Ok(()),
        }
    }

    /// Send one mail; `Ok(false)` when there was nothing to do (already sent).
    async fn send(&self, tenant: &TenantId, id: &str) -> Result<bool, Failure> {
        let (t, i) = (tenant.clone(), id.to_string());
        let parts = self.db.write(move |c| load(c, &t, &i)).await.map_err(transient)?;
        if parts.row.state == state::SENT {
            return Ok(false);
        }
        let mut images = Vec::new();
        for a in &parts.images {
            images.push((a, self.blobs.get(&a.storage_key).await.map_err(transient)?));
        }
        let msg = self.build(&parts, &images)?;
        self.transport.deliver(id, &msg).await?;
        Ok(true)
    }

    fn build(&self, p: &Parts, images: &[(&Attachment, Bytes)]) -> Result<Message, Failure> {
        let row = &p.row;
        let t = Tr::new(self.i18n.clone(), row.locale.clone());
        // The console's image addresses mean nothing to a mail client: the text names the image.
        let body = p.body.as_ref().map(|b| {
            crate::tickets::composer::plain_text(&b.0, |alt| match alt.trim() {
                "" => t.t("email-inline-image-unnamed"),
                name => t.t1("email-inline-image", "name", name),
            })
        });
        let mut view = MailView {
            t,
            number: p.ticket.as_ref().map_or(0, |t| t.number),
            subject: p.ticket.as_ref().map(|t| t.subject.clone()).unwrap_or_default(),
            workspace: p.tenant.name.clone(),
            requester: p.requester_name.clone().unwrap_or_else(|| row.to_address.clone()),
            body: body.unwrap_or_default(),
            body_html: p.html.as_deref().map(|h| self.with_cids(h, images)).unwrap_or_default(),
            agent: p.body.as_ref().map(|b| b.1.clone()).unwrap_or_default(),
            signature: p.settings.signature.clone().unwrap_or_default(),
            webhook_url: p.webhook.as_ref().map(|w| w.0.clone()).unwrap_or_default(),
            webhook_reason: p.webhook.as_ref().map(|w| w.1.clone()).unwrap_or_default(),
            link: row.agent_link.clone().unwrap_or_default(),
            rate_good: String::new(),
            rate_bad: String::new(),
        };
        if row.kind == kind::SOLVED {
            if let Some(base) = p.ticket.as_ref().and_then(|t| self.rating_link(&p.tenant, t, &row.locale)) {
                view.rate_good = format!("{base}?rating=good");
                view.rate_bad = format!("{base}?rating=bad");
            }
        }
        let (subject, text, html) = render(&row.kind, &view)?;
        let from_addr = p.settings.from_address(&p.tenant, &self.domain);
        let name = p.settings.from_name(&p.tenant);
        let mut b = Message::builder()
            .from(mailbox(Some(&name), &from_addr)?)
            .to(mailbox(p.requester_name.as_deref(), &row.to_address)?)
            .subject(subject)
            .message_id(Some(format!("<{}>", row.message_id_header)))
            .date_now();
        if let Some(token) = &p.reply_token {
            b = b.reply_to(mailbox(Some(&name), &format!("{}+{token}@{}", p.tenant.slug, self.domain))?);
        }
        for cc in row.cc_list() {
            b = b.cc(mailbox(None, cc)?);
        }
        if let Some(irt) = &row.in_reply_to {
            b = b.in_reply_to(format!("<{irt}>"));
        }
        let refs: Vec<&str> = row.references_header.split_whitespace().collect();
        if !refs.is_empty() {
            b = b.references(angle(&refs));
        }
        let body = if images.is_empty() {
            MultiPart::alternative_plain_html(text, html)
        } else {
            // The HTML and the images it shows travel together (RFC 2387), beside the text.
            let mut related = MultiPart::related().singlepart(SinglePart::html(html));
            for (a, bytes) in images {
                let ct = ContentType::parse(&a.content_type)
                    .map_err(|e| Failure::Permanent(format!("attachment type {:?}: {e}", a.content_type)))?;
                let part = lettre::message::Attachment::new_inline_with_name(self.cid(a), a.filename.clone())
                    .body(bytes.to_vec(), ct);
                related = related.singlepart(part);
            }
            MultiPart::alternative().singlepart(SinglePart::plain(text)).multipart(related)
        };
        let mut msg = b.multipart(body).map_err(|e| Failure::Permanent(format!("cannot build the message: {e}")))?;
        if row.kind != kind::REPLY {
            // RFC 3834: automatic answers say so, so that other robots do not answer them.
            let h = msg.headers_mut();
            let notice = row.kind != kind::ACK && row.kind != kind::SOLVED;
            let auto = if notice { "auto-generated" } else { "auto-replied" };
            h.insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), auto.into()));
            h.insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"), "All".into()));
        }
        if let (Some(sel), Some(pem)) = (&p.settings.dkim_selector, &p.settings.dkim_private_key) {
            let key = DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa)
                .map_err(|e| Failure::Permanent(format!("the DKIM key cannot sign: {e}")))?;
            let domain = from_addr.rsplit_once('@').map_or(self.domain.as_str(), |(_, d)| d).to_string();
            let mut headers: Vec<HeaderName> = ["From", "To", "Subject", "Date", "Message-ID"]
                .into_iter()
                .map(HeaderName::new_from_ascii_str)
                .collect();
            if p.reply_token.is_some() {
                headers.push(HeaderName::new_from_ascii_str("Reply-To"));
            }
            let canon = DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Relaxed,
            };
            msg.sign(&DkimConfig::new(sel.clone(), domain, key, headers, canon));
        }
        Ok(msg)
    }
}

/// Read what one mail is made from; makes the ticket's reply token if it has none yet.
fn load(c: &mut crate::db::DbConnection, tenant: &TenantId, id: &str) -> crate::error::AppResult<Parts> {
    let row = super::get(c, tenant, id)?;
    let tenant_row = crate::tenancy::get(c, tenant)?;
    let settings = settings::get(c, tenant)?;
    let (mut ticket, mut requester_name, mut reply_token, mut body) = (None, None, None, None);
    let (mut html, mut images) = (None, Vec::new());
    if let Some(tid) = &row.ticket_id {
        let t = commands::get(c, tenant, &tid.as_str().into())?;
        requester_name = Some(contacts::get(c, tenant, &t.requester_id)?.name).filter(|n| !n.is_empty());
        reply_token = Some(crate::email::threads::reply_token_for(c, tenant, tid)?);
        if let (kind::REPLY, Some(mid)) = (row.kind.as_str(), &row.message_row_id) {
            use crate::db::schema::messages;
            use diesel::prelude::*;
            let m: crate::tickets::Message = messages::table
                .find((tenant.as_str(), mid.as_str()))
                .select(crate::tickets::Message::as_select())
                .first(c)?;
            let author = match &m.author_id {
                Some(a) if m.author_type == "agent" => agents::get(c, tenant, &a.as_str().into())?.name,
                _ => tenant_row.name.clone(),
            };
            body = Some((m.body_text, author));
            if let Some(h) = m.body_html {
                images = crate::tickets::attachments::for_message(c, tenant, mid)?
                    .into_iter()
                    .filter(|a| INLINE_TYPES.contains(&a.content_type.as_str()))
                    .filter(|a| h.contains(&format!("\"{IMAGE_PREFIX}{}{IMAGE_SUFFIX}\"", a.id)))
                    .collect();
                html = Some(h);
            }
        }
        ticket = Some(t);
    }
    let webhook = match &row.webhook_subscription_id {
        Some(sub) => match crate::webhooks::get(c, tenant, sub) {
            Ok(s) => Some((s.url, s.disabled_reason.unwrap_or_default())),
            // Deleted since: the notice still goes out, without the details.
            Err(crate::error::AppError::NotFound) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(Parts { row, tenant: tenant_row, settings, ticket, requester_name, reply_token, body, html, images, webhook })
}
