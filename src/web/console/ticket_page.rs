//! The ticket page: timeline, composer, side panel, controls, audit history; and new tickets.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::FormState;
use super::ticket_fields::{ConflictRow, HistoryLine, Names};
use super::{html, html_status, see_other, Page};
use crate::app::AppState;
use crate::db::DbConnection;
use crate::email::outbound::{self, Outbound};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::tickets::commands::Creation;
use crate::tickets::commands::{self, NewMessage, NewTicket, Requester, TicketChanges};
use crate::tickets::intake::Submitted;
use crate::tickets::queries::{self, TicketDetail, TimelineItem};
use crate::tickets::{Actor, Channel, MessageKind, Priority, Status, Ticket};
use crate::web::auth::{self, ConsoleUser, CsrfForm, CsrfUpload};

/// A ticket is addressed by its number (what agents say) or its id (what the API returns).
pub(super) fn resolve(conn: &mut DbConnection, tenant: &TenantId, key: &str) -> AppResult<Ticket> {
    match key.parse::<i64>() {
        Ok(n) => queries::by_number(conn, tenant, n),
        Err(_) => commands::get(conn, tenant, &key.into()),
    }
}

#[derive(Template)]
#[template(path = "console/ticket.html")]
struct TicketPage {
    page: Page,
    d: TicketDetail,
    ticket: Ticket,
    timeline: Vec<TimelineItem>,
    history: Vec<HistoryLine>,
    tags: String,
    zone: String,
    me: String,
    statuses: Vec<&'static str>,
    priorities: Vec<&'static str>,
    merged_into: Option<i64>,
    previous: Option<i64>,
    mail: MailStatus,
    /// For a chat: the page of the site the visitor was last on.
    chat_page: Option<String>,
    /// For a chat: when the newest message the visitor has seen was sent.
    chat_read: Option<chrono::NaiveDateTime>,
    /// The properties form as the agent submitted it, after a refused save.
    form: FormState,
    /// After a 412: the fields someone else saved differently (theirs vs yours).
    conflict: Vec<ConflictRow>,
    /// Just after the agent's own message: which kind it was, to confirm it went through.
    sent: Option<&'static str>,
    /// The tenant's macros (id, name), for the composer's picker.
    macros: Vec<(String, String)>,
    /// Published articles suggested from the subject, in the ticket's language.
    kb_links: Vec<super::kb_ticket::ArticleLink>,
    /// The composer as the agent sent it, after a refused send.
    composer: FormState,
    /// For an email ticket: what the composer's Cc field starts with; `None` for other channels.
    cc: Option<String>,
}

/// The ticket's outbound mail, shown on the messages it carried (and notices after them), and
/// who each reply was copied to as its author chose.
pub struct MailStatus {
    rows: Vec<Outbound>,
    cc: HashMap<String, String>,
}

impl MailStatus {
    /// The mail sent about one message (its reply, or the acknowledgement of it).
    fn for_message(&self, id: &str) -> Vec<&Outbound> {
        self.rows.iter().filter(|o| o.message_row_id.as_deref() == Some(id)).collect()
    }

    /// Who the message was copied to, when its author chose.
    fn cc_of(&self, id: &str) -> Option<&str> {
        self.cc.get(id).map(String::as_str)
    }

    /// Mail about no message (solved notices).
    fn notices(&self) -> Vec<&Outbound> {
        self.rows.iter().filter(|o| o.message_row_id.is_none()).collect()
    }
}

impl TicketPage {
    fn same(&self, a: impl AsRef<str>, b: impl AsRef<str>) -> bool {
        a.as_ref() == b.as_ref()
    }

    fn is<T: std::ops::Deref<Target = str>>(&self, a: &Option<T>, b: &str) -> bool {
        a.as_deref() == Some(b)
    }

    /// Whether the composer comes back set to an internal note.
    fn note_chosen(&self) -> bool {
        self.composer.chose("kind", "note") == Some(true)
    }

    /// Whether a properties option is selected: the agent's refused choice, else the saved value.
    fn picked(&self, name: &str, value: impl AsRef<str>, saved: bool) -> bool {
        let value = value.as_ref();
        let mine = if name == "assignee" && value == self.me { self.form.chose(name, "me") } else { None };
        match mine {
            Some(true) => true,
            _ => self.form.chose(name, value).unwrap_or(saved),
        }
    }
}

