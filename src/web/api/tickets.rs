//! /api/v1/tickets and their messages.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::support::{idempotency_key, idempotent, if_match_version, json_with_etag, stored_response, ApiJson, Stored};
use crate::error::{AppError, AppResult};
use crate::tickets::commands::{self, Creation, NewMessage, NewTicket, Requester, TicketChanges};
use crate::tickets::intake::Submitted;
use crate::tickets::queries::{self, AssigneeFilter, Filter, InboxRow, Sort, View};
use crate::tickets::{etag_of, Actor, Channel, MessageKind, Priority, Status, Ticket};
use crate::web::auth::{self, ApiClient};

/// The API's view of a ticket: the domain value's own serialization.
pub fn ticket_json(t: &Ticket) -> Value {
    serde_json::to_value(t).unwrap_or_default()
}

fn row_json(r: &InboxRow) -> Value {
    let mut v = ticket_json(&r.ticket);
    v["requester"] = json!({"id": r.ticket.requester_id, "name": r.requester_name, "email": r.requester_email});
    v["assignee_name"] = json!(r.assignee_name);
    v
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageIn {
    #[schema(min_length = 1, max_length = 262144)]
    pub(crate) body: String,
    pub(crate) body_html: Option<String>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequesterIn {
    pub(crate) id: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) name: Option<String>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateTicket {
    #[schema(min_length = 1, max_length = 250)]
    subject: String,
    message: MessageIn,
    requester: RequesterIn,
    priority: Option<Priority>,
    #[serde(default)]
    tags: Vec<String>,
    language: Option<String>,
    assignee_id: Option<String>,
    team_id: Option<String>,
    channel: Option<Channel>,
}

#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", summary = "Create a ticket",
    description = "Opens a ticket with its first message from the requester (found or created by email). Send an `Idempotency-Key` header to make retries safe: the same key and body return the first result for at least 24 hours; another body is 422. Keys are per API token.",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = CreateTicket,
    responses((status = 201, description = "Created; ETag header for If-Match", body = crate::tickets::Ticket), (status = 422, description = "A field is invalid; `field` names it", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn create(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<CreateTicket>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let b = body.value;
    let requester = match (b.requester.id, b.requester.email) {
        (Some(id), _) => Requester::Contact(id.into()),
        (None, Some(email)) => Requester::Email { email, name: b.requester.name },
        (None, None) => {
            return Err(AppError::invalid(
                "requester.email",
                "error-email-invalid",
                "requester needs an email or an id",
            ))
        }
    };
    let new = NewTicket {
        subject: b.subject,
        body_text: b.message.body,
        body_html: b.message.body_html,
        requester,
        priority: b.priority.unwrap_or(Priority::Normal),
        tags: b.tags,
        language: b.language,
        channel: b.channel.unwrap_or(Channel::Api),
        assignee_id: b.assignee_id.map(Into::into),
        team_id: b.team_id.map(Into::into),
    };
    let tid = client.tenant_id();
    let key = idempotency_key(&req, &client, &body.raw)?;
    let creation = Creation::new(Actor::Api(client.token.id.as_str().into()), new);
    let stored = match app.intake.submit(&tid, creation, key).await? {
        Submitted::Opened(t) => Stored { status: 201, body: ticket_json(&t), replayed: false },
        Submitted::Replayed { status, ticket } => Stored { status, body: ticket, replayed: true },
    };
    let etag = stored.body["id"].as_str().zip(stored.body["version"].as_i64()).map(|(id, v)| etag_of(id, v));
    Ok(stored_response(stored, etag))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", summary = "Get a ticket",
    params(("id" = String, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket; ETag header for If-Match", body = crate::tickets::Ticket), (status = 404, description = "No such ticket in this tenant", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn get(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let id = path.into_inner();
    let t = app.db.read(move |c| commands::get(c, &tid, &id.as_str().into())).await?;
    Ok(json_with_etag(StatusCode::OK, &t.etag(), &ticket_json(&t)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    status: Option<String>,
    assignee: Option<String>,
    team: Option<String>,
    language: Option<String>,
    priority: Option<String>,
    channel: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    view: Option<String>,
    sort: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

fn parse_filter(q: &ListQuery) -> AppResult<Filter> {
    let status = match &q.status {
        Some(s) if !s.is_empty() => s.split(',').map(Status::parse).collect::<AppResult<Vec<_>>>()?,
        _ => vec![],
    };
    let view = match q.view.as_deref() {
        Some(v) => Some(View::parse(v).ok_or_else(|| AppError::invalid("view", "error-view-invalid", "unknown view"))?),
        None => None,
    };
    Ok(Filter {
        view,
        status,
        priority: q.priority.as_deref().map(Priority::parse).transpose()?,
        assignee: q.assignee.as_deref().map(|a| {
            if a == "none" {
                AssigneeFilter::Nobody
            } else {
                AssigneeFilter::Agent(a.to_string())
            }
        }),
        team_id: q.team.clone().filter(|s| !s.is_empty()),
        channel: q.channel.as_deref().map(Channel::parse).transpose()?,
        language: q.language.clone().filter(|s| !s.is_empty()),
        tag: q.tag.clone().filter(|s| !s.is_empty()),
        q: q.q.clone(),
        bodies: false,
    })
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", summary = "List tickets",
    description = "Filters combine; pages follow `next_cursor` (keyset pagination, stable under inserts).",
    params(ListQuery),
    responses((status = 200, description = "`{\"data\": [...], \"next_cursor\": string|null}`", body = Object)),
    security(("bearer" = [])))]
pub(crate) async fn list(req: HttpRequest, client: ApiClient, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let filter = parse_filter(&q)?;
    if filter.view == Some(View::MyOpen) {
        return Err(AppError::invalid(
            "view",
            "error-view-invalid",
            "my_open needs a signed-in agent; filter by assignee",
        ));
    }
    let sort = q.sort.as_deref().map(Sort::parse).transpose()?.unwrap_or_default();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", "error-limit-invalid", "limit is 1 to 200"));
    }
    let cursor = q.cursor.clone();
    let tid = client.tenant_id();
    let (rows, next) =
        app.db.read(move |c| queries::list(c, &tid, "", &filter, sort, cursor.as_deref(), limit)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": rows.iter().map(row_json).collect::<Vec<_>>(), "next_cursor": next})))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchTicket {
    subject: Option<String>,
    status: Option<Status>,
    priority: Option<Priority>,
    #[serde(default, deserialize_with = "double_option")]
    assignee_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    team_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    language: Option<Option<String>>,
    tags: Option<Vec<String>>,
    #[serde(default)]
    add_tags: Vec<String>,
    #[serde(default)]
    remove_tags: Vec<String>,
}

/// Distinguishes an absent field (leave alone) from `null` (clear it).
fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

impl PatchTicket {
    fn changes(self) -> TicketChanges {
        TicketChanges {
            subject: self.subject,
            status: self.status,
            priority: self.priority,
            assignee_id: self.assignee_id.map(|a| a.map(Into::into)),
            team_id: self.team_id.map(|t| t.map(Into::into)),
            language: self.language,
            tags: self.tags,
            add_tags: self.add_tags,
            remove_tags: self.remove_tags,
        }
    }
}

#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", summary = "Update a ticket",
    description = "Absent fields stay; `null` clears assignee, team or language. With `If-Match`, a ticket changed since it was read answers 412.",
    params(("id" = String, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    request_body = PatchTicket,
    responses((status = 200, description = "The updated ticket", body = crate::tickets::Ticket), (status = 409, description = "Closed tickets cannot change", body = crate::web::api::openapi::Problem), (status = 412, description = "The ticket changed since the ETag", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn patch(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<PatchTicket>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let id = path.into_inner();
    let expected = if_match_version(&req, &id)?;
    let changes = body.value.changes();
    let tid = client.tenant_id();
    let actor = Actor::Api(client.token.id.clone().into());
    let t = app
        .db
        .write(move |c| commands::update_ticket(c, &tid, &actor, &id.as_str().into(), &changes, expected))
        .await?;
    app.tickets_changed(&client.tenant_id());
    Ok(json_with_etag(StatusCode::OK, &t.etag(), &ticket_json(&t)))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "tickets", summary = "List a ticket's messages",
    description = "Oldest first. `body_text` is what the timeline shows; for messages that came by mail it is the sender's own words (quoted history and signature stripped), `body_text_full` the whole text part, and `message_id`, `from`, `to`, `cc`, `auto_reply` and `raw_url` (the stored original, `message/rfc822`) describe the mail. Other messages have `null` there (`auto_reply` false, `to` and `cc` empty).",
    params(("id" = String, Path, description = "Ticket id")),
    responses((status = 200, description = "`{\"data\": [message with attachments and mail fields]}`, oldest first", body = super::mail::MessageList)),
    security(("bearer" = [])))]
pub(crate) async fn list_messages(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let id = path.into_inner();
    let (items, facts) = app
        .db
        .read(move |c| {
            let t = commands::get(c, &tid, &id.as_str().into())?;
            let names =
                crate::accounts::agents::list(c, &tid)?.into_iter().map(|a| (a.id.into_string(), a.name)).collect();
            let items = queries::timeline(c, &tid, &t, &names)?;
            let ids: Vec<String> = items.iter().map(|i| i.message.id.to_string()).collect();
            Ok((items, crate::email::store::mail_facts(c, &tid, &ids)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(super::mail::message_list(items, &facts)))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttachmentIn {
    filename: String,
    /// The file's bytes, base64 (standard alphabet, padded).
    content_base64: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddMessage {
    #[schema(min_length = 1, max_length = 262144)]
    body: String,
    body_html: Option<String>,
    kind: Option<MessageKind>,
    #[serde(default)]
    attachments: Vec<AttachmentIn>,
    /// Post as this agent; without it a reply comes from the requester and a note from the integration.
    author_agent_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", summary = "Add a reply or note",
    description = "Without `author_agent_id` a reply comes from the requester (reopening pending or solved tickets; a closed ticket gets a linked follow-up) and a note from the integration. Files go base64-encoded in `attachments`.",
    params(("id" = String, Path, description = "Ticket id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = AddMessage,
    responses((status = 201, description = "The message, with `ticket`", body = crate::tickets::Message), (status = 413, description = "A file is over the limit", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn add_message(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<AddMessage>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let b = body.value.clone();
    let kind = b.kind.unwrap_or(MessageKind::Reply);
    if kind == MessageKind::System {
        return Err(AppError::invalid("kind", "error-kind-invalid", "kind is reply or note"));
    }
    let id = path.into_inner();
    let tid = client.tenant_id();
    let token = client.token.id.clone();
    if b.attachments.len() > 10 {
        return Err(AppError::invalid("attachments", "error-attachment-count", "at most 10 files per message"));
    }
    // Files go to the store first; the message and its attachment rows then commit together.
    let mut blobs = Vec::with_capacity(b.attachments.len());
    for (i, a) in b.attachments.iter().enumerate() {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD.decode(a.content_base64.as_bytes()).map_err(|_| {
            AppError::invalid(
                &format!("attachments[{i}].content_base64"),
                "error-attachment-encoding",
                "not valid base64",
            )
        })?;
        blobs.push(app.blobs.put(&tid, &a.filename, bytes.into()).await?);
    }
    let stored = idempotent(&app, &req, &client, &body.raw, move |c| {
        let ticket = commands::get(c, &tid, &id.as_str().into())?;
        let actor = match (&b.author_agent_id, kind) {
            (Some(a), _) => {
                crate::accounts::agents::get(c, &tid, &a.as_str().into()).map_err(|_| {
                    AppError::invalid("author_agent_id", "error-assignee-invalid", "no agent with this id")
                })?;
                Actor::Agent(a.clone().into())
            }
            (None, MessageKind::Reply) => Actor::Contact(ticket.requester_id.clone()),
            (None, _) => Actor::Api(token.clone().into()),
        };
        let msg = NewMessage {
            kind,
            channel: Channel::Api,
            body_text: b.body.clone(),
            body_html: b.body_html.clone(),
            attachments: blobs.clone(),
        };
        let (t, m) = commands::add_message(c, &tid, &actor, &ticket.id, &msg)?;
        let mut v = serde_json::to_value(&m)?;
        v["ticket"] = ticket_json(&t);
        Ok((201, v))
    })
    .await?;
    app.tickets_changed(&client.tenant_id());
    Ok(stored_response(stored, None))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MergeIn {
    target_id: String,
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/merge", tag = "tickets", summary = "Merge a ticket into another",
    params(("id" = String, Path, description = "The ticket to merge away")),
    request_body = MergeIn,
    responses((status = 200, description = "The target ticket", body = crate::tickets::Ticket)),
    security(("bearer" = [])))]
pub(crate) async fn merge(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<MergeIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, src, target) = (client.tenant_id(), path.into_inner(), body.value.target_id);
    let actor = Actor::Api(client.token.id.clone().into());
    let t = app
        .db
        .write(move |c| crate::tickets::merge::merge(c, &tid, &actor, &src.as_str().into(), &target.as_str().into()))
        .await?;
    app.tickets_changed(&client.tenant_id());
    Ok(json_with_etag(StatusCode::OK, &t.etag(), &ticket_json(&t)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkIn {
    ids: Vec<String>,
    changes: PatchTicket,
}

#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets", summary = "Update many tickets at once",
    description = "All or nothing, up to 500 tickets.",
    request_body = BulkIn,
    responses((status = 200, description = "`{\"data\": [ticket]}`", body = Object), (status = 404, description = "One of the ids is not a ticket of this tenant; nothing was changed", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn bulk(req: HttpRequest, client: ApiClient, body: ApiJson<BulkIn>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let BulkIn { ids, changes } = body.value;
    let changes = changes.changes();
    let tid = client.tenant_id();
    let actor = Actor::Api(client.token.id.clone().into());
    let list = app
        .db
        .write(move |c| {
            commands::bulk_update(c, &tid, &actor, &ids.iter().map(|i| i.as_str().into()).collect::<Vec<_>>(), &changes)
        })
        .await?;
    app.tickets_changed(&client.tenant_id());
    Ok(HttpResponse::Ok().json(json!({"data": list.iter().map(ticket_json).collect::<Vec<_>>()})))
}

/// GET /api/v1/attachments/{id}: the file, always as a download.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets", summary = "Download an attachment",
    params(("id" = String, Path, description = "Attachment id")),
    responses((status = 200, description = "The file, as application/octet-stream with Content-Disposition: attachment")),
    security(("bearer" = [])))]
pub(crate) async fn attachment(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    crate::web::download_attachment(&app, tid, id).await
}

/// Ticket routes under /api/v1; `max_message_body` bounds message bodies, which may carry files.
pub fn routes(cfg: &mut web::ServiceConfig, max_message_body: usize) {
    cfg.route("/tickets", web::post().to(create))
        .route("/tickets", web::get().to(list))
        .route("/tickets/bulk", web::post().to(bulk))
        .route("/tickets/{id}", web::get().to(get))
        .route("/tickets/{id}", web::patch().to(patch))
        .service(
            web::resource("/tickets/{id}/messages")
                .app_data(web::PayloadConfig::default().limit(max_message_body))
                .route(web::get().to(list_messages))
                .route(web::post().to(add_message)),
        )
        .route("/attachments/{id}", web::get().to(attachment))
        .route("/tickets/{id}/merge", web::post().to(merge));
}
