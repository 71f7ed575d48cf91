//! /api/v1/contacts, /api/v1/teams and /api/v1/agents.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::support::{idempotent, stored_response, ApiJson};
use crate::accounts::{agents, contacts};
use crate::error::{AppError, AppResult};
use crate::tickets::teams;
use crate::web::auth::{self, ApiClient};

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactIn {
    email: Option<String>,
    #[schema(min_length = 1, max_length = 120)]
    name: String,
    locale: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", summary = "Create a contact", request_body = ContactIn,
    responses((status = 201, description = "Created", body = crate::accounts::contacts::Contact), (status = 422, description = "Invalid, or the email is taken", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn create_contact(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<ContactIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let b = body.value.clone();
    let tid = client.tenant_id();
    let stored = idempotent(&app, &req, &client, &body.raw, move |c| {
        let contact = contacts::create(c, &tid, b.email.as_deref(), &b.name, b.locale.as_deref())?;
        Ok((201, serde_json::to_value(contact)?))
    })
    .await?;
    Ok(stored_response(stored, None))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", summary = "Get a contact", params(("id" = String, Path)),
    responses((status = 200, description = "The contact", body = crate::accounts::contacts::Contact)), security(("bearer" = [])))]
pub(crate) async fn get_contact(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let contact = app.db.read(move |c| contacts::get(c, &tid, &id.as_str().into())).await?;
    Ok(HttpResponse::Ok().json(contact))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Page {
    /// 1 to 200 (50 unless given).
    pub(super) limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub(super) cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", summary = "List contacts", params(Page),
    responses((status = 200, description = "`{\"data\": [contact], \"next_cursor\"}`", body = Object)), security(("bearer" = [])))]
pub(crate) async fn list_contacts(req: HttpRequest, client: ApiClient, q: web::Query<Page>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let limit = page_limit(q.limit)?;
    let (tid, after) = (client.tenant_id(), q.cursor.clone());
    let mut rows = app.db.read(move |c| contacts::list(c, &tid, after.as_deref(), limit + 1)).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|c| c.id.clone())
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(json!({"data": rows, "next_cursor": next})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactPatch {
    #[serde(default, deserialize_with = "some")]
    email: Option<Option<String>>,
    name: Option<String>,
    #[serde(default, deserialize_with = "some")]
    locale: Option<Option<String>>,
    /// Whether the contact is a VIP (routing rules can match it).
    vip: Option<bool>,
    /// What agents keep about the contact, up to 10,000 characters; `""` clears them.
    #[schema(max_length = 10000)]
    notes: Option<String>,
}

fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", summary = "Update a contact", params(("id" = String, Path)), request_body = ContactPatch,
    responses((status = 200, description = "The contact", body = crate::accounts::contacts::Contact)), security(("bearer" = [])))]
pub(crate) async fn patch_contact(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<ContactPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, b) = (client.tenant_id(), path.into_inner(), body.value);
    let contact = app
        .db
        .write(move |c| {
            let contact = contacts::update(
                c,
                &tid,
                &id,
                b.email.as_ref().map(|e| e.as_deref()),
                b.name.as_deref(),
                b.locale.as_ref().map(|l| l.as_deref()),
            )?;
            let contact = match b.vip {
                Some(vip) => contacts::set_vip(c, &tid, &id, vip)?,
                None => contact,
            };
            match &b.notes {
                Some(n) => contacts::set_notes(c, &tid, &id, n),
                None => Ok(contact),
            }
        })
        .await?;
    Ok(HttpResponse::Ok().json(contact))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}/tickets", tag = "contacts", summary = "List a contact's tickets",
    description = "Every ticket the contact asked, across channels (email, chat, web, API, alerts), newest first. A merged contact has none: they moved to `merged_into_id`.",
    params(("id" = String, Path), Page),
    responses((status = 200, description = "`{\"data\": [ticket], \"next_cursor\"}`", body = Object)), security(("bearer" = [])))]
