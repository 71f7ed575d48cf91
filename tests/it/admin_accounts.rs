//! Admin console: teams renamed and deleted (or refused, naming what uses them); agents invited,
//! invitations resent, passwords reset through one-time links that are mailed, expire, work once
//! and only in their own workspace.

use std::time::Duration;

use meridian::accounts::Role;
use meridian::email::outbound::{self, state};
use meridian::tenancy::Tenant;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};

use crate::harness::{field_value, TestApp};

async fn post(c: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.unwrap()
}

fn token(app: &TestApp, t: &Tenant) -> String {
    let tid = t.tenant_id();
    app.state.db.write_blocking(|c| meridian::accounts::tokens::create(c, &tid, "test", None)).unwrap().1
}

async fn create_team(c: &reqwest::Client, app: &TestApp, csrf: &str, name: &str) -> String {
    assert_eq!(post(c, app, "/admin/teams", &[("_csrf", csrf), ("name", name)]).await.status(), 303);
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    let at = page.find(&format!("<h2>{name}</h2>")).unwrap_or_else(|| panic!("{name} listed: {page}"));
    let marker = "data-team=\"";
    let start = page[..at].rfind(marker).unwrap() + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

async fn teams_are_renamed_and_deleted_or_refused_with_what_uses_them(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (ana_id, ana_email, ana_pw) = app.add_agent(&acme, "Ana", Role::Agent);
    let (_, b_email, b_pw) = app.seed_tenant("beta");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let billing = create_team(&c, &app, &csrf, "Billing").await;
    let spare = create_team(&c, &app, &csrf, "Spare").await;
    let routed = create_team(&c, &app, &csrf, "Routed").await;

    // Rename: shown under the new name; blank and taken names are refused.
    let r = post(&c, &app, &format!("/admin/teams/{billing}/rename"), &[("_csrf", &csrf), ("name", "Payments")]).await;
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h2>Payments</h2>") && !page.contains("<h2>Billing</h2>"), "{page}");
    let r = post(&c, &app, &format!("/admin/teams/{billing}/rename"), &[("_csrf", &csrf), ("name", "Spare")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("A team with this name exists."));
    let r = post(&c, &app, &format!("/admin/teams/{billing}/rename"), &[("_csrf", &csrf), ("name", "  ")]).await;
    assert_eq!(r.status(), 422);
    // Hostile markup in a name is kept as text and shown escaped.
    let hostile = "<img src=x onerror=alert(1)>";
    let r = post(&c, &app, &format!("/admin/teams/{spare}/rename"), &[("_csrf", &csrf), ("name", hostile)]).await;
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(hostile) && page.contains("&#60;img src=x onerror=alert(1)&#62;"), "{page}");
    let r = post(&c, &app, &format!("/admin/teams/{spare}/rename"), &[("_csrf", &csrf), ("name", "Spare")]).await;
    assert_eq!(r.status(), 303);

    // A team holding a ticket is not deleted; the page says what uses it.
    app.open_ticket(
        &acme,
        NewTicket {
            subject: "Refund".into(),
            body_text: "Please".into(),
            body_html: None,
            requester: Requester::Email { email: "maria@example.com".into(), name: None },
            priority: Priority::Normal,
            tags: vec![],
            language: None,
            channel: Channel::Email,
            assignee_id: None,
            team_id: Some(billing.as_str().into()),
        },
    );
    let r = post(&c, &app, &format!("/admin/teams/{billing}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("Payments was not deleted, because it is still in use"), "{page}");
    assert!(page.contains("1 ticket (open or solved) is in this team"), "{page}");

    // A team a routing rule sends to is not deleted either.
    let tok = token(&app, &acme);
    let rules = serde_json::json!({ "rules": [
        { "when": { "language": "pt" }, "then": { "team_id": spare } },
        { "when": { "language": "de" }, "then": { "team_id": routed } },
    ]});
    let r = app.client().put(app.url("/api/v1/routing/rules")).bearer_auth(&tok).json(&rules).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let r = post(&c, &app, &format!("/admin/teams/{routed}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("routing rule 2 sends tickets to it"));

    // Another tenant's admin, an agent without the admin role, a missing CSRF token: nothing changes.
    let (b, b_csrf) = app.signed_in("beta", &b_email, &b_pw).await;
    for action in ["rename", "delete"] {
        let r = post(&b, &app, &format!("/admin/teams/{billing}/{action}"), &[("_csrf", &b_csrf), ("name", "X")]).await;
        assert_eq!(r.status(), 404, "beta {action}");
    }
    let (a, a_csrf) = app.signed_in("acme", &ana_email, &ana_pw).await;
    let r = post(&a, &app, &format!("/admin/teams/{billing}/rename"), &[("_csrf", &a_csrf), ("name", "Mine")]).await;
    assert_eq!(r.status(), 403);
    let r = post(&a, &app, &format!("/admin/teams/{billing}/delete"), &[("_csrf", &a_csrf)]).await;
    assert_eq!(r.status(), 403);
    let r = post(&c, &app, &format!("/admin/teams/{billing}/delete"), &[("_csrf", "wrong")]).await;
    assert_eq!(r.status(), 403);
    let r = post(&c, &app, "/admin/teams/00000000-0000-0000-0000-000000000000/delete", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), 404);

    // Once the rule no longer names it, a team with a member is deleted; the member stays an agent.
    let rules = serde_json::json!({ "rules": [{ "when": { "language": "pt" }, "then": { "team_id": spare } }] });
    let r = app.client().put(app.url("/api/v1/routing/rules")).bearer_auth(&tok).json(&rules).send().await.unwrap();
    assert!(r.status().is_success());
    let r = post(&c, &app, &format!("/admin/teams/{routed}/members"), &[("_csrf", &csrf), ("agent_id", &ana_id)]).await;
    assert_eq!(r.status(), 303);
    let r = post(&c, &app, &format!("/admin/teams/{routed}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<h2>Routed</h2>") && page.contains("<h2>Payments</h2>"), "{page}");
    assert_eq!(
        app.client().get(app.url(&format!("/api/v1/teams/{routed}"))).bearer_auth(&tok).send().await.unwrap().status(),
        404
    );
    assert_eq!(app.sign_in(&app.client(), "acme", &ana_email, &ana_pw).await.status(), 303, "Ana still signs in");
}
both!(teams_are_renamed_and_deleted_or_refused_with_what_uses_them);

/// The mails of `kind` once sent, newest last, with the link each carried (read from the outbox
/// folder, as delivered).
async fn sent_links(app: &TestApp, tenant: &Tenant, kind: &str, n: usize) -> Vec<(outbound::Outbound, String)> {
    let tid = tenant.tenant_id();
    for _ in 0..300 {
        let t = tid.clone();
        let rows: Vec<_> = app
            .state
            .db
            .read(move |c| outbound::list(c, &t))
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect();
        if rows.len() >= n && rows.iter().all(|r| r.state == state::SENT) {
            let mut out = Vec::new();
            for r in rows {
                let raw =
                    std::fs::read(app.state.config.data_dir.join("outbox").join(format!("{}.eml", r.id))).unwrap();
                let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
                let text = msg.body_text(0).unwrap().to_string();
                let at = text.find("/password/").unwrap_or_else(|| panic!("a link in {text}"));
                let link = text[at..].split_whitespace().next().unwrap().to_string();
                assert!(r.agent_link.is_none(), "the server keeps no copy of a sent link");
                out.push((r, link));
            }
            out.sort_by_key(|a| a.0.created_at);
            return out;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {n} {kind} mails were sent");
}

/// The link shown once on the agents page.
fn shown_link(page: &str) -> String {
    let marker = "data-link>";
    let start = page.find(marker).unwrap_or_else(|| panic!("a link shown: {page}")) + marker.len();
    let url = &page[start..start + page[start..].find('<').unwrap()];
    url[url.find("/password/").unwrap()..].to_string()
}

/// Open a link and submit a password through it; the response of the submission.
async fn use_link(app: &TestApp, link: &str, new: &str, confirm: &str) -> reqwest::Response {
    let c = app.client();
    let form = c.get(app.url(link)).send().await.unwrap();
    assert_eq!(form.status(), 200, "{link} opens");
    let page = form.text().await.unwrap();
    let csrf = field_value(&page, "_csrf").unwrap();
    c.post(app.url(link)).form(&[("_csrf", csrf.as_str()), ("new", new), ("confirm", confirm)]).send().await.unwrap()
}

fn expire_links(app: &TestApp) {
    app.state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::agent_links;
            diesel::update(agent_links::table)
                .set(agent_links::expires_at.eq(meridian::db::now() - chrono::Duration::minutes(1)))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
}

async fn admins_reset_passwords_through_one_time_links(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (ana, ana_email, ana_pw) = app.add_agent(&acme, "Ana", Role::Agent);
    let (bruno, bruno_email, bruno_pw) = app.add_agent(&acme, "Bruno", Role::Admin);
    let (beta, b_email, b_pw) = app.seed_tenant("beta");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;

    let r = post(&c, &app, &format!("/admin/agents/{ana}/reset"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("A password reset link was emailed to {ana_email}")), "{page}");
    let shown = shown_link(&page);
    let mails = sent_links(&app, &acme, outbound::kind::PASSWORD_RESET, 1).await;
    assert_eq!(mails[0].0.to_address, ana_email);
    assert_eq!(mails[0].1, shown, "the mail carries the link the admin saw");
    assert!(shown.starts_with("/password/acme/"), "{shown}");
    // Until the link is used, the old password still works.
    assert_eq!(app.sign_in(&app.client(), "acme", &ana_email, &ana_pw).await.status(), 303);

    // Under another workspace the link does not work; nor does a wrong secret.
    let elsewhere = shown.replace("/password/acme/", "/password/beta/");
    assert_eq!(app.client().get(app.url(&elsewhere)).send().await.unwrap().status(), 404);
    let wrong = format!("{shown}x");
    let r = app.client().get(app.url(&wrong)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("This link does not work"));

    // The password rules apply; the agent is then signed in, the old password fails, the new works.
    let r = use_link(&app, &shown, "short", "short").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("12"));
    let r = use_link(&app, &shown, "a new long passphrase", "a different one!!").await;
    assert_eq!(r.status(), 422);
    let c2 = app.client();
    let page = c2.get(app.url(&shown)).send().await.unwrap().text().await.unwrap();
    let form_csrf = field_value(&page, "_csrf").unwrap();
    let r = c2
        .post(app.url(&shown))
        .form(&[("new", "a new long passphrase"), ("confirm", "a new long passphrase")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a form without its CSRF field is refused");
    let r = c2
        .post(app.url(&shown))
        .form(&[
            ("_csrf", "not-the-cookie-value"),
            ("new", "a new long passphrase"),
            ("confirm", "a new long passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a wrong CSRF token is refused");
    let r = c2
        .post(app.url(&shown))
        .form(&[("_csrf", form_csrf.as_str()), ("new", "a new long passphrase"), ("confirm", "a new long passphrase")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/inbox");
    assert_eq!(c2.get(app.url("/inbox")).send().await.unwrap().status(), 200, "signed in by the link");
    assert_eq!(app.sign_in(&app.client(), "acme", &ana_email, &ana_pw).await.status(), 401, "old password");
    assert_eq!(app.sign_in(&app.client(), "acme", &ana_email, "a new long passphrase").await.status(), 303);
    // Used once, the link is dead.
    assert_eq!(app.client().get(app.url(&shown)).send().await.unwrap().status(), 404);

    // An expired link fails.
    let r = post(&c, &app, &format!("/admin/agents/{ana}/reset"), &[("_csrf", &csrf)]).await;
    let late = shown_link(&r.text().await.unwrap());
    expire_links(&app);
    assert_eq!(app.client().get(app.url(&late)).send().await.unwrap().status(), 404);

    // Deactivating the agent voids an open link for good, even once they are active again.
    let r = post(&c, &app, &format!("/admin/agents/{ana}/reset"), &[("_csrf", &csrf)]).await;
    let live = shown_link(&r.text().await.unwrap());
    let off = post(&c, &app, &format!("/admin/agents/{ana}"), &[("_csrf", &csrf), ("role", "agent")]).await;
    assert_eq!(off.status(), 303);
    let on =
        post(&c, &app, &format!("/admin/agents/{ana}"), &[("_csrf", &csrf), ("role", "agent"), ("active", "on")]).await;
    assert_eq!(on.status(), 303);
    assert_eq!(app.client().get(app.url(&live)).send().await.unwrap().status(), 404);

    // Another tenant's agent id is not found; a missing CSRF token and a plain agent are refused;
    // an admin cannot reset the owner (whoever sees the link could take the account).
    let (b, b_csrf) = app.signed_in("beta", &b_email, &b_pw).await;
    assert_eq!(post(&b, &app, &format!("/admin/agents/{ana}/reset"), &[("_csrf", &b_csrf)]).await.status(), 404);
    assert_eq!(post(&b, &app, &format!("/admin/agents/{ana}/invite"), &[("_csrf", &b_csrf)]).await.status(), 404);
    assert_eq!(post(&c, &app, &format!("/admin/agents/{ana}/reset"), &[("_csrf", "nope")]).await.status(), 403);
    let (a, a_csrf) = app.signed_in("acme", &ana_email, "a new long passphrase").await;
    assert_eq!(post(&a, &app, &format!("/admin/agents/{bruno}/reset"), &[("_csrf", &a_csrf)]).await.status(), 403);
    let owner_id = app
        .state
        .db
        .read({
            let tid = acme.tenant_id();
            let e = email.clone();
            move |c| Ok(meridian::accounts::agents::by_email(c, &tid, &e)?.unwrap().id.to_string())
        })
        .await
        .unwrap();
    let (br, br_csrf) = app.signed_in("acme", &bruno_email, &bruno_pw).await;
    assert_eq!(post(&br, &app, &format!("/admin/agents/{owner_id}/reset"), &[("_csrf", &br_csrf)]).await.status(), 403);
    let _ = beta;
}
both!(admins_reset_passwords_through_one_time_links);

async fn invitations_are_mailed_and_resent(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (c, csrf) = app.signed_in("acme", &email, &pw).await;
    let r = post(
        &c,
        &app,
        "/admin/agents",
        &[("_csrf", &csrf), ("name", "Chen Wei"), ("email", "chen@acme.example"), ("role", "agent")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("chen@acme.example was invited"), "{page}");
    let first = shown_link(&page);
    assert!(page.contains("Invited, not accepted yet") && page.contains("Resend invitation"), "{page}");
    let mails = sent_links(&app, &acme, outbound::kind::AGENT_INVITE, 1).await;
    assert_eq!((mails[0].0.to_address.as_str(), mails[0].1.as_str()), ("chen@acme.example", first.as_str()));
    let chen = app
        .state
        .db
        .read({
            let tid = acme.tenant_id();
            move |c| Ok(meridian::accounts::agents::by_email(c, &tid, "chen@acme.example")?.unwrap().id.to_string())
        })
        .await
        .unwrap();

    // Resending: a new link works, the old one no longer does.
    let r = post(&c, &app, &format!("/admin/agents/{chen}/invite"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), 200);
    let second = shown_link(&r.text().await.unwrap());
    assert_ne!(first, second);
    let mails = sent_links(&app, &acme, outbound::kind::AGENT_INVITE, 2).await;
    assert_eq!(mails[1].1, second);
    assert_eq!(app.client().get(app.url(&first)).send().await.unwrap().status(), 404, "the old invitation is void");
    let page = app.client().get(app.url(&second)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Welcome: choose your password") && page.contains("chen@acme.example"), "{page}");
    assert_eq!(use_link(&app, &second, "chen's passphrase 1", "chen's passphrase 1").await.status(), 303);
    assert_eq!(app.sign_in(&app.client(), "acme", "chen@acme.example", "chen's passphrase 1").await.status(), 303);

    // Accepted: no more invitations (a reset is what is offered now).
    let r = post(&c, &app, &format!("/admin/agents/{chen}/invite"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status(), 422);
    let page = c.get(app.url("/admin/agents")).send().await.unwrap().text().await.unwrap();
    assert!(
        !page.contains("Invited, not accepted yet") && page.contains(&format!("/admin/agents/{chen}/reset")),
        "{page}"
    );
    assert_eq!(post(&c, &app, &format!("/admin/agents/{chen}/invite"), &[("_csrf", "x")]).await.status(), 403);
}
both!(invitations_are_mailed_and_resent);
