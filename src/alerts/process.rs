//! The `alert.process` job: read a stored post again and put each of its alerts on a ticket, in
//! one transaction with the post's outcome (so a retried job never acts twice).
//!
//! - Firing, and the fingerprint's ticket is still being worked (not solved or closed): a system
//!   message on that ticket.
//! - Firing otherwise: a new `alert` ticket through the intake (routing applies), linked to the
//!   fingerprint's previous ticket when there was one; priority from the severity.
//! - Resolved, with a ticket being worked: a system message, and the ticket solved when the
//!   tenant's `solve_on_resolve` is on. Resolved without one: nothing to do.
//! - A new ticket also tells the customers its tenant's rules name (`notify.rs`).
//!
//! `alert_tickets` has one row per (tenant, fingerprint): two processes opening a ticket for one
//! new alert at once cannot both commit (the second insert, or the second compare-and-set of the
//! row, conflicts), and the loser runs again and finds the winner's ticket.

use std::sync::Arc;

use diesel::prelude::*;

use super::parse::{self, Alert, Format};
use crate::db::schema::alert_tickets;
use crate::db::{now, Db, DbConnection};
use crate::error::{AppError, AppResult, UNIQUE_CONFLICT};
use crate::events::Changes;
use crate::i18n::{I18n, Tr};
use crate::jobs::JobContext;
use crate::tenancy::TenantId;
use crate::tickets::commands::{self, Creation, NewMessage, NewTicket, Requester, TicketChanges};
use crate::tickets::intake::Intake;
use crate::tickets::{Actor, Channel, MessageKind, Status, Ticket};

/// The tag every alert ticket carries.
pub const ALERT_TAG: &str = "alert";
/// How many times a post whose fingerprint another process took at the same moment is tried
/// again before the job is left to the queue's backoff.
const CONFLICT_RETRIES: usize = 5;

/// What the job works with (captured when the handler is registered).
#[derive(Clone)]
pub struct Processor {
    pub db: Db,
    pub intake: Intake,
    pub changes: Changes,
    pub i18n: Arc<I18n>,
    /// Our inbound domain: alert tickets' requester is `alerts@` it, which mail never goes to.
    pub domain: String,
}

impl Processor {
    /// Run one `alert.process` job. `Err` asks the worker for a retry.
    pub async fn run(&self, ctx: JobContext) -> Result<(), String> {
        let tenant = TenantId::from_trusted(ctx.job.tenant_id.clone().ok_or("alert job without a tenant")?);
        let payload = ctx.payload()?;
        let id = payload["post_id"].as_str().ok_or("alert job without post_id")?.to_string();
        for _ in 0..CONFLICT_RETRIES {
            let (me, t, i) = (self.clone(), tenant.clone(), id.clone());
            match self.db.write(move |c| me.process_in_tx(c, &t, &i)).await {
                Ok(changed) => {
                    if changed {
                        self.changes.committed(&tenant);
                    }
                    return Ok(());
                }
                Err(AppError::Conflict(m)) if m == UNIQUE_CONFLICT => continue,
                Err(e @ (AppError::Unavailable(_) | AppError::Internal(_))) => return Err(e.to_string()),
                Err(e) => {
                    // The payload was read at the door, so this is a ticket rule refusing it:
                    // the same bytes would fail again. Kept for inspection.
                    let (t, i, why) = (tenant.clone(), id.clone(), e.to_string());
                    tracing::warn!(post_id = %id, error = %why, "alert post failed");
                    return self
                        .db
                        .write(move |c| super::finish(c, &t, &i, Some(&why)))
                        .await
                        .map_err(|e| e.to_string());
                }
            }
        }
        Err("the alert's ticket was being opened concurrently; retrying".into())
    }

