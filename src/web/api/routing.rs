//! /api/v1/teams/{id}/schedule, PATCH /api/v1/agents/{id}, /api/v1/routing/preview and
//! /api/v1/routing/settings and /api/v1/routing/rules.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::support::ApiJson;
use super::tickets::{MessageIn, RequesterIn};
use crate::error::{AppError, AppResult};
use crate::routing::engine::{self, Decision, Fallback, Options};
use crate::routing::router::{self, Language};
use crate::routing::rules::{self, RulesDoc};
use crate::routing::schedule::ScheduleDoc;
use crate::routing::store::{self, AgentPatch};
use crate::tickets::commands::{validate_body, validate_language, validate_subject, NewTicket, Requester};
use crate::tickets::{teams, Channel, Priority};
use crate::web::auth::{self, ApiClient};

#[utoipa::path(get, path = "/api/v1/teams/{id}/schedule", tag = "routing", summary = "Get a team's schedule",
    description = "The team's IANA time zone, weekly shifts (an end not after the start means the next day) and holidays. A team without one answers the tenant's zone and no shifts.",
    params(("id" = String, Path)),
    responses((status = 200, description = "The schedule", body = ScheduleDoc)), security(("bearer" = [])))]
pub(crate) async fn get_schedule(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let zone = client.tenant.time_zone.clone();
    let doc = app
        .db
        .read(move |c| {
            teams::get(c, &tid, &id.as_str().into())?;
            Ok(store::team_schedule(c, &tid, &id)?.unwrap_or(ScheduleDoc {
                time_zone: zone,
                shifts: vec![],
                holidays: vec![],
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(doc))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}/schedule", tag = "routing", summary = "Replace a team's schedule",
    params(("id" = String, Path)), request_body = ScheduleDoc,
    responses((status = 200, description = "The schedule as stored", body = ScheduleDoc), (status = 422, description = "A field is invalid; `field` names it (`shifts[0].end`)", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn put_schedule(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<ScheduleDoc>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, doc) = (client.tenant_id(), path.into_inner(), body.value);
    let saved = app
        .db
        .write(move |c| {
            // Another tenant's team is not found, whatever the body says.
            teams::get(c, &tid, &id.as_str().into())?;
            store::set_team_schedule(c, &tid, &id, &doc)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/holidays/import", tag = "routing", summary = "Import holidays from an iCalendar file",
    description = "The body is an `.ics` file (`Content-Type: text/calendar`). Each VEVENT's start date is a holiday (an all-day event lasting several days gives each of them, up to 31), repeated by a yearly RRULE (INTERVAL, COUNT, UNTIL); dates from the start of this year to the end of the year after next are kept, beside the schedule's own holidays. A team without a schedule gets one in the tenant's zone with no shifts. A file that cannot be read is refused with `field` naming its line (`line 7`).",
    params(("id" = String, Path)),
    request_body(content = String, content_type = "text/calendar", description = "An iCalendar (RFC 5545) file"),
    responses((status = 200, description = "The schedule as stored", body = ScheduleDoc), (status = 400, description = "Not `text/calendar`", body = crate::web::api::openapi::Problem), (status = 404, description = "No such team", body = crate::web::api::openapi::Problem), (status = 413, description = "Larger than the body limit", body = crate::web::api::openapi::Problem), (status = 422, description = "The file cannot be read (`field` names the line, `line 7`), or the schedule would hold more than 400 holidays (`holidays`)", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn import_holidays(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("text/calendar") {
        return Err(AppError::BadRequest("expected Content-Type: text/calendar".into()));
    }
    let raw = crate::web::inbound::read_body(&req, &mut payload, app.config.max_body_bytes).await?;
    let (tid, id, zone) = (client.tenant_id(), path.into_inner(), client.tenant.time_zone.clone());
    let saved = app
        .db
        .write(move |c| {
            // Another tenant's team is not found, whatever the file says.
            teams::get(c, &tid, &id.as_str().into())?;
            store::import_team_holidays(c, &tid, &id, &raw, &zone, Utc::now())
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents", summary = "Update an agent's routing profile",
    description = "Languages with levels, skills, maximum open load, presence, teams, the agent's own weekly shifts (in the agent's time zone, else the tenant's; `null` follows their teams') and dates off. Absent fields stay; each list replaces the stored one.",
    params(("id" = String, Path)), request_body = AgentPatch,
    responses((status = 200, description = "The agent with its routing profile", body = crate::accounts::agents::Agent), (status = 422, description = "A field is invalid; `field` names it", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn patch_agent(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<AgentPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, patch) = (client.tenant_id(), path.into_inner(), body.value);
    let (agent, routing) = app
        .db
        .write(move |c| {
            let r = store::patch_agent(c, &tid, &id, &patch)?;
            Ok((crate::accounts::agents::get(c, &tid, &id.as_str().into())?, r))
        })
        .await?;
    Ok(HttpResponse::Ok().json(agent_json(&agent, &routing)?))
}

/// An agent with its routing profile, as `GET` and `PATCH /api/v1/agents/{id}` answer.
pub(crate) fn agent_json(
    agent: &crate::accounts::agents::Agent,
    routing: &store::AgentRouting,
) -> AppResult<serde_json::Value> {
    let mut v = serde_json::to_value(agent)?;
    if let (Some(obj), serde_json::Value::Object(r)) = (v.as_object_mut(), serde_json::to_value(routing)?) {
        obj.extend(r);
    }
    Ok(v)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PreviewIn {
    #[schema(min_length = 1, max_length = 250)]
    subject: String,
    message: MessageIn,
    requester: Option<RequesterIn>,
    priority: Option<Priority>,
    #[serde(default)]
    tags: Vec<String>,
    language: Option<String>,
    channel: Option<Channel>,
    /// The instant to decide at (RFC 3339); now when absent. In the future, agents on shift then
    /// count as online; loads are today's.
    at: Option<String>,
}

/// A decision on the wire.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct DecisionOut {
    #[schema(value_type = String)]
    outcome: engine::Outcome,
    agent_id: Option<String>,
    team_id: Option<String>,
    expected_pickup_at: Option<String>,
    reason: String,
    /// The priority a routing rule gives the ticket; `null` when none changes it.
    #[schema(value_type = Option<String>)]
    priority: Option<Priority>,
}

/// What `POST /api/v1/routing/preview` answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct PreviewOut {
    language: Language,
    decision: DecisionOut,
}

fn decision_out(app: &crate::app::AppState, locale: &str, d: &Decision) -> DecisionOut {
    let tr = crate::i18n::Tr::new(app.i18n.clone(), locale.to_string());
    DecisionOut {
        outcome: d.outcome,
        agent_id: d.agent_id.clone(),
        team_id: d.team_id.clone(),
        expected_pickup_at: d.expected_pickup_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        reason: tr.system(d.reason.key, &d.reason.args, d.reason.key),
        priority: d.priority,
    }
}

#[utoipa::path(post, path = "/api/v1/routing/preview", tag = "routing", summary = "Preview a routing decision",
    description = "Where a ticket like this would go, and why, without opening it. The body is a ticket creation's (`requester` optional) plus `at`. The reason is in the tenant's default locale.",
    request_body = PreviewIn,
    responses((status = 200, description = "The language and the decision", body = PreviewOut), (status = 422, description = "A field is invalid; `field` names it", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn preview(req: HttpRequest, client: ApiClient, body: ApiJson<PreviewIn>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let b = body.value;
    let subject = validate_subject(&b.subject)?;
    validate_body("message.body", &b.message.body)?;
    let tags = crate::tickets::normalize_tags(&b.tags)?;
    let language = b.language.as_deref().map(validate_language).transpose()?;
    if let Some(email) = b.requester.as_ref().and_then(|r| r.email.as_deref()) {
        crate::accounts::normalize_email("requester.email", email)?;
    }
    let now = Utc::now();
    let at = match &b.at {
        // RFC 3339 proper: chrono also takes a space between date and time, the document does not.
        Some(s) => Some(s)
            .filter(|s| matches!(s.as_bytes().get(10), Some(b'T' | b't')))
            .ok_or(())
            .and_then(|s| DateTime::parse_from_rfc3339(s).map_err(|_| ()))
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                AppError::invalid("at", "error-validation-detail", format!("{s:?} is not an RFC 3339 instant"))
            })?,
        None => now,
    };
    let new = NewTicket {
        subject,
        body_text: b.message.body,
        body_html: None,
        // Rules on the requester's domain see the address the preview names.
        requester: Requester::Email {
            email: b.requester.as_ref().and_then(|r| r.email.clone()).unwrap_or_default(),
            name: None,
        },
        priority: b.priority.unwrap_or(Priority::Normal),
        tags,
        language,
        channel: b.channel.unwrap_or(Channel::Api),
        assignee_id: None,
        team_id: None,
    };
    let tid = client.tenant_id();
    let state = app.db.read(move |c| store::load_state(c, &tid)).await?;
    let langs = router::tenant_languages(&state);
    let lang = router::language_with(&new, &crate::routing::language::Priors { tenant: &langs, ..Default::default() });
    let facts = router::facts(&new, lang.code.clone());
    // A minute's slack: "now" as the client saw it is not the future.
    let opts = Options { assume_online: at > now + chrono::Duration::minutes(1) };
    let d = engine::decide(&facts, &state, at, opts);
    let out = PreviewOut { language: lang, decision: decision_out(&app, &client.tenant.default_locale, &d) };
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsIn {
    /// What happens when nobody on shift speaks a ticket's language.
    #[schema(value_type = String)]
    fallback: Fallback,
}

#[utoipa::path(get, path = "/api/v1/routing/settings", tag = "routing", summary = "Get the routing settings",
    responses((status = 200, description = "`{\"fallback\": \"basic\"|\"queue\"|\"translate\"}`", body = Object)), security(("bearer" = [])))]
pub(crate) async fn get_settings(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let f = app.db.read(move |c| store::fallback(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(json!({"fallback": f})))
}

#[utoipa::path(put, path = "/api/v1/routing/settings", tag = "routing", summary = "Replace the routing settings",
    request_body = SettingsIn,
    responses((status = 200, description = "`{\"fallback\"}`", body = Object)), security(("bearer" = [])))]
pub(crate) async fn put_settings(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<SettingsIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, f) = (client.tenant_id(), body.value.fallback);
    app.db.write(move |c| store::set_fallback(c, &tid, f)).await?;
    Ok(HttpResponse::Ok().json(json!({"fallback": f})))
}

#[utoipa::path(get, path = "/api/v1/routing/rules", tag = "routing", summary = "Get the routing rules",
    responses((status = 200, description = "The rules in order", body = RulesDoc)), security(("bearer" = [])))]
pub(crate) async fn get_rules(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let doc = app.db.read(move |c| rules::get(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(doc))
}

#[utoipa::path(put, path = "/api/v1/routing/rules", tag = "routing", summary = "Replace the routing rules",
    description = "Ordered; the first rule whose conditions all hold applies: `then.team_id` limits the choice to that team's members (and queues there), `then.skill` to agents with the skill, `then.priority` changes the ticket's priority.",
    request_body = RulesDoc,
    responses((status = 200, description = "The rules as stored (tags and skills normalised)", body = RulesDoc), (status = 422, description = "A field is invalid; `field` names it (`rules[0].then.team_id`)", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn put_rules(req: HttpRequest, client: ApiClient, body: ApiJson<RulesDoc>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, doc) = (client.tenant_id(), body.value);
    let saved = app.db.write(move |c| rules::set(c, &tid, &doc)).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Routing routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/teams/{id}/schedule", web::get().to(get_schedule))
        .route("/teams/{id}/schedule", web::put().to(put_schedule))
        .route("/teams/{id}/holidays/import", web::post().to(import_holidays))
        .route("/agents/{id}", web::patch().to(patch_agent))
        .route("/routing/preview", web::post().to(preview))
        .route("/routing/settings", web::get().to(get_settings))
        .route("/routing/settings", web::put().to(put_settings))
        .route("/routing/rules", web::get().to(get_rules))
        .route("/routing/rules", web::put().to(put_rules));
}
