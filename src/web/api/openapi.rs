//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{alerts, chat, directory, kb, macros, mail, organizations, routing, search, tickets, webhooks};

/// An RFC 9457 problem, as every API error is sent.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:meridian:problem:<code>`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field at fault, as a path (`requester.email`, `attachments[0].content_base64`).
    pub field: Option<String>,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (mrd_…) from the console or `meridian token create`"))
                    .build(),
            ),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Meridian API", version = "1", description = "Tickets, messages, contacts (and their merges), organisations, teams, agents' routing profiles, team schedules, routing previews, inbound mail (raw sources, the quarantine), webhooks, alerts, macros (canned replies), the chat widget's settings, the knowledge base and a search over tickets, messages and articles of one tenant, chosen by the bearer token. Errors are application/problem+json. Requests are rate-limited per token (429 with Retry-After)."),
    paths(
        super::me,
        tickets::create, tickets::list, tickets::get, tickets::patch, tickets::bulk, tickets::merge,
        tickets::list_messages, tickets::add_message, tickets::attachment,
        directory::create_contact, directory::list_contacts, directory::get_contact, directory::patch_contact,
        directory::contact_tickets, directory::merge_contact, organizations::list, organizations::get,
        directory::list_teams, directory::create_team, directory::get_team, directory::patch_team, directory::delete_team,
        directory::list_agents, directory::get_agent,
        mail::list_failed, mail::raw, mail::failed_raw, mail::retry,
        webhooks::list, webhooks::create, webhooks::get, webhooks::patch, webhooks::delete,
        webhooks::rotate, webhooks::test, webhooks::deliveries, webhooks::retry,
        routing::get_schedule, routing::put_schedule, routing::import_holidays, routing::patch_agent, routing::preview,
        routing::get_settings, routing::put_settings, routing::get_rules, routing::put_rules,
        chat::get_settings, chat::put_settings, chat::rotate_secret,
        kb::articles::list_articles, kb::articles::create_article, kb::articles::get_article,
        kb::articles::patch_article, kb::articles::delete_article, kb::articles::put_translation,
        kb::articles::delete_translation, kb::articles::versions, kb::articles::restore,
        kb::files::list, kb::files::upload, kb::files::delete,
        kb::structure::list_categories, kb::structure::create_category, kb::structure::get_category,
        kb::structure::patch_category, kb::structure::delete_category, kb::structure::list_sections,
        kb::structure::create_section, kb::structure::get_section, kb::structure::patch_section,
        kb::structure::delete_section, kb::search::search,
        alerts::get_settings, alerts::patch_settings, alerts::list_failed,
        macros::list, macros::create, macros::get, macros::patch, macros::delete, macros::preview,
        search::search,
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags((name = "tickets"), (name = "contacts"), (name = "teams"), (name = "agents"), (name = "mail"), (name = "webhooks"), (name = "routing"), (name = "chat"), (name = "knowledge base"), (name = "alerts"), (name = "macros"), (name = "search"), (name = "auth"))
)]
pub struct ApiDoc;

/// The document as JSON, with the error responses every operation shares.
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    super::rules::apply(&mut doc);
    add_error_responses(&mut doc);
    doc
}

/// Errors are the same across operations, so they are documented here from each operation's
/// shape rather than repeated on every handler: a client generated from the document then knows
/// every status it can get, and that errors come as `application/problem+json`.
fn add_error_responses(doc: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let problem = |description: &str| {
        json!({"description": description,
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            let params: Vec<(String, String)> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p["in"].as_str().unwrap_or("").to_string(), p["name"].as_str().unwrap_or("").to_string()))
                .collect();
            let has_body = op.get("requestBody").is_some();
            let writes = matches!(method.as_str(), "post" | "patch");
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            // Errors someone documented by hand still come as problem+json.
            for (status, response) in responses.iter_mut() {
                if status.starts_with('4') || status.starts_with('5') {
                    if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                        if let Some(schema) = content.remove("application/json") {
                            content.insert("application/problem+json".into(), schema);
                        }
                    }
                }
            }
            let mut add = |status: &str, response: Value| {
                responses.entry(status.to_string()).or_insert(response);
            };
            add("401", problem("No valid API token"));
            if params.iter().any(|(at, _)| at == "query") {
                add("400", problem("A query parameter is not of the expected type"));
            }
            let mut limited = problem("Too many requests for this token; retry after `Retry-After` seconds");
            limited["headers"] =
                json!({"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}});
            add("429", limited);
            add("503", problem("The database is unavailable; retry later"));
            if params.iter().any(|(at, _)| at == "path") {
                add("404", problem("No such resource in this token's tenant"));
            }
            if has_body {
                add("400", problem("The body is not JSON of the expected type"));
                add("413", problem("The body is larger than the server accepts"));
            }
            if has_body || params.iter().any(|(at, _)| at == "query" || at == "header") {
                add("422", problem("A field is invalid; `field` names it"));
            }
            if writes {
                add("409", problem("The request conflicts with the current state"));
            }
            if params.iter().any(|(at, name)| at == "header" && name.eq_ignore_ascii_case("If-Match")) {
                add("412", problem("The resource changed since the ETag sent in If-Match"));
            }
        }
    }
}

/// The documented paths, as segment templates (`{id}` matches any one segment), with their methods.
static ROUTES: std::sync::LazyLock<Vec<(Vec<String>, Vec<String>)>> = std::sync::LazyLock::new(|| {
    let doc = document();
    let mut routes: Vec<(Vec<String>, Vec<String>)> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(path, item)| {
            let segments = path.split('/').map(str::to_string).collect();
            let methods = item.as_object().into_iter().flatten().map(|(m, _)| m.to_uppercase()).collect();
            (segments, methods)
        })
        .collect();
    // Literal segments win over `{id}` (`/tickets/bulk` before `/tickets/{id}`).
    routes.sort_by_key(|(segments, _)| segments.iter().filter(|s| s.starts_with('{')).count());
    routes
});

/// Whatever no API route answered: 405 with `Allow` for a documented path asked with another
/// method, 404 otherwise.
pub async fn fallback(req: actix_web::HttpRequest) -> Result<HttpResponse, crate::error::AppError> {
    let asked: Vec<&str> = req.path().split('/').collect();
    let found = ROUTES.iter().find(|(segments, _)| {
        segments.len() == asked.len() && segments.iter().zip(&asked).all(|(s, a)| s.starts_with('{') || s == a)
    });
    match found {
        Some((_, methods)) if !methods.iter().any(|m| m == req.method().as_str()) => {
            Err(crate::error::AppError::MethodNotAllowed { allow: methods.join(", ") })
        }
        _ => Err(crate::error::AppError::NotFound),
    }
}

/// GET /api/v1/openapi.json
pub async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
