//! `PATCH` and `DELETE /api/v1/teams/{id}`: renaming, replacing members, deleting only what
//! nothing uses, refusals with the field or the reason, and another tenant's teams.

use serde_json::{json, Value};

use crate::harness::TestApp;
use meridian::accounts::{tokens, Role};

fn token(app: &TestApp, tenant: &meridian::tenancy::Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "test", None)).unwrap().1
}

async fn send(app: &TestApp, tok: &str, method: reqwest::Method, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut r = reqwest::Client::new().request(method, app.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        r = r.header("content-type", "application/json").body(b.to_string());
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    (status, serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null))
}

async fn renaming_members_and_deleting(app: TestApp) {
    use reqwest::Method;
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let (ana, _, _) = app.add_agent(&t, "Ana", Role::Agent);
    let (bo, _, _) = app.add_agent(&t, "Bo", Role::Agent);
    let body = json!({"name": "Tier 1", "member_ids": [ana.clone()]}).to_string();
    let (s, team) = send(&app, &tok, Method::POST, "/api/v1/teams", Some(&body)).await;
    assert_eq!(s, 201, "{team}");
    let id = team["id"].as_str().unwrap().to_string();
    let (s, _) = send(&app, &tok, Method::POST, "/api/v1/teams", Some(r#"{"name": "Billing"}"#)).await;
    assert_eq!(s, 201);
    let path = format!("/api/v1/teams/{id}");

    let (s, v) = send(&app, &tok, Method::PATCH, &path, Some(r#"{"name": "First line"}"#)).await;
    assert_eq!((s, v["name"].as_str()), (200, Some("First line")), "{v}");
    assert_eq!(v["member_ids"], json!([ana.clone()]), "members untouched by a rename");
    let body = json!({"member_ids": [bo.clone()]}).to_string();
    let (s, v) = send(&app, &tok, Method::PATCH, &path, Some(&body)).await;
    assert_eq!((s, v["member_ids"].clone()), (200, json!([bo.clone()])), "{v}");
    let (_, got) = send(&app, &tok, Method::GET, &path, None).await;
    assert_eq!((got["name"].as_str(), got["member_ids"].clone()), (Some("First line"), json!([bo.clone()])));

    // Refusals name the field and change nothing.
    for (bad, field) in [
        (r#"{"name": "Billing"}"#, "name"),
        (r#"{"name": ""}"#, "name"),
        (r#"{"name": "a\u0000b"}"#, "name"),
        (r#"{"member_ids": ["no-such-agent"]}"#, "member_ids"),
    ] {
        let (s, v) = send(&app, &tok, Method::PATCH, &path, Some(bad)).await;
        assert_eq!(s, 422, "{bad}: {v}");
        assert!(v.to_string().contains(field), "{bad}: {v}");
    }
    for bad in [r#"{"name": "x""#, r#"["Tier 9"]"#, r#"{"colour": "red"}"#, r#"{"name": 5}"#] {
        let (s, v) = send(&app, &tok, Method::PATCH, &path, Some(bad)).await;
        assert!(s == 400 || s == 422, "{bad}: {s} {v}");
    }
    let (_, got) = send(&app, &tok, Method::GET, &path, None).await;
    assert_eq!((got["name"].as_str(), got["member_ids"].clone()), (Some("First line"), json!([bo.clone()])));

    // A team holding a ticket is not deleted; once empty it is.
    let ticket = json!({"subject": "Hello", "message": {"body": "Hi"}, "requester": {"email": "c@example.com"},
                        "team_id": id.clone()})
    .to_string();
    let (s, created) = send(&app, &tok, Method::POST, "/api/v1/tickets", Some(&ticket)).await;
    assert_eq!(s, 201, "{created}");
    let (s, v) = send(&app, &tok, Method::DELETE, &path, None).await;
    assert_eq!(s, 409, "{v}");
    assert!(v.to_string().contains("1 tickets"), "{v}");
    let tpath = format!("/api/v1/tickets/{}", created["id"].as_str().unwrap());
    let (s, v) = send(&app, &tok, Method::PATCH, &tpath, Some(r#"{"team_id": null}"#)).await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = send(&app, &tok, Method::DELETE, &path, None).await;
    assert_eq!(s, 204);
    assert_eq!(send(&app, &tok, Method::GET, &path, None).await.0, 404);
    assert_eq!(send(&app, &tok, Method::DELETE, &path, None).await.0, 404, "twice");
}
both!(renaming_members_and_deleting);

async fn another_tenants_team_is_not_found(app: TestApp) {
    use reqwest::Method;
    let (a, _, _) = app.seed_tenant("alpha");
    let (b, _, _) = app.seed_tenant("beta");
    let (ta, tb) = (token(&app, &a), token(&app, &b));
    let (bob, _, _) = app.add_agent(&b, "Bob", Role::Agent);
    let (_, team) = send(&app, &ta, Method::POST, "/api/v1/teams", Some(r#"{"name": "Alpha team"}"#)).await;
    let path = format!("/api/v1/teams/{}", team["id"].as_str().unwrap());
    let body = json!({"member_ids": [bob]}).to_string();
    for (m, b) in [
        (Method::PATCH, Some(r#"{"name": "Taken"}"#)),
        (Method::PATCH, Some(body.as_str())),
        (Method::PATCH, Some(r#"{"name": ""}"#)),
        (Method::DELETE, None),
    ] {
        let (s, v) = send(&app, &tb, m.clone(), &path, b).await;
        assert_eq!(s, 404, "{m} {b:?}: {v}");
    }
    // Nor can alpha put beta's agent in its own team.
    let own = json!({"member_ids": [app.add_agent(&b, "Cy", Role::Agent).0]}).to_string();
    assert_eq!(send(&app, &ta, Method::PATCH, &path, Some(&own)).await.0, 422);
    let (_, got) = send(&app, &ta, Method::GET, &path, None).await;
    assert_eq!((got["name"].as_str(), got["member_ids"].clone()), (Some("Alpha team"), json!([])));
}
both!(another_tenants_team_is_not_found);
