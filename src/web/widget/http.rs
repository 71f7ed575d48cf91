//! The widget's HTTP doors beside its socket: a visitor's files (`POST /widget/{slug}/uploads`,
//! `GET /widget/{slug}/attachments/{id}`), article suggestions (`GET …/suggestions`) and
//! deflections (`POST …/deflections`). They are called from the host page, another origin, so
//! each answers CORS for the tenant's allowed origins (any until it lists some), errors included,
//! so the widget can read a 413. A visitor authenticates with their token as a bearer token:
//! a header, never a URL, so no log or `Referer` carries it.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use serde::Deserialize;

use crate::app::AppState;
use crate::chat::conversations;
use crate::chat::files::{self, ChatFile};
use crate::chat::settings::{self, ChatSettings};
use crate::chat::suggestions;
use crate::chat::visitors::{self, Visitor};
use crate::error::{AppError, AppResult};
use crate::kb::Audience;
use crate::tenancy::{self, Tenant};

/// The tenant a widget request (HTTP or the WebSocket upgrade) is for, and the Origin it may be
/// answered to.
pub(super) struct Door {
    pub(super) app: AppState,
    pub(super) tenant: Tenant,
    pub(super) settings: ChatSettings,
    /// The request's Origin when the tenant allows it (echoed in CORS headers).
    origin: Option<String>,
}

impl Door {
    /// Look up the slug's tenant; refuse an Origin the tenant has not allowed.
    pub(super) async fn open(req: &HttpRequest, slug: String) -> AppResult<Door> {
        let app = crate::web::auth::state(req)?;
        let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (tenant, settings) = app
            .db
            .read(move |c| {
                let t = tenancy::by_slug(c, &slug)?;
                let s = settings::get(c, &t.tenant_id())?;
                Ok((t, s))
            })
            .await?;
        if !settings.origin_allowed(origin.as_deref()) {
            tracing::info!(tenant = %tenant.slug, origin = ?origin, "widget request from a disallowed origin");
            return Err(AppError::Forbidden);
        }
        Ok(Door { app, tenant, settings, origin })
    }

    /// The visitor whose token the request carries: 401 without one, 404 for a token this
    /// tenant does not know (another tenant's included).
    async fn visitor(&self, req: &HttpRequest) -> AppResult<Visitor> {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?
            .to_string();
        let tid = self.tenant.tenant_id();
        self.app.db.read(move |c| visitors::by_token(c, &tid, &token)).await?.ok_or(AppError::NotFound)
    }

    /// Add the CORS headers this request may be answered with.
    fn cors(&self, mut res: HttpResponse) -> HttpResponse {
        cors_headers(&mut res, self.origin.as_deref());
        res
    }
}

fn cors_headers(res: &mut HttpResponse, origin: Option<&str>) {
    let h = res.headers_mut();
    h.insert(header::VARY, header::HeaderValue::from_static("Origin"));
    if let Some(v) = origin.and_then(|o| header::HeaderValue::from_str(o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, header::HeaderValue::from_static("content-disposition"));
    }
}

/// Run a door's handler; its error too is answered with the CORS headers of an allowed Origin.
async fn answer<F>(req: &HttpRequest, slug: String, handler: F) -> HttpResponse
where
    F: AsyncFnOnce(&Door) -> AppResult<HttpResponse>,
{
    let door = match Door::open(req, slug).await {
        Ok(d) => d,
        Err(e) => return e.error_response(),
    };
    match handler(&door).await {
        Ok(res) => door.cors(res),
        Err(e) => door.cors(e.error_response()),
    }
}

/// OPTIONS on any widget door: the CORS preflight (the visitor token travels in a header).
pub async fn preflight(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (slug, _) = path.into_inner();
    answer(&req, slug, async |_| {
        Ok(HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "authorization, content-type"))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .finish())
    })
    .await
}

/// A file as the widget is told of it, with the address the visitor downloads it from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub size: i64,
    pub content_type: &'a str,
    pub url: String,
}