#[derive(Template)]
#[template(path = "console/_timeline.html")]
struct TimelinePartial {
    page: Page,
    ticket: Ticket,
    timeline: Vec<TimelineItem>,
    history: Vec<HistoryLine>,
    zone: String,
    merged_into: Option<i64>,
    previous: Option<i64>,
    mail: MailStatus,
}

type Loaded = (TicketDetail, Option<i64>, Option<i64>, MailStatus);

/// Everything the ticket page and its live fragment show, with the numbers of linked tickets
/// and the ticket's outbound mail.
fn load(conn: &mut DbConnection, tenant: &TenantId, key: &str) -> AppResult<Loaded> {
    let t = resolve(conn, tenant, key)?;
    let cc = crate::tickets::composer::cc_by_message(conn, tenant, t.id.as_str())?;
    let mail = MailStatus { rows: outbound::for_ticket(conn, tenant, t.id.as_str())?, cc };
    let d = queries::detail(conn, tenant, &t.id)?;
    let mut number_of = |id: &Option<crate::types::TicketId>| -> AppResult<Option<i64>> {
        id.as_ref().map(|i| commands::get(conn, tenant, i).map(|t| t.number)).transpose()
    };
    let merged = number_of(&d.ticket.merged_into_id)?;
    let previous = number_of(&d.ticket.previous_ticket_id)?;
    Ok((d, merged, previous, mail))
}

/// GET /tickets/{key}
pub async fn show(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    // Only a display hint set by our own redirect: anything else is ignored, never echoed.
    let sent = match query.get("sent").map(String::as_str) {
        Some("reply") => Some("reply"),
        Some("note") => Some("note"),
        _ => None,
    };
    let app = auth::state(&req)?;
    let mut p = page(&app, &user, path.into_inner(), Refused::None).await?;
    p.sent = sent;
    html(&p)
}

/// How the properties form comes back after a save was refused.
enum Refused {
    None,
    /// A 422: the values as submitted and the error next to its field.
    Invalid(HashMap<String, String>, AppError),
    /// A 412: someone saved first; the values as submitted, against the ticket as it now is.
    Stale(HashMap<String, String>),
    /// A refused message: the composer as submitted and the error next to its field.
    Composer(HashMap<String, String>, AppError),
}

async fn page(app: &AppState, user: &ConsoleUser, key: String, refused: Refused) -> AppResult<TicketPage> {
    let tid = user.tenant_id();
    let (mut d, merged_into, previous, mail) = app.db.read(move |c| load(c, &tid, &key)).await?;
    let timeline = std::mem::take(&mut d.timeline);
    let events = std::mem::take(&mut d.events);
    let tid = user.tenant_id();
    let macros = app
        .db
        .read(move |c| Ok(crate::tickets::macros::list(c, &tid)?.into_iter().map(|x| (x.id, x.name)).collect()))
        .await?;
    let (chat_page, chat_read) = match d.ticket.channel {
        Channel::Chat => {
            let (tid, id) = (user.tenant_id(), d.ticket.id.to_string());
            app.db
                .read(move |c| {
                    use crate::chat::visitors;
                    Ok((visitors::page_of(c, &tid, &id)?, visitors::read_up_to(c, &tid, &id)?))
                })
                .await?
        }
        _ => (None, None),
    };
    let kb_links = super::kb_ticket::suggested(app, &user.tenant, &d.ticket).await;
    let cc = match d.ticket.channel {
        Channel::Email => Some(super::composer::suggested_cc(app, user, &d).await?.join(", ")),
        _ => None,
    };
    let me = user.agent.id.to_string();
    let names = Names { tr: &user.tr, agents: &d.agents, teams: &d.teams };
    let history = names.history(&events);
    let mut composer = FormState::fresh();
    let (form, conflict) = match refused {
        Refused::None => (FormState::fresh(), vec![]),
        Refused::Composer(values, e) => {
            // The agent is told which address to fix, not only that one is wrong.
            let bad_cc = match &e {
                AppError::Invalid { key: "composer-cc-invalid", .. } => {
                    values.get("cc").and_then(|cc| crate::tickets::composer::first_invalid_cc(cc)).map(str::to_string)
                }
                _ => None,
            };
            composer = match bad_cc {
                Some(bad) => FormState::refused_at(values, "cc", user.tr.t1("composer-cc-invalid", "address", bad)),
                None => FormState::refused(values, &e, &user.tr),
            };
            (FormState::fresh(), vec![])
        }
        Refused::Invalid(values, e) => (FormState::refused(values, &e, &user.tr), vec![]),
        Refused::Stale(mut values) => {
            let conflict = names.conflicts(&d.ticket, &values, &me);
            // The form now carries the saved version, so sending it again applies the agent's values.
            values.remove("version");
            (FormState::refused(values, &AppError::PreconditionFailed, &user.tr), conflict)
        }
    };
    Ok(TicketPage {
        composer,
        cc,
        sent: None,
        macros,
        kb_links,
        chat_page,
        chat_read,
        tags: form.value("tags", &d.ticket.tags).to_string(),
        ticket: d.ticket.clone(),
        d,
        timeline,
        history,
        zone: user.zone().to_string(),
        me,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        priorities: Priority::ALL.iter().map(|s| s.as_str()).collect(),
        merged_into,
        previous,
        mail,
        form,
        conflict,
        page: Page::for_user(user, "inbox").with_mail_banner(app),
    })
}

