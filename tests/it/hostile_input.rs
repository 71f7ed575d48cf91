//! Hostile input at the boundary: NUL bytes (which PostgreSQL text cannot hold) in paths, query
//! strings, JSON and forms, and JSON arrays where the document says object. None may reach a
//! query: the answer is a 404 or a 422 naming the field, never a 5xx, on either database.

use serde_json::{json, Value};

use crate::harness::TestApp;
use meridian::accounts::tokens;

fn token(app: &TestApp, tenant: &meridian::tenancy::Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "test", None)).unwrap().1
}

async fn send(app: &TestApp, tok: &str, method: &str, path: &str, body: Option<Value>) -> (u16, String, Value) {
    let c = reqwest::Client::new();
    let mut r = c.request(method.parse().unwrap(), app.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, ct, body)
}

async fn nul_in_api_paths_queries_and_bodies(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let (status, _, ticket) = send(
        &app,
        &tok,
        "POST",
        "/api/v1/tickets",
        Some(json!({"subject": "Fine", "message": {"body": "ok"}, "requester": {"email": "a@b.co"}})),
    )
    .await;
    assert_eq!(status, 201);
    let id = ticket["id"].as_str().unwrap().to_string();
    let (_, _, contact) =
        send(&app, &tok, "POST", "/api/v1/contacts", Some(json!({"name": "Ana", "email": "ana@b.co"}))).await;
    let contact_id = contact["id"].as_str().unwrap().to_string();

    // An id with NUL (or another control character) names nothing: 404 on every {id} route.
    let patch = Some(json!({"priority": "low"}));
    let message = Some(json!({"body": "hi"}));
    let merge = Some(json!({"target_id": id}));
    for (method, path, body) in [
        ("GET", "/api/v1/tickets/a%00b", None),
        ("PATCH", "/api/v1/tickets/a%00b", patch.clone()),
        ("GET", "/api/v1/tickets/a%00b/messages", None),
        ("POST", "/api/v1/tickets/a%00b/messages", message.clone()),
        ("POST", "/api/v1/tickets/a%00b/merge", merge),
        ("GET", "/api/v1/attachments/a%00b", None),
        ("GET", "/api/v1/contacts/a%00b", None),
        ("PATCH", "/api/v1/contacts/a%00b", Some(json!({"name": "x"}))),
        ("GET", "/api/v1/teams/a%00b", None),
        ("GET", "/api/v1/agents/%00", None),
        ("GET", "/api/v1/tickets/a%0Ab", None),
    ] {
        let (status, ct, problem) = send(&app, &tok, method, path, body).await;
        assert_eq!(status, 404, "{method} {path}: {problem}");
        assert_eq!(ct, "application/problem+json", "{method} {path}");
    }

    // A query parameter holding NUL is a 422 naming the parameter.
    for param in ["q", "tag", "team", "language", "assignee", "cursor"] {
        let (status, _, problem) = send(&app, &tok, "GET", &format!("/api/v1/tickets?{param}=a%00b"), None).await;
        assert_eq!(status, 422, "{param}: {problem}");
        assert_eq!(problem["field"], param);
    }
    let (status, _, problem) = send(&app, &tok, "GET", "/api/v1/contacts?cursor=%00", None).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("cursor")));

    // NUL inside JSON strings: 422 naming the path to the string.
    let cases = [
        ("POST", format!("/api/v1/tickets/{id}/messages"), json!({"body": "a\u{0}b"}), "body"),
        (
            "POST",
            "/api/v1/tickets".to_string(),
            json!({"subject": "S\u{0}", "message": {"body": "ok"}, "requester": {"email": "a@b.co"}}),
            "subject",
        ),
        (
            "POST",
            "/api/v1/tickets".to_string(),
            json!({"subject": "S", "message": {"body": "ok"}, "requester": {"email": "a\u{0}@b.co"}}),
            "requester.email",
        ),
        (
            "POST",
            "/api/v1/tickets".to_string(),
            json!({"subject": "S", "message": {"body": "ok"}, "requester": {"email": "a@b.co"}, "tags": ["ok", "x\u{0}"]}),
            "tags[1]",
        ),
        ("PATCH", format!("/api/v1/tickets/{id}"), json!({"language": "pt\u{0}"}), "language"),
        ("PATCH", format!("/api/v1/contacts/{contact_id}"), json!({"name": "N\u{0}"}), "name"),
        ("POST", "/api/v1/teams".to_string(), json!({"name": "T\u{0}"}), "name"),
        ("POST", format!("/api/v1/tickets/{id}/merge"), json!({"target_id": "\u{0}"}), "target_id"),
    ];
    for (method, path, body, field) in cases {
        let (status, _, problem) = send(&app, &tok, method, &path, Some(body.clone())).await;
        assert_eq!(status, 422, "{method} {path} {body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    // Nothing was stored, and the server still answers.
    let msgs: Value = app.api_json(&tok, &format!("/api/v1/tickets/{id}/messages")).await;
    assert_eq!(msgs["data"].as_array().unwrap().len(), 1);
    assert_eq!(app.api_json(&tok, "/api/v1/teams").await["data"], json!([]));
}
both!(nul_in_api_paths_queries_and_bodies);

async fn arrays_are_not_objects(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let (_, _, contact) = send(&app, &tok, "POST", "/api/v1/contacts", Some(json!({"name": "Ana"}))).await;
    let contact_id = contact["id"].as_str().unwrap().to_string();
    let cases = [
        ("POST", "/api/v1/teams".to_string(), json!(["ArrayTeam"]), "."),
        ("PATCH", format!("/api/v1/contacts/{contact_id}"), json!([null, null]), "."),
        ("POST", "/api/v1/contacts".to_string(), json!(["x@y.co", "Array Person", null]), "."),
        (
            "POST",
            "/api/v1/tickets".to_string(),
            json!({"subject": "S", "message": ["hello", null], "requester": {"email": "a@b.co"}}),
            "message",
        ),
        ("POST", "/api/v1/tickets/bulk".to_string(), json!({"ids": [], "changes": [null, "open"]}), "changes"),
    ];
    for (method, path, body, field) in cases {
        let (status, ct, problem) = send(&app, &tok, method, &path, Some(body.clone())).await;
        assert_eq!(status, 422, "{method} {path} {body}: {problem}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    assert_eq!(app.api_json(&tok, "/api/v1/teams").await["data"], json!([]));
    let c = app.api_json(&tok, &format!("/api/v1/contacts/{contact_id}")).await;
    assert_eq!(c["name"], "Ana");
    assert_eq!(app.api_json(&tok, "/api/v1/contacts").await["data"].as_array().unwrap().len(), 1);
}
both!(arrays_are_not_objects);

async fn nul_in_console_help_center_and_sign_in(app: TestApp) {
    use meridian::tickets::commands::{NewTicket, Requester};
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = app.open_ticket(
        &t,
        NewTicket {
            subject: "Printer".into(),
            body_text: "It jams".into(),
            body_html: None,
            requester: Requester::Email { email: "maria@example.com".into(), name: None },
            priority: meridian::tickets::Priority::Normal,
            tags: vec![],
            language: None,
            channel: meridian::tickets::Channel::Email,
            assignee_id: None,
            team_id: None,
        },
    );
    let anon = app.client();
    for path in ["/h/ac%00me/", "/h/ac%00me"] {
        let r = anon.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
    }
    let r = anon
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("workspace=ac%00me&email=a%40b.co&password=whatever-long-enough&_csrf=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("NUL"));

    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    for path in ["/tickets/a%00b", "/tickets/1%00", "/tickets/a%00b/timeline"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = c.get(app.url("/inbox?q=a%00b")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let reply = format!("/tickets/{}/messages", tk.number);
    let r = c
        .post(app.url(&reply))
        .form(&[("_csrf", csrf.as_str()), ("kind", "reply"), ("body", "a\u{0}b")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let form =
        reqwest::multipart::Form::new().text("_csrf", csrf.clone()).text("kind", "note").text("body", "zebra\u{0}quux");
    let r = c.post(app.url(&reply)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // A clean reply still goes through, and only it was stored.
    let r = c
        .post(app.url(&reply))
        .form(&[("_csrf", csrf.as_str()), ("kind", "reply"), ("body", "cleanreplyxyz")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(app.url(&format!("/tickets/{}", tk.number))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("cleanreplyxyz") && !page.contains("zebra"));
}
both!(nul_in_console_help_center_and_sign_in);

async fn document_states_what_validation_enforces(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let doc = app.api_json(&tok, "/api/v1/openapi.json").await;
    let params = doc["paths"]["/api/v1/tickets"]["get"]["parameters"].as_array().unwrap().clone();
    let param = |n: &str| params.iter().find(|p| p["name"] == n).unwrap()["schema"].clone();
    assert_eq!((param("limit")["minimum"].clone(), param("limit")["maximum"].clone()), (json!(1), json!(200)));
    assert_eq!(param("priority")["enum"], json!(["low", "normal", "high", "urgent"]));
    assert!(!param("view")["enum"].as_array().unwrap().contains(&json!("my_open")));
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["AddMessage"]["properties"]["kind"]["oneOf"][0]["enum"], json!(["reply", "note"]));
    assert_eq!(schemas["CreateTicket"]["properties"]["tags"]["maxItems"], 20);
    assert!(schemas["TeamIn"]["properties"]["name"]["pattern"].is_string());
    // The server holds to the document: maxLength counts characters, maxItems counts entries.
    let body = "é".repeat(200_000);
    let (status, _, problem) = send(
        &app,
        &tok,
        "POST",
        "/api/v1/tickets",
        Some(json!({"subject": "Long", "message": {"body": body}, "requester": {"email": "a@b.co"}})),
    )
    .await;
    assert_eq!(status, 201, "{problem}");
    let (status, _, problem) = send(
        &app,
        &tok,
        "POST",
        "/api/v1/tickets",
        Some(json!({"subject": "Tags", "message": {"body": "b"}, "requester": {"email": "a@b.co"}, "tags": vec!["same"; 21]})),
    )
    .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("tags")));
}
both!(document_states_what_validation_enforces);
