//! Macros in the console: the admin page (list, create, edit, delete) and the ticket page's
//! picker, which asks `/tickets/{key}/macros/{id}` for the body rendered for this agent.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::forms::FormState;
use super::ticket_page::resolve;
use super::{html_status, see_other, Page};
use crate::accounts::agents::{self, Agent};
use crate::error::{AppError, AppResult};
use crate::tickets::macros::{self as m, Macro, MacroInput, PLACEHOLDERS, STATUSES};
use crate::tickets::Priority;
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Blank locale rows the form offers beyond the macro's own.
const SPARE_ROWS: usize = 2;

/// Macro routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/macros", web::get().to(list_page))
        .route("/admin/macros", web::post().to(create))
        .route("/admin/macros/{id}", web::get().to(edit_page))
        .route("/admin/macros/{id}", web::post().to(update))
        .route("/admin/macros/{id}/delete", web::post().to(delete))
        .route("/tickets/{key}/macros/{id}", web::get().to(rendered));
}

/// One locale row of the form: its tag and body.
struct BodyRow {
    locale: String,
    body: String,
}

#[derive(Template)]
#[template(path = "console/admin_macros.html")]
struct MacrosPage {
    page: Page,
    macros: Vec<Macro>,
    agents: Vec<Agent>,
    /// The macro being edited; `None` for the create form.
    editing: Option<Macro>,
    rows: Vec<BodyRow>,
    form: FormState,
    statuses: &'static [&'static str],
    priorities: Vec<&'static str>,
    placeholders: Vec<String>,
}

impl MacrosPage {
    /// The form's value of `name`: as typed after a refusal, else the edited macro's.
    fn value(&self, name: &str) -> String {
        let stored = self.editing.as_ref().map(|x| match name {
            "name" => x.name.clone(),
            "status" => x.actions.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            "priority" => x.actions.priority.map(|s| s.as_str().to_string()).unwrap_or_default(),
            "add_tags" => x.actions.add_tags.join(" "),
            "assignee_id" => x.actions.assignee_id.as_ref().map(|a| a.to_string()).unwrap_or_default(),
            _ => String::new(),
        });
        self.form.value(name, stored.as_deref().unwrap_or("")).to_string()
    }

    /// Why row `i`'s field `kind` (`locale` or `body`) was refused.
    fn row_error(&self, kind: &str, i: &usize) -> Option<&str> {
        self.form.error(&format!("{kind}_{i}"))
    }

    /// `aria-invalid` and `aria-describedby` for row `i`'s field `kind` while it is at fault.
    fn row_aria(&self, kind: &str, i: &usize) -> String {
        self.form.aria(&format!("{kind}_{i}"))
    }

    /// The actions of `x`, each already translated, for the list.
    fn summary(&self, x: &Macro) -> String {
        let t = &self.page.t;
        let mut out = vec![];
        if let Some(s) = x.actions.status {
            out.push(t.t1("macros-sets-status", "status", t.tp("status-", s.as_str())));
        }
        if let Some(p) = x.actions.priority {
            out.push(t.t1("macros-sets-priority", "priority", t.tp("priority-", p.as_str())));
        }
        if !x.actions.add_tags.is_empty() {
            out.push(t.t1("macros-adds-tags", "tags", x.actions.add_tags.join(", ")));
        }
        if let Some(a) = &x.actions.assignee_id {
            let name = self.agents.iter().find(|g| g.id == *a).map_or_else(|| a.to_string(), |g| g.name.clone());
            out.push(t.t1("macros-assigns-to", "agent", name));
        }
        out.join("; ")
    }

    /// Where the form posts.
    fn action(&self) -> String {
        match &self.editing {
            Some(x) => format!("/admin/macros/{}", x.id),
            None => "/admin/macros".into(),
        }
    }
}

fn rows_of(bodies: &BTreeMap<String, String>) -> Vec<BodyRow> {
    let mut rows: Vec<BodyRow> = bodies.iter().map(|(l, b)| BodyRow { locale: l.clone(), body: b.clone() }).collect();
    rows.extend((0..SPARE_ROWS).map(|_| BodyRow { locale: String::new(), body: String::new() }));
    rows
}

/// The locale rows as typed: `locale_N` and `body_N`, in order.
fn typed_rows(values: &HashMap<String, String>) -> Vec<BodyRow> {
    let mut rows = vec![];
    for i in 0.. {
        let (Some(locale), Some(body)) = (values.get(&format!("locale_{i}")), values.get(&format!("body_{i}"))) else {
            break;
        };
        rows.push(BodyRow { locale: locale.clone(), body: body.clone() });
    }
    rows
}

