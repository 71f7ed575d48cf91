//! Tenant isolation: an agent or token of tenant A gets 404 for anything of tenant B.

use crate::harness::TestApp;
use meridian::accounts::{tokens, Role};
use meridian::jobs::{self, NewJob};

async fn cross_tenant_ids_are_not_found(app: TestApp) {
    let (a, a_email, a_pw) = app.seed_tenant("alpha");
    let (b, _b_email, _b_pw) = app.seed_tenant("bravo");
    let (b_agent, _, _) = app.add_agent(&b, "Bruno", Role::Agent);
    let (a_agent, _, _) = app.add_agent(&a, "Alice", Role::Agent);
    let (b_token, b_secret) =
        app.state.db.write_blocking(|c| tokens::create(c, &b.tenant_id(), "bravo-int", None)).unwrap();
    let (_a_token, a_secret) =
        app.state.db.write_blocking(|c| tokens::create(c, &a.tenant_id(), "alpha-int", None)).unwrap();
    let b_job = app
        .state
        .db
        .write_blocking(|c| {
            let mut j = NewJob::new("test.never", Some(&b.tenant_id()), serde_json::json!({}));
            j.max_attempts = 1;
            jobs::enqueue(c, &j)
        })
        .unwrap();
    // Let the job die (no handler) so it is retryable by bravo's admins only.
    for _ in 0..100 {
        let state = app.state.db.write_blocking(|c| jobs::get(c, None, &b_job)).unwrap().state;
        if state == "dead" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let (client, csrf) = app.signed_in("alpha", &a_email, &a_pw).await;
    let posts = [
        (format!("/admin/agents/{b_agent}"), vec![("role", "admin"), ("active", "on")]),
        (format!("/admin/tokens/{}/revoke", b_token.id), vec![]),
        (format!("/admin/jobs/{b_job}/retry"), vec![]),
    ];
    for (path, mut form) in posts {
        form.push(("_csrf", csrf.as_str()));
        let res = client.post(app.url(&path)).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 404, "POST {path}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("bravo") && !body.contains("Bruno"), "no data of B leaks: {body}");
    }
    // B's token still works and B's agent is unchanged.
    let api = reqwest::Client::new();
    assert_eq!(api.get(app.url("/api/v1/me")).bearer_auth(&b_secret).send().await.unwrap().status(), 200);
    let agent: serde_json::Value = api
        .get(app.url(&format!("/api/v1/agents/{b_agent}")))
        .bearer_auth(&b_secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(agent["role"], "agent");
    assert_eq!(app.state.db.write_blocking(|c| jobs::get(c, None, &b_job)).unwrap().state, "dead");

    // A's token sees only A's agents, and B's ids are 404.
    let res = api.get(app.url(&format!("/api/v1/agents/{b_agent}"))).bearer_auth(&a_secret).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let list: serde_json::Value =
        api.get(app.url("/api/v1/agents")).bearer_auth(&a_secret).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = list["data"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Alice") && !names.contains(&"Bruno"), "{names:?}");
    assert!(list.to_string().find("password").is_none(), "no hashes in the API");
    let own = api.get(app.url(&format!("/api/v1/agents/{a_agent}"))).bearer_auth(&a_secret).send().await.unwrap();
    assert_eq!(own.status(), 200);

    // A's console lists never show B's rows.
    for path in ["/admin/agents", "/admin/tokens", "/admin/jobs"] {
        let html = client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("Bruno") && !html.contains("bravo-int") && !html.contains(&b_job), "{path}");
    }
}
both!(cross_tenant_ids_are_not_found);

async fn help_center_tenant_comes_from_host_or_path(app: TestApp) {
    app.seed_tenant("alpha");
    app.seed_tenant("bravo");
    let c = app.client();
    let html = c.get(app.url("/h/alpha/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("alpha Support help center") && !html.contains("bravo"));
    let html = c.get(app.url("/")).header("host", "bravo.desk.test").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("bravo Support help center") && !html.contains("alpha"), "{html}");
    assert_eq!(c.get(app.url("/h/charlie/")).send().await.unwrap().status(), 404);
    assert_eq!(c.get(app.url("/")).header("host", "charlie.desk.test").send().await.unwrap().status(), 404);
    // The console host's root is the inbox, not a help center.
    assert_eq!(c.get(app.url("/")).send().await.unwrap().headers()["location"], "/inbox");
}
both!(help_center_tenant_comes_from_host_or_path);
