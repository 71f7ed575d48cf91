//! GET /api-reference: a readable API reference rendered from the OpenAPI document itself, with
//! how to authenticate and a curl example per operation (`api_examples`).

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde_json::Value;

use super::api_examples::{curl, markdown, markdown_inline};
use super::{html, Page};
use crate::error::AppResult;
use crate::web::auth::ConsoleUser;

/// One documented operation; texts from the document are sanitised HTML rendered from Markdown.
pub struct OperationView {
    pub method: String,
    pub path: String,
    pub anchor: String,
    pub summary: String,
    pub description: String,
    pub params: Vec<(String, String, bool, String)>,
    pub body: Option<String>,
    pub responses: Vec<(String, String)>,
    /// A curl command for it.
    pub curl: String,
}

/// A schema and its fields (name, type, required).
pub struct SchemaView {
    pub name: String,
    pub fields: Vec<(String, String, bool, String)>,
}

#[derive(Template)]
#[template(path = "console/api_reference.html")]
struct ReferencePage {
    page: Page,
    operations: Vec<OperationView>,
    schemas: Vec<SchemaView>,
    /// Requests per token per minute, in each process.
    rate_per_minute: i64,
    /// An example problem document.
    problem: String,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn type_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        return one.iter().map(type_name).collect::<Vec<_>>().join(" | ");
    }
    match &schema["type"] {
        Value::String(t) if t == "array" => format!("[{}]", type_name(&schema["items"])),
        Value::String(t) => {
            schema.get("format").and_then(Value::as_str).map(|f| format!("{t} ({f})")).unwrap_or_else(|| t.clone())
        }
        Value::Array(ts) => ts.iter().map(text).collect::<Vec<_>>().join(" | "),
        _ => schema.get("enum").map(|e| e.to_string()).unwrap_or_else(|| "object".into()),
    }
}

fn operations(doc: &Value, base: &str) -> Vec<OperationView> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else { return out };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            let params = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            (
                                text(&p["name"]),
                                text(&p["in"]),
                                p["required"].as_bool().unwrap_or(false),
                                markdown_inline(&text(&p["description"])),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|s| type_name(&Value::Object(s.clone())));
            let responses = op["responses"]
                .as_object()
                .map(|rs| {
                    rs.iter().map(|(code, r)| (code.clone(), markdown_inline(&text(&r["description"])))).collect()
                })
                .unwrap_or_default();
            out.push(OperationView {
                anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: markdown_inline(&text(&op["summary"])),
                description: markdown(&text(&op["description"])),
                params,
                body,
                responses,
                curl: curl(doc, base, method, path, op),
            });
        }
    }
    out
}

fn schemas(doc: &Value) -> Vec<SchemaView> {
    let Some(all) = doc["components"]["schemas"].as_object() else { return vec![] };
    all.iter()
        .map(|(name, s)| {
            let required: Vec<&str> =
                s["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let fields = s["properties"]
                .as_object()
                .map(|props| {
                    props
                        .iter()
                        .map(|(f, p)| {
                            (
                                f.clone(),
                                type_name(p),
                                required.contains(&f.as_str()),
                                markdown_inline(&text(&p["description"])),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            SchemaView { name: name.clone(), fields }
        })
        .collect()
}

/// GET /api-reference
pub async fn show(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    let app = crate::web::auth::state(&req)?;
    let doc = crate::web::api::openapi::document();
    let base = app.config.base_url.as_str().trim_end_matches('/').to_string();
    let problem = serde_json::to_string_pretty(&serde_json::json!({
        "type": "urn:meridian:problem:validation",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "requester.email: \"maria@\" is not an email address",
        "field": "requester.email",
    }))
    .unwrap_or_default();
    html(&ReferencePage {
        operations: operations(&doc, &base),
        schemas: schemas(&doc),
        rate_per_minute: i64::from(app.config.api_rate_per_minute),
        problem,
        page: Page::for_user(&user, "api"),
    })
}