/// POST /tickets/{key}/typing: the agent is writing in the composer; a chat's widget shows it.
pub async fn typing(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let key = path.into_inner();
    let t = app.db.read(move |c| resolve(c, &tid, &key)).await?;
    if t.channel == Channel::Chat {
        app.live.publish_typing(f.user.tenant.id.as_str(), t.id.as_str(), true);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// GET /tickets/{key}/timeline: the timeline and history alone, for live refresh.
pub async fn timeline(req: HttpRequest, user: ConsoleUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = user.tenant_id();
    let key = path.into_inner();
    let (d, merged_into, previous, mail) = app.db.read(move |c| load(c, &tid, &key)).await?;
    let history = Names { tr: &user.tr, agents: &d.agents, teams: &d.teams }.history(&d.events);
    html(&TimelinePartial {
        page: Page::for_user(&user, "inbox"),
        ticket: d.ticket,
        timeline: d.timeline,
        history,
        zone: user.zone().to_string(),
        merged_into,
        previous,
        mail,
    })
}

/// POST /tickets/{key}/mail/{id}/retry: send an undelivered mail of this ticket again.
pub async fn retry_mail(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let (key, id) = path.into_inner();
    let number = app
        .db
        .write(move |c| {
            let t = resolve(c, &tid, &key)?;
            // Mail of another ticket (or tenant) is not found here.
            if outbound::get(c, &tid, &id)?.ticket_id.as_deref() != Some(t.id.as_str()) {
                return Err(AppError::NotFound);
            }
            outbound::retry(c, &tid, &id)?;
            Ok(t.number)
        })
        .await?;
    app.wake_jobs();
    Ok(see_other(&format!("/tickets/{number}")))
}

/// POST /tickets/{key}/messages: a reply or an internal note written in Markdown (stored as the
/// text typed and as sanitised HTML), with optional files and the images pasted into it,
/// optionally setting the status; with `macro_id`, the macro's actions too (the status chosen
/// beside the send button wins over the macro's). A public reply on an email ticket is copied
/// to the addresses in `cc`. A refused message comes back in the composer, as typed.
pub async fn reply(req: HttpRequest, path: web::Path<String>, f: CsrfUpload) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let key = path.into_inner();
    let mut typed = f.fields.clone();
    typed.remove("_csrf");
    match send(&app, &f, key.clone()).await {
        Err(e @ AppError::Invalid { .. }) => {
            html_status(&page(&app, &f.user, key, Refused::Composer(typed, e)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        other => other,
    }
}

async fn send(app: &AppState, f: &CsrfUpload, key: String) -> AppResult<HttpResponse> {
    let field = |k: &str| f.fields.get(k).map(String::as_str).unwrap_or("");
    let kind = MessageKind::parse(field("kind"))?;
    if kind == MessageKind::System {
        return Err(AppError::invalid("kind", "error-kind-invalid", "reply or note"));
    }
    let status = Some(field("status")).filter(|s| !s.is_empty()).map(Status::parse).transpose()?;
    // A macro picked in the composer: its actions apply with the message, in its transaction.
    let macro_id = Some(field("macro_id").to_string()).filter(|s| !s.is_empty());
    // Only a form that showed the field chooses; without it the reply copies as it always did.
    let cc = f.fields.get("cc").map(|c| crate::tickets::composer::parse_cc(c)).transpose()?;
    let tid = f.user.tenant_id();
    let body = field("body").replace("\r\n", "\n");
    // The files are already in the store; the message and its attachment rows commit together.
    let mut blobs = f.files.clone();
    let mut images = crate::tickets::composer::image_refs(&body);
    images.retain(|(id, _)| !blobs.iter().any(|b| &b.id == id));
    images.truncate(auth::MAX_FILES);
    blobs.extend(app.blobs.claim_pending(&tid, &images).await?);
    let actor = Actor::Agent(f.user.agent.id.clone());
    let msg = NewMessage {
        kind,
        channel: Channel::Web,
        body_html: Some(crate::tickets::composer::render(&body)).filter(|_| !body.trim().is_empty()),
        body_text: body,
        attachments: blobs,
    };
    let (number, message_id) = app
        .db
        .write(move |c| {
            let t = resolve(c, &tid, &key)?;
            let email = t.channel == Channel::Email;
            let (t, m) = commands::add_message(c, &tid, &actor, &t.id, &msg)?;
            if let (Some(cc), MessageKind::Reply, true) = (&cc, kind, email) {
                crate::tickets::composer::set_cc(c, &tid, t.id.as_str(), m.id.as_str(), cc)?;
            }
            if let Some(id) = &macro_id {
                crate::tickets::macros::apply_actions(c, &tid, &actor, id, &t.id, None)?;
            }
            if let Some(s) = status {
                let ch = TicketChanges { status: Some(s), ..TicketChanges::default() };
                commands::update_ticket(c, &tid, &actor, &t.id, &ch, None)?;
            }
            Ok((t.number, m.id))
        })
        .await?;
    app.tickets_changed(&f.user.tenant_id());
    // Land on the new message, not the top of a long conversation, with a confirmation beside it.
    Ok(see_other(&format!("/tickets/{number}?sent={}#m-{message_id}", kind.as_str())))
}

/// POST /tickets/{key}/update: the side panel's controls (each field optional).
pub async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let get = |k: &str| f.form.get(k).map(|v| v.trim().to_string());
    let me = f.user.agent.id.clone();
    let opt = |v: Option<String>| v.map(|v| if v.is_empty() || v == "none" { None } else { Some(v) });
    let parsed = || -> AppResult<(Option<Status>, Option<Priority>)> {
        Ok((
            get("status").filter(|s| !s.is_empty()).map(|s| Status::parse(&s)).transpose()?,
            get("priority").filter(|s| !s.is_empty()).map(|s| Priority::parse(&s)).transpose()?,
        ))
    };
    let changes = parsed().map(|(status, priority)| TicketChanges {
        status,
        priority,
        assignee_id: opt(get("assignee").map(|a| if a == "me" { me.to_string() } else { a }))
            .map(|a| a.map(Into::into)),
        team_id: opt(get("team")).map(|t| t.map(Into::into)),
        language: opt(get("language")),
        tags: get("tags").map(|t| t.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_string).collect()),
        ..TicketChanges::default()
    });
    let version: Option<i32> = get("version").and_then(|v| v.parse().ok());
    let tid = f.user.tenant_id();
    let actor = Actor::Agent(me);
    let key = path.into_inner();
    let mut typed = f.form.clone();
    typed.remove("_csrf");
    let changes = match changes {
        Ok(c) => c,
        Err(e) => return refused_properties(&app, &f.user, key, Refused::Invalid(typed, e)).await,
    };
    let k = key.clone();
    let saved = app
        .db
        .write(move |c| {
            let t = resolve(c, &tid, &k)?;
            Ok(commands::update_ticket(c, &tid, &actor, &t.id, &changes, version)?.number)
        })
        .await;
    let number = match saved {
        Ok(n) => n,
        Err(e @ AppError::Invalid { .. }) => {
            return refused_properties(&app, &f.user, key, Refused::Invalid(typed, e)).await
        }
        Err(AppError::PreconditionFailed) => {
            return refused_properties(&app, &f.user, key, Refused::Stale(typed)).await
        }
        Err(e) => return Err(e),
    };
    app.tickets_changed(&f.user.tenant_id());
    Ok(see_other(&format!("/tickets/{number}")))
}

async fn refused_properties(
    app: &AppState,
    user: &ConsoleUser,
    key: String,
    refused: Refused,
) -> AppResult<HttpResponse> {
    let status = match refused {
        Refused::Stale(_) => StatusCode::PRECONDITION_FAILED,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    html_status(&page(app, user, key, refused).await?, status)
}

#[derive(Deserialize)]
pub struct MergeForm {
    target: String,
}

/// POST /tickets/{key}/merge: merge this ticket into the one numbered `target`.
pub async fn merge(req: HttpRequest, path: web::Path<String>, f: CsrfForm<MergeForm>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let actor = Actor::Agent(f.user.agent.id.clone());
    let (key, target) = (path.into_inner(), f.form.target.trim().trim_start_matches('#').to_string());
    let number = app
        .db
        .write(move |c| {
            let source = resolve(c, &tid, &key)?;
            let target = resolve(c, &tid, &target).map_err(|e| match e {
                AppError::NotFound => AppError::invalid("target", "error-merge-target", "no such ticket"),
                other => other,
            })?;
            Ok(crate::tickets::merge::merge(c, &tid, &actor, &source.id, &target.id)?.number)
        })
        .await?;
    app.tickets_changed(&f.user.tenant_id());
    Ok(see_other(&format!("/tickets/{number}")))
}

/// GET /attachments/{id}: a file of this tenant, as a download.
pub async fn attachment(req: HttpRequest, user: ConsoleUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    crate::web::download_attachment(&app, user.tenant_id(), path.into_inner()).await
}

#[derive(Template)]
#[template(path = "console/ticket_new.html")]
struct NewTicketPage {
    page: Page,
    priorities: Vec<&'static str>,
    form: FormState,
}

impl NewTicketPage {
    fn new(user: &ConsoleUser, form: FormState) -> Self {
        NewTicketPage {
            priorities: Priority::ALL.iter().map(|s| s.as_str()).collect(),
            page: Page::for_user(user, "inbox"),
            form,
        }
    }

    /// Whether `p` is the priority to preselect: the agent's choice, else normal.
    fn picked(&self, p: &str) -> bool {
        self.form.chose("priority", p).unwrap_or(p == "normal")
    }
}

/// GET /tickets/new
pub async fn new_form(user: ConsoleUser) -> AppResult<HttpResponse> {
    html(&NewTicketPage::new(&user, FormState::fresh()))
}

/// POST /tickets/new: an agent opens a ticket on a customer's behalf (phone call, walk-in). A
/// refused form comes back filled in, with the reason next to its field.
pub async fn create(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let form = f.form;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let priority = match Priority::parse(&get("priority")) {
        Ok(p) => p,
        Err(e) => return refused_new_ticket(&f.user, form, e),
    };
    let name = get("name");
    let language = get("language");
    let new = NewTicket {
        subject: get("subject"),
        body_text: get("body"),
        body_html: None,
        requester: Requester::Email { email: get("email"), name: Some(name).filter(|n| !n.trim().is_empty()) },
        priority,
        tags: get("tags").split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        language: Some(language).filter(|l| !l.trim().is_empty()),
        channel: Channel::Web,
        assignee_id: None,
        team_id: None,
    };
    let actor = Actor::Agent(f.user.agent.id.as_str().into());
    let t = match app.intake.submit(&f.user.tenant_id(), Creation::new(actor, new), None).await {
        Ok(Submitted::Opened(t)) => *t,
        Ok(Submitted::Replayed { .. }) => return Err(AppError::Internal(anyhow::anyhow!("replay without a key"))),
        Err(e @ AppError::Invalid { .. }) => return refused_new_ticket(&f.user, form, e),
        Err(e) => return Err(e),
    };
    Ok(see_other(&format!("/tickets/{}", t.number)))
}

fn refused_new_ticket(user: &ConsoleUser, mut form: HashMap<String, String>, e: AppError) -> AppResult<HttpResponse> {
    form.remove("_csrf");
    let state = FormState::refused(form, &e, &user.tr);
    html_status(&NewTicketPage::new(user, state), StatusCode::UNPROCESSABLE_ENTITY)
}