pub(crate) async fn contact_tickets(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    q: web::Query<Page>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let limit = page_limit(q.limit)?;
    let (tid, id, cursor) = (client.tenant_id(), path.into_inner(), q.cursor.clone());
    let page = app
        .db
        .read(move |c| {
            contacts::get(c, &tid, &id.as_str().into())?;
            crate::tickets::requesters::of_contact(c, &tid, &id, cursor.as_deref(), limit)
        })
        .await?;
    let data: Vec<_> = page.tickets.iter().map(super::tickets::ticket_json).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "next_cursor": page.next})))
}

/// The `limit` query parameter: 50 unless given, 1 to 200.
pub(super) fn page_limit(limit: Option<i64>) -> AppResult<i64> {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", "error-limit-invalid", "limit is 1 to 200"));
    }
    Ok(limit)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactMergeIn {
    /// The contact to merge into the one in the path; it is kept as a tombstone pointing there.
    #[schema(min_length = 1)]
    from_id: String,
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "contacts", summary = "Merge another contact into this one",
    description = "In one transaction the other contact's tickets, the messages it wrote on them and its chat visitors move to this contact; the other is kept with `merged_into_id` set and its email, so later mail from that address files here. Each moved ticket gets a `ticket.updated` (`requester_id`), the merge a `contact.merged`.",
    params(("id" = String, Path, description = "The contact that stays")),
    request_body = ContactMergeIn,
    responses((status = 200, description = "The surviving contact, the merged one's id and how many tickets moved", body = crate::tickets::contact_merge::Merged),
        (status = 422, description = "`from_id` is this contact, unknown, or already merged (as is this contact)", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn merge_contact(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<ContactMergeIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, from) = (client.tenant_id(), path.into_inner(), body.value.from_id);
    let actor = crate::tickets::Actor::Api(client.token.id.clone().into());
    let merged = app
        .db
        .write(move |c| crate::tickets::contact_merge::merge(c, &tid, &actor, &id.as_str().into(), from.trim()))
        .await?;
    app.tickets_changed(&client.tenant_id());
    Ok(HttpResponse::Ok().json(merged))
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", summary = "List teams",
    responses((status = 200, description = "`{\"data\": [team]}`", body = Object)), security(("bearer" = [])))]
pub(crate) async fn list_teams(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let list = app.db.read(move |c| teams::list(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": list, "next_cursor": null})))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", summary = "Get a team with its members", params(("id" = String, Path)),
    responses((status = 200, description = "The team and `member_ids`", body = crate::tickets::teams::Team)), security(("bearer" = [])))]
pub(crate) async fn get_team(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    Ok(HttpResponse::Ok().json(app.db.read(move |c| team_json(c, &tid, &id)).await?))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamIn {
    #[schema(min_length = 1, max_length = 120)]
    name: String,
    #[serde(default)]
    member_ids: Vec<String>,
}

/// Add agents to a team; an id that is no agent of the tenant is refused as `member_ids`.
fn add_members<'a>(
    c: &mut crate::db::DbConnection,
    tid: &crate::tenancy::TenantId,
    team: &str,
    ids: impl Iterator<Item = &'a String>,
) -> AppResult<()> {
    for m in ids {
        teams::add_member(c, tid, team, m).map_err(|e| match e {
            AppError::NotFound => AppError::invalid("member_ids", "error-assignee-invalid", format!("no agent {m}")),
            other => other,
        })?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", summary = "Create a team", request_body = TeamIn,
    responses((status = 201, description = "Created", body = crate::tickets::teams::Team)), security(("bearer" = [])))]
pub(crate) async fn create_team(req: HttpRequest, client: ApiClient, body: ApiJson<TeamIn>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, b) = (client.tenant_id(), body.value.clone());
    let stored = idempotent(&app, &req, &client, &body.raw, move |c| {
        let team = teams::create(c, &tid, &b.name)?;
        add_members(c, &tid, &team.id, b.member_ids.iter())?;
        let mut v = serde_json::to_value(&team)?;
        v["member_ids"] = json!(b.member_ids);
        Ok((201, v))
    })
    .await?;
    Ok(stored_response(stored, None))
}

/// `PATCH /api/v1/teams/{id}`: what changes; `member_ids` replaces the whole membership.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TeamPatch {
    #[schema(min_length = 1, max_length = 120)]
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    member_ids: Option<Vec<String>>,
}

