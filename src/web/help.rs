//! The public help center; its tenant comes from the host (`{slug}.<base_domain>`) or `/h/{slug}`.

use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::console::{html, Page};
use crate::app::AppState;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::tenancy;

/// The tenant slug named by the request's host, when it is a subdomain of the base domain.
pub fn slug_from_host(req: &HttpRequest, base_domain: &str) -> Option<String> {
    let host = req.headers().get(header::HOST)?.to_str().ok()?;
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).to_ascii_lowercase();
    let slug = host.strip_suffix(base_domain)?.strip_suffix('.')?;
    (!slug.is_empty() && !slug.contains('.')).then(|| slug.to_string())
}

#[derive(Template)]
#[template(path = "help/home.html")]
struct HelpHome {
    page: Page,
    tenant_name: String,
}

/// The help-center home of the tenant with this slug.
pub async fn home_for_slug(state: &AppState, req: &HttpRequest, slug: String) -> AppResult<HttpResponse> {
    let tenant = state.db.read(move |c| tenancy::by_slug(c, &slug)).await?;
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = state.i18n.negotiate(None, accept, Some(&tenant.default_locale));
    actix_web::HttpMessage::extensions_mut(req).insert(super::middleware::RequestLocale(locale.clone()));
    let t = Tr::new(state.i18n.clone(), locale);
    html(&HelpHome { tenant_name: tenant.name, page: Page::anonymous(t) })
}

async fn home(req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let state = super::auth::state(&req)?;
    home_for_slug(&state, &req, path.into_inner()).await
}

/// `/h/{slug}/…` routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/h/{slug}")
            .wrap(from_fn(super::middleware::console_errors))
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .default_service(web::to(crate::web::not_found)),
    );
}