impl<'a> FileOut<'a> {
    /// The file of a conversation of the tenant with this slug.
    pub fn new(f: &'a ChatFile, slug: &str) -> Self {
        FileOut {
            id: &f.id,
            name: &f.name,
            size: f.size,
            content_type: &f.content_type,
            url: format!("/widget/{slug}/attachments/{}", f.id),
        }
    }
}

/// Query of an upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The message's client id, as on the socket: a retry is stored once.
    client_id: String,
    /// The file's name (cleaned: last path component, no control or bidi characters).
    name: String,
    /// Text to send with the file; the file's name when absent.
    body: Option<String>,
}

/// POST /widget/{slug}/uploads?client_id=&name=[&body=]: the raw file as the body. The file is
/// refused before anything is stored when its `Content-Length` or its first bytes say it must be
/// (413, 415), and streamed to the attachment store otherwise; the message carrying it commits
/// like a socket message and reaches agents and the visitor's sockets live. 201 with the message.
pub async fn upload(
    req: HttpRequest,
    payload: web::Payload,
    slug: web::Path<String>,
    q: web::Query<UploadParams>,
) -> HttpResponse {
    let UploadParams { client_id, name, body } = q.into_inner();
    answer(&req, slug.into_inner(), async |door| {
        let visitor = door.visitor(&req).await?;
        let app = &door.app;
        let tid = door.tenant.tenant_id();
        app.widget_limits.uploads.check(&format!("{}|{}", tid.as_str(), visitor.id))?;
        let limit = app.config.max_attachment_bytes;
        let declared =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(AppError::PayloadTooLarge);
        }
        conversations::check_client_id(&client_id)?;
        let filename = crate::tickets::attachments::sanitize_filename(&name);
        let body = body.filter(|b| !b.trim().is_empty()).unwrap_or_else(|| filename.clone());
        crate::web::input::check_text("body", &body)?;
        let (t2, current) = (tid.clone(), visitor.ticket_id.clone());
        app.db
            .read(move |c| {
                let current = match current {
                    Some(t) => files::followed(c, &t2, &t)?,
                    None => None,
                };
                files::check_count(c, &t2, current.as_deref())
            })
            .await?;
        // What the file is, from its first bytes, before anything of it is stored.
        let mut payload = payload;
        let mut head = web::BytesMut::new();
        while head.len() < files::SNIFF_BYTES {
            match payload.next().await {
                Some(part) => {
                    let part = part.map_err(|e| AppError::BadRequest(format!("cannot read the file: {e}")))?;
                    head.extend_from_slice(&part);
                    if head.len() > limit {
                        return Err(AppError::PayloadTooLarge);
                    }
                }
                None => break,
            }
        }
        files::check_type(&head, &filename)?;
        let first = futures_util::stream::iter([Ok::<_, actix_web::error::PayloadError>(head.freeze())]);
        let blob = app.blobs.put_stream(&tid, &filename, first.chain(payload), limit).await?;
        let opening = visitor.ticket_id.is_none();
        let p =
            super::post_message(app, &door.tenant, &door.settings, opening, &visitor.id, &client_id, &body, vec![blob])
                .await?;
        if !p.replayed {
            app.tickets_changed(&tid);
        }
        let mid = p.message_id.clone();
        let stored = app.db.read(move |c| files::of_messages(c, &tid, &[mid])).await?;
        let list: Vec<FileOut> = stored
            .get(&p.message_id)
            .map(|v| v.iter().map(|f| FileOut::new(f, &door.tenant.slug)).collect())
            .unwrap_or_default();
        let status = if p.replayed { actix_web::http::StatusCode::OK } else { actix_web::http::StatusCode::CREATED };
        Ok(HttpResponse::build(status).json(serde_json::json!({
            "client_id": client_id,
            "message_id": p.message_id,
            "conversation_id": p.ticket_id,
            "replayed": p.replayed,
            "attachments": list,
        })))
    })
    .await
}

