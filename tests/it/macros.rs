//! Macros: CRUD over the API, rendering in the ticket's language with fallbacks, placeholders,
//! refused input naming its field, tenant isolation on every endpoint; in the console, the admin
//! page (CSRF, refused forms, escaping) and a reply that applies a macro's actions with audit.

use serde_json::{json, Value};

use crate::harness::{field_value, TestApp};
use meridian::accounts::tokens;
use meridian::tenancy::Tenant;

fn token(app: &TestApp, tenant: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "test", None)).unwrap().1
}

async fn send(app: &TestApp, tok: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = reqwest::Client::new().request(m, app.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn ticket(app: &TestApp, tok: &str, language: Option<&str>) -> Value {
    let body = json!({"subject": "Refund please", "message": {"body": "Where is my refund?"},
                      "requester": {"email": "maria@example.com", "name": "Maria Silva"}, "language": language});
    let (s, t) = send(app, tok, "POST", "/api/v1/tickets", Some(body)).await;
    assert_eq!(s, 201, "{t}");
    t
}

fn refund_macro() -> Value {
    json!({"name": "Refund sent", "bodies": {
        "en": "Hi {{requester.name}}, the refund for #{{ ticket.number }} is on its way.",
        "pt": "Olá {{requester.name}}, o reembolso do #{{ticket.number}} está a caminho.",
        "zh-CN": "{{requester.name}}您好，#{{ticket.number}} 的退款已发出。"},
        "actions": {"status": "pending", "priority": "high", "add_tags": ["refund"]}})
}

async fn crud_and_rendering_in_the_tickets_language(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let (s, created) = send(&app, &tok, "POST", "/api/v1/macros", Some(refund_macro())).await;
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        created["actions"],
        json!({"status": "pending", "priority": "high", "add_tags": ["refund"], "assignee_id": null})
    );
    let (s, got) = send(&app, &tok, "GET", &format!("/api/v1/macros/{id}"), None).await;
    assert_eq!((s, &got["name"]), (200, &json!("Refund sent")));
    let (_, list) = send(&app, &tok, "GET", "/api/v1/macros", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    // Exact language, base language, tenant default (en), each with placeholders filled.
    for (lang, locale, text) in [
        (Some("zh-CN"), "zh-CN", "Maria Silva您好，#1 的退款已发出。"),
        (Some("pt-BR"), "pt", "Olá Maria Silva, o reembolso do #2 está a caminho."),
        (Some("de"), "en", "Hi Maria Silva, the refund for #3 is on its way."),
    ] {
        let tk = ticket(&app, &tok, lang).await;
        let path = format!("/api/v1/tickets/{}/macros/{id}/preview", tk["id"].as_str().unwrap());
        let (s, p) = send(&app, &tok, "POST", &path, None).await;
        assert_eq!(s, 200, "{p}");
        assert_eq!((p["locale"].as_str(), p["body"].as_str()), (Some(locale), Some(text)), "{lang:?}");
        assert_eq!(p["actions"]["status"], "pending");
        // A preview changes nothing.
        let (_, after) =
            send(&app, &tok, "GET", &format!("/api/v1/tickets/{}", tk["id"].as_str().unwrap()), None).await;
        assert_eq!(
            (after["status"].as_str(), after["version"].as_i64()),
            (tk["status"].as_str(), tk["version"].as_i64())
        );
    }
    // With neither the ticket's language nor the default: any body there is.
    let patch = json!({"bodies": {"ja": "{{requester.name}}様"}, "actions": {"status": null}});
    let (s, changed) = send(&app, &tok, "PATCH", &format!("/api/v1/macros/{id}"), Some(patch)).await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["actions"]["status"], Value::Null);
    assert_eq!(changed["name"], "Refund sent", "absent fields stay");
    let tk = ticket(&app, &tok, Some("de")).await;
    let (_, p) =
        send(&app, &tok, "POST", &format!("/api/v1/tickets/{}/macros/{id}/preview", tk["id"].as_str().unwrap()), None)
            .await;
    assert_eq!((p["locale"].as_str(), p["body"].as_str()), (Some("ja"), Some("Maria Silva様")));

    let (s, _) = send(&app, &tok, "DELETE", &format!("/api/v1/macros/{id}"), None).await;
    assert_eq!(s, 204);
    let (s, _) = send(&app, &tok, "GET", &format!("/api/v1/macros/{id}"), None).await;
    assert_eq!(s, 404);
}
both!(crud_and_rendering_in_the_tickets_language);

async fn refused_input_names_the_field(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let cases = [
        (json!({"name": "x", "bodies": {"en": "Hi {{requester.nmae}}"}}), "bodies.en", Some("{{requester.nmae}}")),
        (json!({"name": "x", "bodies": {"pt": "Olá {{requester.name"}}), "bodies.pt", None),
        (json!({"name": "x", "bodies": {"not a tag": "Hi"}}), "bodies.not a tag", None),
        (json!({"name": "x", "bodies": {"pt": "a", "PT": "b"}}), "bodies.pt", None),
        (json!({"name": "  "}), "name", None),
        (json!({"name": "x".repeat(121)}), "name", None),
        (json!({"name": "x", "actions": {"status": "closed"}}), "actions.status", None),
        (json!({"name": "x", "actions": {"priority": "huge"}}), "actions.priority", None),
        (json!({"name": "x", "actions": {"add_tags": ["no spaces allowed"]}}), "actions.add_tags", None),
        (json!({"name": "x", "actions": {"assignee_id": "nobody"}}), "actions.assignee_id", None),
        (json!({"name": "x", "bodies": {"en": "a\u{0}b"}}), "bodies.en", None),
    ];
    for (body, field, detail) in cases {
        let (s, p) = send(&app, &tok, "POST", "/api/v1/macros", Some(body.clone())).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert_eq!(p["field"], field, "{body}: {p}");
        if let Some(d) = detail {
            assert!(p["detail"].as_str().unwrap().contains(d), "{p}");
        }
    }
    // Unknown fields and broken JSON are 4xx problems, and nothing was stored.
    let (s, p) = send(&app, &tok, "POST", "/api/v1/macros", Some(json!({"name": "x", "colour": "red"}))).await;
    assert!(s == 400 || s == 422, "{s} {p}");
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/macros"))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let (_, list) = send(&app, &tok, "GET", "/api/v1/macros", None).await;
    assert_eq!(list["data"], json!([]));
}
both!(refused_input_names_the_field);

async fn another_tenants_macro_or_ticket_is_not_found(app: TestApp) {
    let (a, _, _) = app.seed_tenant("acme");
    let (b, _, _) = app.seed_tenant("beta");
    let (ta, tb) = (token(&app, &a), token(&app, &b));
    let (_, ma) = send(&app, &ta, "POST", "/api/v1/macros", Some(refund_macro())).await;
    let (_, mb) = send(&app, &tb, "POST", "/api/v1/macros", Some(refund_macro())).await;
    let (ma, mb) = (ma["id"].as_str().unwrap().to_string(), mb["id"].as_str().unwrap().to_string());
    let tka = ticket(&app, &ta, None).await["id"].as_str().unwrap().to_string();
    let tkb = ticket(&app, &tb, None).await["id"].as_str().unwrap().to_string();
    for (method, path, body) in [
        ("GET", format!("/api/v1/macros/{ma}"), None),
        ("PATCH", format!("/api/v1/macros/{ma}"), Some(json!({"name": "Mine now"}))),
        ("DELETE", format!("/api/v1/macros/{ma}"), None),
        ("POST", format!("/api/v1/tickets/{tkb}/macros/{ma}/preview"), None),
        ("POST", format!("/api/v1/tickets/{tka}/macros/{mb}/preview"), None),
    ] {
        let (s, p) = send(&app, &tb, method, &path, body).await;
        assert_eq!(s, 404, "{method} {path}: {p}");
    }
    let (_, list) = send(&app, &tb, "GET", "/api/v1/macros", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "beta sees its own only");
    let (s, still) = send(&app, &ta, "GET", &format!("/api/v1/macros/{ma}"), None).await;
    assert_eq!((s, &still["name"]), (200, &json!("Refund sent")), "acme's macro is untouched");
}
both!(another_tenants_macro_or_ticket_is_not_found);

/// The console admin page: CSRF, a refused placeholder shown at its row with what was typed, and
/// hostile HTML kept as text; a reply with the macro applies its actions with audit events.
async fn console_admin_page_and_reply_with_actions(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let form = |csrf: &str, body: &str| {
        vec![
            ("_csrf".to_string(), csrf.to_string()),
            ("name".into(), "<b>Refund</b>".into()),
            ("locale_0".into(), "en".into()),
            ("body_0".into(), body.to_string()),
            ("locale_1".into(), String::new()),
            ("body_1".into(), String::new()),
            ("status".into(), "pending".into()),
            ("priority".into(), String::new()),
            ("add_tags".into(), "refund".into()),
            ("assignee_id".into(), String::new()),
        ]
    };
    let r = c.post(app.url("/admin/macros")).form(&form("wrong", "Hi")).send().await.unwrap();
    assert_eq!(r.status(), 403, "a missing or wrong CSRF token is refused");

    let r = c
        .post(app.url("/admin/macros"))
        .form(&form(&csrf, "Hi {{customer.name}} <script>x()</script>"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"body_0-error\""), "the error sits at the row");
    assert!(page.contains("{{customer.name}}"), "it names the placeholder");
    assert!(page.contains("&#60;script&#62;x()") && !page.contains("<script>x()"), "typed text kept, escaped: {page}");

    let hostile = "Hi {{requester.name}} <img src=x onerror=alert(1)>, {{agent.name}} here.";
    let r = c.post(app.url("/admin/macros")).form(&form(&csrf, hostile)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let id = r.headers()["location"].to_str().unwrap().trim_start_matches("/admin/macros?saved=").to_string();
    let page = c.get(app.url("/admin/macros")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("&#60;b&#62;Refund&#60;/b&#62;") && !page.contains("<b>Refund</b>"), "names are escaped");
    let edit = c.get(app.url(&format!("/admin/macros/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        edit.contains("&#60;img src=x onerror=alert(1)&#62;") && !edit.contains("<img src=x"),
        "bodies are escaped"
    );

    // A ticket, and the macro rendered for it and this agent.
    let tok = token(&app, &t);
    let tk = ticket(&app, &tok, Some("en")).await;
    let number = tk["number"].as_i64().unwrap();
    let page = c.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("data-id=\"{id}\"")), "the picker lists the macro");
    let r: Value =
        c.get(app.url(&format!("/tickets/{number}/macros/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["body"], "Hi Maria Silva <img src=x onerror=alert(1)>, acme Owner here.");
    let csrf = field_value(&page, "_csrf").unwrap();
    let multipart = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("kind", "reply")
        .text("body", r["body"].as_str().unwrap().to_string())
        .text("status", "")
        .text("macro_id", id.clone());
    let res = c.post(app.url(&format!("/tickets/{number}/messages"))).multipart(multipart).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let (_, after) = send(&app, &tok, "GET", &format!("/api/v1/tickets/{}", tk["id"].as_str().unwrap()), None).await;
    assert_eq!(after["status"], "pending");
    assert_eq!(after["tags"], json!(["refund"]));
    let events: Vec<(String, Option<String>)> = app
        .state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::ticket_events as e;
            let rows: Vec<(Option<String>, Option<String>, String)> = e::table
                .filter(e::tenant_id.eq(t.id.as_str()))
                .filter(e::ticket_id.eq(tk["id"].as_str().unwrap()))
                .select((e::field, e::after_value, e::actor_type))
                .load(c)?;
            Ok(rows.into_iter().filter(|r| r.2 == "agent").map(|r| (r.0.unwrap_or_default(), r.1)).collect())
        })
        .unwrap();
    assert!(events.contains(&("status".into(), Some("pending".into()))), "{events:?}");
    assert!(events.contains(&("tags".into(), Some("refund".into()))), "{events:?}");

    // Another tenant's agent: the macro, its rendering and its edit page are not found.
    let (_, b_email, b_pw) = app.seed_tenant("beta");
    let (o, o_csrf) = app.signed_in("beta", &b_email, &b_pw).await;
    assert_eq!(o.get(app.url(&format!("/admin/macros/{id}"))).send().await.unwrap().status(), 404);
    let r = o
        .post(app.url(&format!("/admin/macros/{id}/delete")))
        .form(&[("_csrf", o_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = o.post(app.url(&format!("/admin/macros/{id}"))).form(&form(&o_csrf, "Hi")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = c.post(app.url(&format!("/admin/macros/{id}/delete"))).form(&[("_csrf", "nope")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r =
        c.post(app.url(&format!("/admin/macros/{id}/delete"))).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(app.url(&format!("/tickets/{number}/macros/{id}"))).send().await.unwrap().status(), 404);
}
both!(console_admin_page_and_reply_with_actions);
