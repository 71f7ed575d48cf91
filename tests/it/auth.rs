//! Sign-in, sign-out, sessions, CSRF, throttling, passwords and API tokens.

use crate::harness::{field_value, Backend, TestApp};
use meridian::jobs::Registry;

async fn sign_in_success_shows_the_inbox(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let client = app.client();
    let res = app.sign_in(&client, "acme", &email, &pw).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/inbox");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie.contains("meridian_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let inbox = client.get(app.url("/inbox")).send().await.unwrap();
    assert_eq!(inbox.status(), 200);
    let html = inbox.text().await.unwrap();
    assert!(html.contains("acme Support") && html.contains("acme Owner") && html.contains("No tickets yet"), "{html}");
}
both!(sign_in_success_shows_the_inbox);

async fn wrong_password_and_unknown_email_fail_alike(app: TestApp) {
    let (_t, email, _pw) = app.seed_tenant("acme");
    for (ws, em, pw) in [
        ("acme", email.as_str(), "wrong-password-123"),
        ("acme", "nobody@acme.example", "whatever-123456"),
        ("nope", email.as_str(), "x"),
    ] {
        let client = app.client();
        let res = app.sign_in(&client, ws, em, pw).await;
        assert_eq!(res.status(), 401);
        assert!(res
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("meridian_session=")));
        let html = res.text().await.unwrap();
        assert!(html.contains("The workspace, email or password is not right."), "{html}");
        let inbox = client.get(app.url("/inbox")).send().await.unwrap();
        assert_eq!(inbox.status(), 303, "no session after a failed sign-in");
    }
}
both!(wrong_password_and_unknown_email_fail_alike);

async fn throttling_by_account_and_ip(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let limit = app.state.config.signin_account_limit;
    let client = app.client();
    for _ in 0..limit {
        assert_eq!(app.sign_in(&client, "acme", &email, "bad-password-000").await.status(), 401);
    }
    // Even the right password is refused while the account is throttled.
    let res = app.sign_in(&client, "acme", &email, &pw).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    assert!(res.text().await.unwrap().contains("Too many attempts"));
}

