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

async fn teams_are_managed_per_tenant_in_the_console(app: TestApp) {
    let (a, a_email, a_pw) = app.seed_tenant("alpha");
    let (b, _, _) = app.seed_tenant("bravo");
    let (ana, _, _) = app.add_agent(&a, "Ana", Role::Agent);
    let (bruno, _, _) = app.add_agent(&b, "Bruno", Role::Agent);
    let b_team =
        app.state.db.write_blocking(|c| meridian::tickets::teams::create(c, &b.tenant_id(), "Bravo Tier 2")).unwrap();
    let (c, csrf) = app.signed_in("alpha", &a_email, &a_pw).await;
    assert_eq!(
        c.post(app.url("/admin/teams"))
            .form(&[("_csrf", csrf.as_str()), ("name", "Lusophone")])
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Lusophone") && !page.contains("Bravo Tier 2") && !page.contains("Bruno"));
    let marker = "data-team=\"";
    let s = page.find(marker).unwrap() + marker.len();
    let team = page[s..s + 36].to_string();
    let add = |team: String, agent: String| {
        let c = c.clone();
        let csrf = csrf.clone();
        let url = app.url(&format!("/admin/teams/{team}/members"));
        async move {
            c.post(url).form(&[("_csrf", csrf.as_str()), ("agent_id", agent.as_str())]).send().await.unwrap().status()
        }
    };
    assert_eq!(add(team.clone(), ana.clone()).await, 303);
    assert_eq!(add(team.clone(), bruno.clone()).await, 422, "B's agent cannot join A's team");
    assert_eq!(add(b_team.id.to_string(), ana.clone()).await, 404, "A cannot touch B's team");
    let r = c
        .post(app.url(&format!("/admin/teams/{}/members/{}/remove", b_team.id, bruno)))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let members = app.state.db.write_blocking(|c| meridian::tickets::teams::members(c, &a.tenant_id(), &team)).unwrap();
    assert_eq!(members, vec![ana.clone()]);
    let r = c
        .post(app.url(&format!("/admin/teams/{team}/members/{ana}/remove")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(app
        .state
        .db
        .write_blocking(|c| meridian::tickets::teams::members(c, &a.tenant_id(), &team))
        .unwrap()
        .is_empty());
    let dup =
        c.post(app.url("/admin/teams")).form(&[("_csrf", csrf.as_str()), ("name", "Lusophone")]).send().await.unwrap();
    assert_eq!(dup.status(), 422);
    // B's own API token proves B's team is untouched and still B's.
    let tok = app.state.db.write_blocking(|c| tokens::create(c, &b.tenant_id(), "t", None)).unwrap().1;
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/teams/{}", b_team.id)))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
both!(teams_are_managed_per_tenant_in_the_console);