async fn render(
    req: &HttpRequest,
    user: &ConsoleUser,
    editing: Option<String>,
    refused: Option<(HashMap<String, String>, AppError)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let (macros, agents, editing) = app
        .db
        .read(move |c| {
            let editing = editing.map(|id| m::get(c, &tid, &id)).transpose()?;
            Ok((m::list(c, &tid)?, agents::list(c, &tid)?, editing))
        })
        .await?;
    let (rows, form) = match refused {
        Some((values, err)) => {
            let mut rows = typed_rows(&values);
            rows.push(BodyRow { locale: String::new(), body: String::new() });
            let detail = match &err {
                // The unknown placeholder itself, so the admin sees which one to fix.
                AppError::Invalid { key: "error-macro-placeholder", detail, .. } => Some(user.tr.t1(
                    "error-macro-placeholder-named",
                    "placeholder",
                    detail.trim_start_matches("unknown placeholder "),
                )),
                _ => None,
            };
            let form = FormState::refused(values, &err, &user.tr);
            (
                rows,
                match detail {
                    Some(d) => form.with_message(d),
                    None => form,
                },
            )
        }
        None => (rows_of(&editing.as_ref().map(|x| x.bodies.clone()).unwrap_or_default()), FormState::fresh()),
    };
    let placeholders = PLACEHOLDERS.iter().map(|p| format!("{{{{{p}}}}}")).collect();
    html_status(
        &MacrosPage {
            page: Page::for_user(user, "admin-macros"),
            macros,
            agents,
            editing,
            rows,
            form,
            statuses: STATUSES,
            priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
            placeholders,
        },
        status,
    )
}

async fn list_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    render(&req, &user, None, None, StatusCode::OK).await
}

async fn edit_page(req: HttpRequest, user: ConsoleUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    render(&req, &user, Some(path.into_inner()), None, StatusCode::OK).await
}

/// The domain input from the form: rows with a blank locale and body are skipped; a row with a
/// body but no locale is refused by the locale check, naming the row's field.
fn input_of(values: &HashMap<String, String>) -> AppResult<MacroInput> {
    let mut bodies = BTreeMap::new();
    for (i, row) in typed_rows(values).into_iter().enumerate() {
        if row.locale.trim().is_empty() && row.body.trim().is_empty() {
            continue;
        }
        if row.locale.trim().is_empty() {
            return Err(AppError::invalid(&format!("locale_{i}"), "error-language-invalid", "a locale is required"));
        }
        // Browsers send textarea line breaks as CRLF.
        if bodies.insert(row.locale.trim().to_string(), row.body.replace("\r\n", "\n")).is_some() {
            return Err(AppError::invalid(&format!("locale_{i}"), "error-macro-locale-twice", "given twice"));
        }
    }
    let opt = |k: &str| Some(values.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
    Ok(MacroInput {
        name: Some(values.get("name").cloned().unwrap_or_default()),
        bodies: Some(bodies),
        status: opt("status"),
        priority: opt("priority"),
        add_tags: Some(
            values.get("add_tags").map(|t| t.split_whitespace().map(str::to_string).collect()).unwrap_or_default(),
        ),
        assignee_id: opt("assignee_id"),
    })
}

/// Domain errors name `bodies.<locale>`; the form names the row the admin typed it in.
fn form_error(values: &HashMap<String, String>, err: AppError) -> AppError {
    match err {
        AppError::Invalid { field, key, detail } => {
            let field = match field.strip_prefix("bodies.") {
                Some(locale) => {
                    typed_rows(values).iter().position(|r| r.locale.trim().eq_ignore_ascii_case(locale)).map_or(
                        field.clone(),
                        |i| if key == "error-language-invalid" { format!("locale_{i}") } else { format!("body_{i}") },
                    )
                }
                None => field.strip_prefix("actions.").map(str::to_string).unwrap_or(field),
            };
            AppError::Invalid { field, key, detail }
        }
        other => other,
    }
}

async fn save(req: HttpRequest, f: CsrfForm<HashMap<String, String>>, id: Option<String>) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let values = f.form.clone();
    let outcome = match input_of(&values) {
        Ok(input) => {
            let id = id.clone();
            app.db
                .write(move |c| match id {
                    Some(id) => m::update(c, &tid, &id, &input),
                    None => m::create(c, &tid, &input),
                })
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(x) => Ok(see_other(&format!("/admin/macros?saved={}", x.id))),
        Err(e @ AppError::Invalid { .. }) => {
            let e = form_error(&values, e);
            render(&req, &f.user, id, Some((values, e)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn create(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    save(req, f, None).await
}

async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    save(req, f, Some(path.into_inner())).await
}

async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    app.db.write(move |c| m::delete(c, &tid, &id)).await?;
    Ok(see_other("/admin/macros"))
}

/// GET /tickets/{key}/macros/{id}: the macro rendered for this ticket and the signed-in agent,
/// as JSON for the picker (`body` is plain text; the composer holds it as a textarea's value).
async fn rendered(req: HttpRequest, user: ConsoleUser, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, agent) = (user.tenant_id(), user.agent.id.clone());
    let (key, id) = path.into_inner();
    let r = app
        .db
        .read(move |c| {
            let t = resolve(c, &tid, &key)?;
            m::render(c, &tid, &id, &t.id, Some(&agent))
        })
        .await?;
    let mut actions = vec![];
    if let Some(s) = r.actions.status {
        actions.push(user.tr.t1("macros-sets-status", "status", user.tr.tp("status-", s.as_str())));
    }
    if let Some(p) = r.actions.priority {
        actions.push(user.tr.t1("macros-sets-priority", "priority", user.tr.tp("priority-", p.as_str())));
    }
    if !r.actions.add_tags.is_empty() {
        actions.push(user.tr.t1("macros-adds-tags", "tags", r.actions.add_tags.join(", ")));
    }
    if r.actions.assignee_id.is_some() {
        actions.push(user.tr.t("macros-assigns"));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({"body": r.body, "locale": r.locale, "actions": actions})))
}