/// The team as the API shows it: its row and `member_ids`.
fn team_json(
    c: &mut crate::db::DbConnection,
    tid: &crate::tenancy::TenantId,
    id: &str,
) -> AppResult<serde_json::Value> {
    let mut v = serde_json::to_value(teams::get(c, tid, &id.into())?)?;
    v["member_ids"] = json!(teams::members(c, tid, id)?);
    Ok(v)
}

#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", summary = "Rename a team or replace its members",
    description = "`name` renames (unique in the tenant); `member_ids` is the whole new membership (agents not listed leave the team, their accounts stay).",
    params(("id" = String, Path)), request_body = TeamPatch,
    responses((status = 200, description = "The team and `member_ids`", body = crate::tickets::teams::Team)), security(("bearer" = [])))]
pub(crate) async fn patch_team(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<TeamPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, b) = (client.tenant_id(), path.into_inner(), body.value.clone());
    let team = app
        .db
        .write(move |c| {
            teams::get(c, &tid, &id.as_str().into())?;
            if let Some(name) = &b.name {
                teams::rename(c, &tid, &id, name)?;
            }
            if let Some(wanted) = &b.member_ids {
                let now = teams::members(c, &tid, &id)?;
                for gone in now.iter().filter(|m| !wanted.contains(m)) {
                    teams::remove_member(c, &tid, &id, gone)?;
                }
                add_members(c, &tid, &id, wanted.iter().filter(|m| !now.contains(m)))?;
            }
            team_json(c, &tid, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(team))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams", summary = "Delete a team",
    description = "Only a team nothing refers to: one that still holds tickets (open or not) or that a routing rule names answers 409 saying which, to be moved first.",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 409, description = "Still used by tickets or routing rules")), security(("bearer" = [])))]
pub(crate) async fn delete_team(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    match app.db.write(move |c| teams::delete(c, &tid, &id)).await? {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(used) => {
            let rules: Vec<String> = used.rules.iter().map(usize::to_string).collect();
            Err(AppError::Conflict(format!(
                "the team still has {} tickets and is named by routing rules [{}]; move them first",
                used.tickets,
                rules.join(", ")
            )))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", summary = "List agents",
    responses((status = 200, description = "`{\"data\": [agent]}`", body = Object)), security(("bearer" = [])))]
pub(crate) async fn list_agents(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let list = app.db.read(move |c| agents::list(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": list})))
}

#[utoipa::path(get, path = "/api/v1/agents/{id}", tag = "agents", summary = "Get an agent with its routing profile", params(("id" = String, Path)),
    description = "The agent with `languages` (`[{\"code\", \"level\"}]`), `skills`, `max_load`, `presence`, `team_ids`, own `shifts`, `time_off` and current `open_load`.",
    responses((status = 200, description = "The agent", body = crate::accounts::agents::Agent)), security(("bearer" = [])))]
pub(crate) async fn get_agent(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let (agent, routing) = app
        .db
        .read(move |c| {
            let a = agents::get(c, &tid, &id.as_str().into())?;
            let r = crate::routing::store::agent_routing(c, &tid, &id)?;
            Ok((a, r))
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::OK).json(super::routing::agent_json(&agent, &routing)?))
}

/// Directory routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/contacts", web::post().to(create_contact))
        .route("/contacts", web::get().to(list_contacts))
        .route("/contacts/{id}", web::get().to(get_contact))
        .route("/contacts/{id}", web::patch().to(patch_contact))
        .route("/contacts/{id}/tickets", web::get().to(contact_tickets))
        .route("/contacts/{id}/merge", web::post().to(merge_contact))
        .route("/teams", web::get().to(list_teams))
        .route("/teams", web::post().to(create_team))
        .route("/teams/{id}", web::get().to(get_team))
        .route("/teams/{id}", web::patch().to(patch_team))
        .route("/teams/{id}", web::delete().to(delete_team))
        .route("/agents", web::get().to(list_agents))
        .route("/agents/{id}", web::get().to(get_agent));
}