/// GET /widget/{slug}/attachments/{id}: a file of the visitor's own conversation (not a note's),
/// as a download like every attachment; anything else is 404.
pub async fn download(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (slug, id) = path.into_inner();
    answer(&req, slug, async |door| {
        let visitor = door.visitor(&req).await?;
        let tid = door.tenant.tenant_id();
        let meta = door.app.db.read(move |c| files::for_visitor(c, &tid, &visitor, &id)).await?;
        let bytes = door.app.blobs.get(&meta.storage_key).await?;
        Ok(crate::web::attachment_response(&meta, bytes))
    })
    .await
}

/// Query of the suggestions.
#[derive(Deserialize)]
pub struct SuggestParams {
    q: Option<String>,
    locale: Option<String>,
    /// Ids of the articles already offered for this draft (see `suggestions::seen_ids`).
    seen: Option<String>,
}

/// GET /widget/{slug}/suggestions?q=&locale=: up to three published public articles for what
/// the visitor is typing, in their locale and its fallbacks, through the help center's search.
/// A draft of fewer than three words gets none. Rate-limited per client address. Each article
/// not in `seen` counts as suggested once more in the knowledge base's numbers.
pub async fn suggest(req: HttpRequest, slug: web::Path<String>, q: web::Query<SuggestParams>) -> HttpResponse {
    let SuggestParams { q, locale, seen } = q.into_inner();
    answer(&req, slug.into_inner(), async |door| {
        let app = &door.app;
        let ip = crate::web::auth::client_ip(&req, app.config.trust_proxy);
        app.widget_limits.suggestions.check(&format!("{}|{ip}", door.tenant.id))?;
        let text: String = q.unwrap_or_default().chars().take(suggestions::MAX_QUERY_CHARS).collect();
        crate::web::input::check_text("q", &text)?;
        let seen = seen.unwrap_or_default();
        let seen = suggestions::seen_ids(&seen)?;
        let mut articles = vec![];
        if suggestions::words(&text) >= suggestions::MIN_WORDS {
            let (hits, _) = crate::web::api::kb::search::run_search(
                app,
                &door.tenant,
                &text,
                locale.as_deref(),
                Audience::Public,
                suggestions::MAX_SUGGESTIONS,
            )
            .await?;
            // The search answers for this tenant's published public articles only, so nothing
            // of another tenant's is counted here.
            let tid = door.tenant.tenant_id();
            for h in hits.iter().filter(|h| !seen.contains(&h.id.as_str())) {
                app.kb_tally.widget_shown(&tid, &h.id, &h.locale);
            }
            articles = hits
                .into_iter()
                .map(|h| {
                    serde_json::json!({
                        "id": h.id,
                        "title": h.title,
                        "url": h.url,
                        "snippet": suggestions::plain_snippet(&h.snippet),
                        "locale": h.locale,
                    })
                })
                .collect();
        }
        Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "private, max-age=30"))
            .json(serde_json::json!({ "articles": articles })))
    })
    .await
}

/// Body of a deflection.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeflectionIn {
    article_id: String,
    locale: Option<String>,
}

/// POST /widget/{slug}/deflections `{"article_id", "locale"?}`: the suggested article answered
/// the visitor's question. Recorded once per visitor and article; no ticket is opened. 200
/// `{"recorded": true}` the first time, `false` after; 404 for an article that is not one of the
/// tenant's published public articles.
pub async fn deflect(req: HttpRequest, slug: web::Path<String>, body: web::Bytes) -> HttpResponse {
    answer(&req, slug.into_inner(), async |door| {
        let visitor = door.visitor(&req).await?;
        let app = &door.app;
        app.widget_limits.suggestions.check(&format!("{}|{}", door.tenant.id, visitor.id))?;
        let input: DeflectionIn =
            serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))?;
        crate::web::input::check_text("article_id", &input.article_id)?;
        let locale = input
            .locale
            .as_deref()
            .and_then(|l| crate::kb::parse_locale("locale", l).ok())
            .unwrap_or_else(|| door.tenant.default_locale.clone());
        let tid = door.tenant.tenant_id();
        let recorded = app
            .db
            .write(move |c| suggestions::record_deflection(c, &tid, &visitor.id, &input.article_id, &locale))
            .await?;
        Ok(HttpResponse::Ok().json(serde_json::json!({ "recorded": recorded })))
    })
    .await
}
