//! /api/v1/macros: canned replies with placeholders and actions; a preview for one ticket.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::support::ApiJson;
use crate::error::AppResult;
use crate::tickets::macros::{self as m, Macro, MacroActions, MacroInput};
use crate::web::auth::{self, ApiClient};

fn ts(t: &chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// What a macro changes on the ticket it is applied to.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MacroActionsOut {
    status: Option<String>,
    priority: Option<String>,
    add_tags: Vec<String>,
    assignee_id: Option<String>,
}

fn actions_json(a: &MacroActions) -> MacroActionsOut {
    MacroActionsOut {
        status: a.status.map(|s| s.as_str().to_string()),
        priority: a.priority.map(|p| p.as_str().to_string()),
        add_tags: a.add_tags.clone(),
        assignee_id: a.assignee_id.as_ref().map(|id| id.to_string()),
    }
}

/// A macro (canned reply).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MacroOut {
    id: String,
    name: String,
    /// The body by locale tag, with placeholders such as `{{requester.name}}`.
    bodies: BTreeMap<String, String>,
    actions: MacroActionsOut,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

fn macro_json(x: &Macro) -> MacroOut {
    MacroOut {
        id: x.id.clone(),
        name: x.name.clone(),
        bodies: x.bodies.clone(),
        actions: actions_json(&x.actions),
        created_at: ts(&x.created_at),
        updated_at: ts(&x.updated_at),
    }
}

/// The tenant's macros, by name.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MacroList {
    data: Vec<MacroOut>,
}

/// A macro's actions; on a change, `actions` replaces them all.
#[derive(Deserialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MacroActionsIn {
    /// `open`, `pending`, `on_hold` or `solved`.
    status: Option<String>,
    priority: Option<String>,
    /// Tags added to the ticket's own.
    add_tags: Option<Vec<String>>,
    /// An active agent of the tenant.
    assignee_id: Option<String>,
}

/// A new macro.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MacroIn {
    name: String,
    /// The body by locale tag. Placeholders: `{{requester.name}}`, `{{requester.email}}`,
    /// `{{ticket.number}}`, `{{ticket.subject}}`, `{{agent.name}}`; any other is refused.
    bodies: Option<BTreeMap<String, String>>,
    actions: Option<MacroActionsIn>,
}

/// Changes to a macro; absent fields stay as they are.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MacroPatch {
    name: Option<String>,
    bodies: Option<BTreeMap<String, String>>,
    actions: Option<MacroActionsIn>,
}

fn input(
    name: Option<String>,
    bodies: Option<BTreeMap<String, String>>,
    actions: Option<MacroActionsIn>,
) -> MacroInput {
    let mut i = MacroInput { name, bodies, ..MacroInput::default() };
    if let Some(a) = actions {
        i.status = Some(a.status);
        i.priority = Some(a.priority);
        i.add_tags = Some(a.add_tags.unwrap_or_default());
        i.assignee_id = Some(a.assignee_id);
    }
    i
}

/// A macro rendered for one ticket.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MacroPreview {
    macro_id: String,
    ticket_id: String,
    /// The locale whose body was used (`null` when the macro has no body).
    locale: Option<String>,
    /// The body with its placeholders filled in, as plain text.
    body: String,
    actions: MacroActionsOut,
}

#[utoipa::path(get, path = "/api/v1/macros", tag = "macros", summary = "List macros",
    responses((status = 200, description = "`{\"data\": [...]}`", body = MacroList)), security(("bearer" = [])))]
pub(crate) async fn list(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let rows = app.db.read(move |c| m::list(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(MacroList { data: rows.iter().map(macro_json).collect() }))
}

#[utoipa::path(post, path = "/api/v1/macros", tag = "macros", summary = "Create a macro", request_body = MacroIn,
    responses((status = 201, description = "Created", body = MacroOut), (status = 422, description = "A field is invalid (an unknown placeholder names `bodies.<locale>`)", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn create(req: HttpRequest, client: ApiClient, body: ApiJson<MacroIn>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, b) = (client.tenant_id(), body.value);
    let i = input(Some(b.name), b.bodies, b.actions);
    let x = app.db.write(move |c| m::create(c, &tid, &i)).await?;
    Ok(HttpResponse::Created().json(macro_json(&x)))
}

#[utoipa::path(get, path = "/api/v1/macros/{id}", tag = "macros", summary = "Get a macro", params(("id" = String, Path)),
    responses((status = 200, description = "The macro", body = MacroOut)), security(("bearer" = [])))]
pub(crate) async fn get(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let x = app.db.read(move |c| m::get(c, &tid, &id)).await?;
    Ok(HttpResponse::Ok().json(macro_json(&x)))
}

#[utoipa::path(patch, path = "/api/v1/macros/{id}", tag = "macros", summary = "Change a macro", params(("id" = String, Path)), request_body = MacroPatch,
    description = "`bodies` and `actions`, when sent, replace the stored ones whole.",
    responses((status = 200, description = "The macro", body = MacroOut)), security(("bearer" = [])))]
pub(crate) async fn patch(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<MacroPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, b) = (client.tenant_id(), path.into_inner(), body.value);
    let i = input(b.name, b.bodies, b.actions);
    let x = app.db.write(move |c| m::update(c, &tid, &id, &i)).await?;
    Ok(HttpResponse::Ok().json(macro_json(&x)))
}

#[utoipa::path(delete, path = "/api/v1/macros/{id}", tag = "macros", summary = "Delete a macro", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted")), security(("bearer" = [])))]
pub(crate) async fn delete(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    app.db.write(move |c| m::delete(c, &tid, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/macros/{macro_id}/preview", tag = "macros", summary = "Preview a macro on a ticket",
    description = "The body in the ticket's language (the ticket's, else the requester's; then its base language, the tenant's default, any) with placeholders filled, and the actions it would apply. Changes nothing. `{{agent.name}}` is the ticket's assignee, blank when unassigned.",
    params(("id" = String, Path), ("macro_id" = String, Path)),
    responses((status = 200, description = "The rendered macro", body = MacroPreview)), security(("bearer" = [])))]
pub(crate) async fn preview(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let (ticket, macro_id) = path.into_inner();
    let (mid, tkt) = (macro_id.clone(), ticket.clone());
    let r = app
        .db
        .read(move |c| {
            let t = crate::tickets::commands::get(c, &tid, &tkt.as_str().into())?;
            m::render(c, &tid, &mid, &t.id, t.assignee_id.as_ref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(MacroPreview {
        macro_id,
        ticket_id: ticket,
        locale: r.locale,
        body: r.body,
        actions: actions_json(&r.actions),
    }))
}

/// Routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/macros", web::get().to(list))
        .route("/macros", web::post().to(create))
        .route("/macros/{id}", web::get().to(get))
        .route("/macros/{id}", web::patch().to(patch))
        .route("/macros/{id}", web::delete().to(delete))
        .route("/tickets/{id}/macros/{macro_id}/preview", web::post().to(preview));
}
