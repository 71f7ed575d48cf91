//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{directory, tickets};

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
    info(title = "Meridian API", version = "1", description = "Tickets, messages, contacts and teams of one tenant, chosen by the bearer token. Errors are application/problem+json. Requests are rate-limited per token (429 with Retry-After)."),
    paths(
        super::me,
        tickets::create, tickets::list, tickets::get, tickets::patch, tickets::bulk, tickets::merge,
        tickets::list_messages, tickets::add_message, tickets::attachment,
        directory::create_contact, directory::list_contacts, directory::get_contact, directory::patch_contact,
        directory::list_teams, directory::create_team, directory::get_team,
        directory::list_agents, directory::get_agent,
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags((name = "tickets"), (name = "contacts"), (name = "teams"), (name = "agents"), (name = "auth"))
)]
pub struct ApiDoc;

/// The document as JSON.
pub fn document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

/// GET /api/v1/openapi.json
pub async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