#[actix_web::test]
async fn throttling_sqlite() {
    throttling_by_account_and_ip(TestApp::start(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn throttling_postgres() {
    if let Some(app) = TestApp::start(Backend::Postgres).await {
        throttling_by_account_and_ip(app).await;
    }
}

#[actix_web::test]
async fn throttling_by_ip_spans_accounts() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        |e| {
            e.insert("MERIDIAN_SIGNIN_IP_LIMIT".into(), "4".into());
        },
        Registry::new(),
    )
    .await
    .unwrap();
    let (_t, email, pw) = app.seed_tenant("acme");
    let client = app.client();
    for i in 0..4 {
        let res = app.sign_in(&client, "acme", &format!("user{i}@acme.example"), "bad-password-000").await;
        assert_eq!(res.status(), 401);
    }
    assert_eq!(app.sign_in(&client, "acme", &email, &pw).await.status(), 429);
}

async fn sign_out_revokes_the_session(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let client = app.client();
    let res = app.sign_in(&client, "acme", &email, &pw).await;
    let raw_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("meridian_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = client.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::harness::meta_csrf(&html).unwrap();
    let out = client.post(app.url("/logout")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), 303);
    // A stolen copy of the cookie is worthless once signed out.
    let replay = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = replay.get(app.url("/inbox")).header("cookie", raw_cookie).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/login"));
}
both!(sign_out_revokes_the_session);

async fn csrf_is_required_on_console_posts(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    for path in ["/profile", "/profile/languages", "/profile/password", "/logout", "/admin/agents", "/admin/tokens"] {
        let res = client.post(app.url(path)).form(&[("name", "x")]).send().await.unwrap();
        assert_eq!(res.status(), 403, "{path} without token");
        let res = client.post(app.url(path)).form(&[("name", "x"), ("_csrf", "forged")]).send().await.unwrap();
        assert_eq!(res.status(), 403, "{path} with a forged token");
        assert!(res.text().await.unwrap().contains("Form expired"));
    }
    let ok = client
        .post(app.url("/profile"))
        .form(&[
            ("name", "Renamed Owner"),
            ("locale", ""),
            ("time_zone", "America/Sao_Paulo"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let html = client.get(app.url("/profile")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Renamed Owner") && html.contains("America/Sao_Paulo"));
    // Sign-in itself is protected against login CSRF: a post without the login cookie fails.
    let stranger = app.client();
    let res = stranger
        .post(app.url("/login"))
        .form(&[("workspace", "acme"), ("email", email.as_str()), ("password", pw.as_str()), ("_csrf", "guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
both!(csrf_is_required_on_console_posts);

async fn password_change_policy_and_revocation(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let (a, csrf_a) = app.signed_in("acme", &email, &pw).await;
    let (b, _) = app.signed_in("acme", &email, &pw).await;
    let short = a
        .post(app.url("/profile/password"))
        .form(&[("current", pw.as_str()), ("new", "short"), ("confirm", "short"), ("_csrf", csrf_a.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("at least 12 characters"));
    let long = "p".repeat(128);
    let wrong = a
        .post(app.url("/profile/password"))
        .form(&[
            ("current", "not-my-password"),
            ("new", long.as_str()),
            ("confirm", long.as_str()),
            ("_csrf", csrf_a.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let ok = a
        .post(app.url("/profile/password"))
        .form(&[
            ("current", pw.as_str()),
            ("new", long.as_str()),
            ("confirm", long.as_str()),
            ("_csrf", csrf_a.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    // This browser keeps working with its new session; the other one is signed out.
    assert_eq!(a.get(app.url("/inbox")).send().await.unwrap().status(), 200);
    assert_eq!(b.get(app.url("/inbox")).send().await.unwrap().status(), 303);
    assert_eq!(app.sign_in(&app.client(), "acme", &email, &pw).await.status(), 401);
    assert_eq!(app.sign_in(&app.client(), "acme", &email, &long).await.status(), 303);
}
both!(password_change_policy_and_revocation);

async fn api_token_auth_and_revocation(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = client
        .post(app.url("/admin/tokens"))
        .form(&[("name", "CRM sync"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("data-testid=\"new-token\">").expect("token shown once") + "data-testid=\"new-token\">".len();
    let token = page[start..start + page[start..].find('<').unwrap()].to_string();
    assert!(token.starts_with("mrd_"));
    let api = reqwest::Client::new();
    let me = api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let body: serde_json::Value = me.json().await.unwrap();
    assert_eq!(body["tenant"]["slug"], "acme");
    // The listing never shows the secret again.
    let list = client.get(app.url("/admin/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(&token));
    let id = {
        let marker = "action=\"/admin/tokens/";
        let s = list.find(marker).unwrap() + marker.len();
        list[s..s + list[s..].find('/').unwrap()].to_string()
    };
    let res = client
        .post(app.url(&format!("/admin/tokens/{id}/revoke")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let me = api.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 401);
    assert_eq!(me.headers()["content-type"], "application/problem+json");
    for bad in ["", "mrd_", "Bearer", "mrd_not-a-real-token", &"x".repeat(5000)] {
        let res = api.get(app.url("/api/v1/me")).header("authorization", format!("Bearer {bad}")).send().await.unwrap();
        assert_eq!(res.status(), 401, "token {bad:?}");
    }
}
both!(api_token_auth_and_revocation);

async fn agents_need_admin_for_admin_pages(app: TestApp) {
    let (tenant, _e, _p) = app.seed_tenant("acme");
    let (_id, email, pw) = app.add_agent(&tenant, "Ana", meridian::accounts::Role::Agent);
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    for path in ["/admin/agents", "/admin/tokens", "/admin/jobs", "/admin/teams"] {
        assert_eq!(client.get(app.url(path)).send().await.unwrap().status(), 403, "{path}");
    }
    let res = client
        .post(app.url("/admin/tokens"))
        .form(&[("name", "sneaky"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
both!(agents_need_admin_for_admin_pages);

async fn admin_adds_agent_who_can_sign_in_and_hostile_names_are_escaped(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = client
        .post(app.url("/admin/agents"))
        .form(&[
            ("name", "<script>alert(1)</script>"),
            ("email", "New.Agent@Acme.example"),
            ("role", "agent"),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>alert(1)</script>"), "names are HTML-escaped");
    assert!(page.contains("&lt;script&gt;alert(1)") || page.contains("&#60;script&#62;alert(1)"), "{page}");
    let marker = "data-link>";
    let s = page.find(marker).expect("invitation link shown") + marker.len();
    let url = &page[s..s + page[s..].find('<').unwrap()];
    let link = &url[url.find("/password/").unwrap()..];
    let anon = app.client();
    let form = anon.get(app.url(link)).send().await.unwrap().text().await.unwrap();
    let form_csrf = field_value(&form, "_csrf").unwrap();
    let new_pw = "a brand new passphrase";
    let set = anon
        .post(app.url(link))
        .form(&[("_csrf", form_csrf.as_str()), ("new", new_pw), ("confirm", new_pw)])
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 303);
    assert_eq!(app.sign_in(&app.client(), "acme", "new.agent@acme.example", new_pw).await.status(), 303);
    let dup = client
        .post(app.url("/admin/agents"))
        .form(&[("name", "Again"), ("email", "new.agent@acme.example"), ("role", "agent"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 422);
    let bad = client
        .post(app.url("/admin/agents"))
        .form(&[("name", "X"), ("email", "not-an-email"), ("role", "agent"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("Enter a valid email address."));
}
both!(admin_adds_agent_who_can_sign_in_and_hostile_names_are_escaped);

#[actix_web::test]
async fn oversized_and_malformed_forms_are_rejected_cleanly() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        |e| {
            e.insert("MERIDIAN_MAX_BODY_BYTES".into(), "4096".into());
        },
        Registry::new(),
    )
    .await
    .unwrap();
    let (_t, email, pw) = app.seed_tenant("acme");
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let huge = "x".repeat(10_000);
    let res = client
        .post(app.url("/profile"))
        .form(&[("name", huge.as_str()), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let res = client
        .post(app.url("/profile"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={csrf}&name=%ZZ%%"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = client
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    // The server is still up and serving.
    assert_eq!(client.get(app.url("/inbox")).send().await.unwrap().status(), 200);
}

#[actix_web::test]
async fn https_base_url_makes_host_prefixed_secure_cookies() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        |e| {
            e.insert("MERIDIAN_BASE_URL".into(), "https://desk.example.com".into());
        },
        Registry::new(),
    )
    .await
    .unwrap();
    let res = app.client().get(app.url("/login")).send().await.unwrap();
    let cookies: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let c = cookies.iter().find(|c| c.starts_with("__Host-meridian_login=")).expect("host-prefixed cookie");
    assert!(c.contains("Secure") && c.contains("Path=/") && !c.contains("Domain="), "{c}");
}

/// GET /login once; returns the double-submit token the form carries (the cookie is in `client`).
async fn login_token(app: &TestApp, client: &reqwest::Client) -> String {
    let page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    field_value(&page, "_csrf").expect("login csrf field")
}

/// Fire `n` sign-ins at once from one client (one IP); returns every status.
async fn parallel_sign_ins(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    attempts: Vec<(String, String)>,
) -> Vec<u16> {
    let posts = attempts.iter().map(|(email, password)| {
        client
            .post(app.url("/login"))
            .form(&[("workspace", "acme"), ("email", email), ("password", password), ("_csrf", csrf)])
            .send()
    });
    futures_util::future::join_all(posts).await.into_iter().map(|r| r.expect("POST /login").status().as_u16()).collect()
}

async fn parallel_wrong_passwords_are_throttled(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    let limit = app.state.config.signin_account_limit as usize;
    let client = app.client();
    let csrf = login_token(&app, &client).await;
    let attempts = (0..40).map(|i| (email.clone(), format!("wrong-password-{i:03}"))).collect();
    let statuses = parallel_sign_ins(&app, &client, &csrf, attempts).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 40, "only 401 or 429: {statuses:?}");
    assert!(checked <= limit, "{checked} of 40 parallel attempts were verified against a limit of {limit}");
    assert!(checked >= 1, "the first attempts are verified: {statuses:?}");
    // The account stays throttled for the window, even for the right password.
    assert_eq!(app.sign_in(&client, "acme", &email, &pw).await.status(), 429);
}
both!(parallel_wrong_passwords_are_throttled);

async fn parallel_sign_ins_from_one_ip_are_throttled(app: TestApp) {
    let _ = app.seed_tenant("acme");
    let limit = app.state.config.signin_ip_limit as usize;
    let client = app.client();
    let csrf = login_token(&app, &client).await;
    // Different accounts each time, so only the per-IP limit can stop them.
    let attempts = (0..120).map(|i| (format!("user{i}@acme.example"), "wrong-password-000".to_string())).collect();
    let statuses = parallel_sign_ins(&app, &client, &csrf, attempts).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(checked + statuses.iter().filter(|s| **s == 429).count(), 120, "{statuses:?}");
    assert!(checked <= limit, "{checked} of 120 parallel attempts were verified against a limit of {limit}");
}
both!(parallel_sign_ins_from_one_ip_are_throttled);

async fn empty_login_token_pair_is_refused(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    // A cookie planted empty (say, by a sibling subdomain) must not pair with an empty field.
    let res = reqwest::Client::new()
        .post(app.url("/login"))
        .header("cookie", "meridian_login=")
        .form(&[("workspace", "acme"), ("email", email.as_str()), ("password", pw.as_str()), ("_csrf", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Form expired"));
}
both!(empty_login_token_pair_is_refused);

async fn sign_in_redirects_only_to_this_site(app: TestApp) {
    let (_t, email, pw) = app.seed_tenant("acme");
    for (next, expected) in [
        ("/\t/evil.test", "/inbox"),
        ("/%2F/evil.test", "/inbox"),
        ("/\\evil.test", "/inbox"),
        ("/%5Cevil.test", "/inbox"),
        ("//evil.test", "/inbox"),
        (" //evil.test", "/inbox"),
        ("https://evil.test/", "/inbox"),
        ("/tickets?status=open", "/tickets?status=open"),
    ] {
        let client = app.client();
        let csrf = login_token(&app, &client).await;
        let res = client
            .post(app.url("/login"))
            .form(&[
                ("workspace", "acme"),
                ("email", email.as_str()),
                ("password", pw.as_str()),
                ("_csrf", csrf.as_str()),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "next={next:?}");
        assert_eq!(res.headers()["location"], expected, "next={next:?}");
    }
    // The form carries the cleaned destination too (the probe's exact URL).
    let page = app.client().get(app.url("/login?next=/%09/evil.test")).send().await.unwrap().text().await.unwrap();
    assert_eq!(field_value(&page, "next").as_deref(), Some("/inbox"), "{page}");
}
both!(sign_in_redirects_only_to_this_site);

#[actix_web::test]
async fn parallel_wrong_passwords_on_two_processes_are_throttled_together() {
    let Some(app) = TestApp::start(Backend::Postgres).await else { return };
    let (_peer, peer_base) = app.peer().await;
    let (_t, email, _pw) = app.seed_tenant("acme");
    let limit = app.state.config.signin_account_limit as usize;
    let client = app.client();
    let csrf = login_token(&app, &client).await;
    let posts = (0..40).map(|i| {
        let base = if i % 2 == 0 { app.base.as_str() } else { peer_base.as_str() };
        let password = format!("wrong-password-{i:03}");
        let form = [("workspace", "acme"), ("email", email.as_str()), ("_csrf", csrf.as_str())];
        let mut form: Vec<(&str, String)> = form.iter().map(|(k, v)| (*k, v.to_string())).collect();
        form.push(("password", password));
        client.post(format!("{base}/login")).form(&form).send()
    });
    let statuses: Vec<u16> =
        futures_util::future::join_all(posts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(checked + statuses.iter().filter(|s| **s == 429).count(), 40, "{statuses:?}");
    assert!(checked <= limit, "{checked} of 40 attempts on two processes were verified against a limit of {limit}");
}
