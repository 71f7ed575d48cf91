//! What the API reference shows beside the document's own words: its Markdown rendered (and
//! sanitised), and a curl command for each operation built from the document alone (method,
//! path with example ids, the bearer header, a JSON body made from the request schema), so the
//! examples can never drift from what the server accepts.

use serde_json::{json, Map, Value};

/// Markdown from the document as sanitised HTML blocks.
pub fn markdown(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let mut raw = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, pulldown_cmark::Parser::new(text));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// Markdown from the document as sanitised inline HTML (a summary, a table cell): one paragraph
/// loses its `<p>`.
pub fn markdown_inline(text: &str) -> String {
    let html = markdown(text);
    let t = html.trim();
    match t.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => t.to_string(),
    }
}

/// The schema a `$ref` points to, or the schema itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix("#/").map_or(schema, |p| p.split('/').fold(doc, |v, k| &v[k])),
        None => schema,
    }
}

/// A value for a string field, from its format or, failing that, its name.
fn example_string(name: &str, schema: &Value) -> Value {
    let format = schema["format"].as_str().unwrap_or("");
    let n = name.to_ascii_lowercase();
    let s = match format {
        "uuid" => "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "date-time" => "2026-12-01T09:30:00Z",
        "date" => "2026-12-24",
        "email" => "maria@example.com",
        "uri" | "url" => "https://hooks.example.com/meridian",
        _ if n.contains("email") => "maria@example.com",
        _ if n.ends_with("url") => "https://hooks.example.com/meridian",
        _ if n == "id" || n.ends_with("_id") => "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        _ if n.contains("language") || n.contains("locale") => "pt-BR",
        _ if n.contains("zone") => "America/Sao_Paulo",
        _ if n == "subject" || n == "title" => "Printer on fire",
        _ if n.contains("name") => "Maria Silva",
        _ if n.starts_with("body") || n == "text" || n == "comment" => "Hello, the printer in room 4 is on fire.",
        _ if n.contains("tag") || n.contains("skill") => "billing",
        _ if n.contains("slug") => "getting-started",
        _ => "example",
    };
    let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
    let mut s = s.to_string();
    while s.chars().count() < min {
        s.push('x');
    }
    if let Some(max) = schema["maxLength"].as_u64() {
        s = s.chars().take(max as usize).collect();
    }
    Value::String(s)
}

/// An example value for `schema` (depth-limited: documents can be recursive).
pub fn example(doc: &Value, name: &str, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if let Some(e) = schema.get("example").or_else(|| schema.get("examples").and_then(|e| e.get(0))) {
        return e.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.iter().find(|v| !v.is_null())) {
        return first.clone();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[key].as_array().and_then(|all| all.iter().find(|s| s["type"] != "null")) {
            return example(doc, name, first, depth);
        }
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        // `["string", "null"]`: the first type that is not null.
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "null",
    };
    match ty {
        "string" => example_string(name, schema),
        "integer" => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        "number" => json!(schema["minimum"].as_f64().unwrap_or(1.0).max(1.0)),
        "boolean" => json!(true),
        "array" if depth < 4 => {
            let item = example(doc, name.trim_end_matches('s'), &schema["items"], depth + 1);
            if item.is_null() {
                json!([])
            } else {
                json!([item])
            }
        }
        "array" => json!([]),
        "object" if depth < 4 => {
            let required: Vec<&str> =
                schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let mut out = Map::new();
            if let Some(props) = schema["properties"].as_object() {
                // The required fields, or when none is required the first few: enough to show the shape.
                let chosen: Vec<(&String, &Value)> = if required.is_empty() {
                    props.iter().take(3).collect()
                } else {
                    props.iter().filter(|(k, _)| required.contains(&k.as_str())).collect()
                };
                for (k, p) in chosen {
                    let v = example(doc, k, p, depth + 1);
                    if !v.is_null() {
                        out.insert(k.clone(), v);
                    }
                }
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

/// `s` quoted for a POSIX shell.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A curl command for one operation of the document.
pub fn curl(doc: &Value, base: &str, method: &str, path: &str, op: &Value) -> String {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let mut url = path.to_string();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for p in &params {
        let name = p["name"].as_str().unwrap_or("");
        let value = example(doc, name, &p["schema"], 0);
        let value = match value {
            Value::String(s) => s,
            Value::Null => "example".into(),
            other => other.to_string(),
        };
        match p["in"].as_str() {
            Some("path") => url = url.replace(&format!("{{{name}}}"), &value),
            Some("query") if p["required"].as_bool() == Some(true) => query.push(format!("{name}={value}")),
            Some("header") if p["required"].as_bool() == Some(true) || name == "Idempotency-Key" => {
                let v = if name == "Idempotency-Key" { "3f1c9e2a-retry-safe".to_string() } else { value };
                headers.push(format!("{name}: {v}"));
            }
            _ => {}
        }
    }
    let mut full = format!("{}{url}", base.trim_end_matches('/'));
    if !query.is_empty() {
        full = format!("{full}?{}", query.join("&"));
    }
    let mut lines = vec![format!("curl -X {} {}", method.to_uppercase(), sh(&full))];
    if op.get("security").is_some() || doc.get("security").is_some() {
        lines.push("-H \"Authorization: Bearer $MERIDIAN_TOKEN\"".into());
    }
    for h in headers {
        lines.push(format!("-H {}", sh(&h)));
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        if let Some(media) = content.get("application/json") {
            let body = example(doc, "", &media["schema"], 0);
            let body = serde_json::to_string_pretty(&body).unwrap_or_else(|_| "{}".into());
            lines.push("-H 'Content-Type: application/json'".into());
            lines.push(format!("-d {}", sh(&body)));
        } else if let Some((kind, _)) = content.iter().next() {
            let file = match kind.as_str() {
                "text/calendar" => "holidays.ics",
                k if k.starts_with("text/") => "body.txt",
                _ => "body.bin",
            };
            lines.push(format!("-H {}", sh(&format!("Content-Type: {kind}"))));
            lines.push(format!("--data-binary @{file}"));
        }
    }
    lines.join(" \\\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_markup_is_sanitised() {
        assert_eq!(markdown_inline("Send `Idempotency-Key`"), "Send <code>Idempotency-Key</code>");
        let html = markdown("a <script>alert(1)</script> [x](javascript:alert(2))");
        assert!(!html.contains("<script") && !html.contains("javascript:"), "{html}");
    }

    #[test]
    fn bodies_follow_the_schema_and_quotes_survive_the_shell() {
        let doc = json!({"components": {"schemas": {"In": {"type": "object", "required": ["name", "n"],
            "properties": {"name": {"type": "string", "example": "O'Brien"}, "n": {"type": "integer", "minimum": 5},
                           "skip": {"type": "string"}}}}}});
        let op = json!({"security": [{"bearer": []}], "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}});
        let c = curl(&doc, "https://desk.example/", "patch", "/api/v1/things/{id}", &op);
        assert!(c.starts_with("curl -X PATCH 'https://desk.example/api/v1/things/0193a1b2-"), "{c}");
        assert!(c.contains("Authorization: Bearer $MERIDIAN_TOKEN"), "{c}");
        assert!(c.contains("O'\\''Brien") && c.contains("\"n\": 5") && !c.contains("skip"), "{c}");
    }
}