    /// Process one post; `true` when tickets changed.
    fn process_in_tx(&self, c: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<bool> {
        let (post, raw) = super::get_with_raw(c, tenant, id)?;
        if post.state != super::state::RECEIVED {
            return Ok(false);
        }
        let parsed = parse::parse(&raw, Format::parse(&post.format))
            .map_err(|m| AppError::Malformed { field: m.field, detail: m.detail })?;
        let locale = crate::tenancy::get(c, tenant)?.default_locale;
        let post = Post {
            tr: Tr::new(self.i18n.clone(), locale),
            format: parsed.format,
            settings: super::settings(c, tenant)?,
            // Customers are told in the name of the token that posted the alert.
            teller: post.token_id.map_or(Actor::System, |t| Actor::Api(t.into())),
        };
        let mut changed = false;
        for alert in &parsed.alerts {
            changed |= self.apply(c, tenant, &post, alert)?;
        }
        super::finish(c, tenant, id, None)?;
        Ok(changed)
    }

    fn apply(&self, c: &mut DbConnection, tenant: &TenantId, post: &Post, alert: &Alert) -> AppResult<bool> {
        let (tr, settings) = (&post.tr, &post.settings);
        let link: Option<String> = alert_tickets::table
            .find((tenant.as_str(), &alert.fingerprint))
            .select(alert_tickets::ticket_id)
            .first(c)
            .optional()?;
        let mut current = match &link {
            Some(t) => Some(commands::get(c, tenant, &t.as_str().into())?),
            None => None,
        };
        // A merged ticket lives on in its target (merges can chain; a few hops at most).
        for _ in 0..8 {
            let Some(into) = current.as_ref().and_then(|t| t.merged_into_id.clone()) else { break };
            current = Some(commands::get(c, tenant, &into)?);
        }
        let working = current.as_ref().filter(|t| !matches!(t.status, Status::Solved | Status::Closed));
        let details = details(tr, alert);
        match (alert.firing, working) {
            (true, Some(t)) => {
                let text = format!("{}\n\n{details}", tr.t("alert-firing-again"));
                self.note(c, tenant, t, text)?;
                touch(c, tenant, &alert.fingerprint)?;
            }
            (true, None) => {
                let ticket = self.open(c, tenant, post.format, alert, details, current.as_ref())?;
                match &link {
                    None => {
                        diesel::insert_into(alert_tickets::table)
                            .values((
                                alert_tickets::tenant_id.eq(tenant.as_str()),
                                alert_tickets::fingerprint.eq(&alert.fingerprint),
                                alert_tickets::ticket_id.eq(ticket.id.as_str()),
                                alert_tickets::opened_at.eq(now()),
                                alert_tickets::updated_at.eq(now()),
                            ))
                            .execute(c)?;
                    }
                    Some(old) => {
                        // Compare and set: another process that replaced the ticket first wins.
                        let n = diesel::update(alert_tickets::table.find((tenant.as_str(), &alert.fingerprint)))
                            .filter(alert_tickets::ticket_id.eq(old))
                            .set((
                                alert_tickets::ticket_id.eq(ticket.id.as_str()),
                                alert_tickets::opened_at.eq(now()),
                                alert_tickets::updated_at.eq(now()),
                            ))
                            .execute(c)?;
                        if n == 0 {
                            return Err(AppError::Conflict(UNIQUE_CONFLICT.into()));
                        }
                    }
                }
                for rule in settings.notify_rules.iter().filter(|r| r.matches(alert)) {
                    let told = super::notify::tell(c, tenant, &post.teller, rule)?;
                    self.note(c, tenant, &ticket, tr.t2("alert-told", "count", told, "tag", &rule.tag))?;
                }
            }
            (false, Some(t)) => {
                let text = format!("{}\n\n{details}", tr.t("alert-resolved"));
                self.note(c, tenant, t, text)?;
                touch(c, tenant, &alert.fingerprint)?;
                if settings.solve_on_resolve {
                    let changes = TicketChanges { status: Some(Status::Solved), ..Default::default() };
                    commands::update_ticket(c, tenant, &Actor::System, &t.id, &changes, None)?;
                }
            }
            (false, None) => return Ok(false),
        }
        Ok(true)
    }

    fn note(&self, c: &mut DbConnection, tenant: &TenantId, t: &Ticket, text: String) -> AppResult<()> {
        let msg = NewMessage {
            kind: MessageKind::System,
            channel: Channel::Alert,
            body_text: text,
            body_html: None,
            attachments: vec![],
        };
        commands::add_message(c, tenant, &Actor::System, &t.id, &msg)?;
        Ok(())
    }

    fn open(
        &self,
        c: &mut DbConnection,
        tenant: &TenantId,
        format: Format,
        alert: &Alert,
        details: String,
        previous: Option<&Ticket>,
    ) -> AppResult<Ticket> {
        let mut tags = vec![ALERT_TAG.to_string(), format.as_str().replace('_', "-")];
        if let Some(s) = alert.severity.as_deref().map(tag_part).filter(|s| !s.is_empty()) {
            tags.push(format!("severity:{s}"));
        }
        let new = NewTicket {
            subject: subject(&alert.title, &alert.fingerprint),
            body_text: details,
            body_html: None,
            requester: Requester::Email {
                email: format!("alerts@{}", self.domain),
                name: Some(format!("Monitoring ({})", format.as_str())),
            },
            priority: alert.priority(),
            tags,
            language: None,
            channel: Channel::Alert,
            assignee_id: None,
            team_id: None,
        };
        let creation = Creation { actor: Actor::System, new, previous: previous.map(|t| t.id.clone()), history: None };
        let opened = self
            .intake
            .open_in(c, tenant, vec![creation])?
            .pop()
            .unwrap_or_else(|| Err(AppError::Internal(anyhow::anyhow!("no creation result"))))?;
        Ok(opened.0)
    }
}

/// What every alert of one post is handled with.
struct Post {
    /// The tenant's language, for the system messages.
    tr: Tr,
    format: Format,
    settings: super::Settings,
    /// Who tells the customers: the token that posted the alert.
    teller: Actor,
}

fn touch(c: &mut DbConnection, tenant: &TenantId, fingerprint: &str) -> AppResult<()> {
    diesel::update(alert_tickets::table.find((tenant.as_str(), fingerprint)))
        .set(alert_tickets::updated_at.eq(now()))
        .execute(c)?;
    Ok(())
}

/// A subject the ticket rules accept: one line, at most 250 characters, never empty.
fn subject(title: &str, fingerprint: &str) -> String {
    let one_line: String = title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .chars()
        .take(250)
        .collect();
    if one_line.is_empty() {
        format!("Alert {}", fingerprint.chars().take(200).collect::<String>())
    } else {
        one_line
    }
}

/// A severity as a tag's part: lowercase letters, digits, `_` and `-`.
fn tag_part(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .take(30)
        .collect()
}

/// The text of an alert on its ticket: the description, the labels, the link back.
fn details(tr: &Tr, alert: &Alert) -> String {
    let mut out = String::new();
    if !alert.title.trim().is_empty() {
        out.push_str(alert.title.trim());
        out.push('\n');
    }
    if !alert.description.trim().is_empty() {
        out.push_str(alert.description.trim());
        out.push('\n');
    }
    out.push_str(&tr.t1("alert-fingerprint", "fingerprint", &alert.fingerprint));
    out.push('\n');
    if !alert.labels.is_empty() {
        out.push_str(&tr.t("alert-labels"));
        out.push('\n');
        for (k, v) in &alert.labels {
            out.push_str(&format!("  {k}={v}\n"));
        }
    }
    if let Some(u) = &alert.url {
        out.push_str(&tr.t1("alert-source", "url", u));
        out.push('\n');
    }
    // Message bodies hold no NUL (PostgreSQL text).
    out.replace('\0', "").trim_end().to_string()
}
