//! The console's "Failed mail" list: admins of the tenant see its quarantined messages, download
//! them raw and retry them; other tenants and agents cannot.

use super::*;
use crate::harness::TestApp;
use meridian::accounts::Role;
use meridian::email::store::{self, Envelope, Source};
use meridian::tenancy::Tenant;

/// Store a good message as quarantined, as if every filing attempt had met a database outage:
/// the row and its job commit together, and the job, finding the row no longer `received`,
/// leaves it alone. Its cause (the outage) is gone, so a retry files it.
pub(crate) fn quarantined(app: &TestApp, tenant: &Tenant, raw: &str) -> String {
    let t = tenant.tenant_id();
    let raw = raw.as_bytes().to_vec();
    let envelope = Envelope {
        source: Source::Smtp,
        from: Some("ivy@customer.example".into()),
        recipient: format!("{}@{DOMAIN}", tenant.slug),
        reply_token: None,
    };
    app.state
        .db
        .write_blocking(move |c| {
            let id = store::store(c, &t, &envelope, &raw, &store::sha256_hex(&raw))?;
            store::mark_failed(c, &t, &id, "database unavailable: connection refused")?;
            Ok(id)
        })
        .unwrap()
}

async fn failed_mail_page(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let raw = mail(
        "Ivy <ivy@customer.example>",
        "acme@mail.desk.test",
        "Lost in the outage",
        "Message-ID: <outage1@customer.example>\r\n",
        "Please file me.",
    );
    let id = quarantined(&app, &acme, &raw);
    let beta_id = quarantined(&app, &beta, &raw.replace("outage1", "outage2"));
    settled(&app, &acme).await;
    settled(&app, &beta).await;

    let (admin, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = admin.get(app.url("/admin/email/failed")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for shown in
        ["Lost in the outage", "ivy@customer.example", "database unavailable", &format!("/admin/email/failed/{id}/raw")]
    {
        assert!(html.contains(shown), "{shown:?} missing from the page");
    }
    assert!(!html.contains(&beta_id), "another tenant's mail is not listed");
    let setup = admin.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(setup.contains("href=\"/admin/email/failed\""), "the setup page links to the list");

    // The raw download is the message exactly as received, never rendered.
    let got = admin.get(app.url(&format!("/admin/email/failed/{id}/raw"))).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "message/rfc822");
    assert!(got.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(got.bytes().await.unwrap().as_ref(), raw.as_bytes());

    // Another tenant's id is not found, to download or to retry; it stays quarantined.
    let other = admin.get(app.url(&format!("/admin/email/failed/{beta_id}/raw"))).send().await.unwrap();
    assert_eq!(other.status(), 404);
    let retry_beta = app.url(&format!("/admin/email/failed/{beta_id}/retry"));
    assert_eq!(admin.post(&retry_beta).form(&[("_csrf", csrf.as_str())]).send().await.unwrap().status(), 404);
    let (b, bi) = (beta.tenant_id(), beta_id.clone());
    assert_eq!(app.state.db.read(move |c| store::get(c, &b, &bi)).await.unwrap().state, "failed");

    // An agent may not see, download or retry failed mail.
    let (_, agent_email, agent_pw) = app.add_agent(&acme, "Agnes", Role::Agent);
    let (agent, agent_csrf) = app.signed_in("acme", &agent_email, &agent_pw).await;
    assert_eq!(agent.get(app.url("/admin/email/failed")).send().await.unwrap().status(), 403);
    assert_eq!(agent.get(app.url(&format!("/admin/email/failed/{id}/raw"))).send().await.unwrap().status(), 403);
    let retry = app.url(&format!("/admin/email/failed/{id}/retry"));
    assert_eq!(agent.post(&retry).form(&[("_csrf", agent_csrf.as_str())]).send().await.unwrap().status(), 403);
    let nav = agent.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(!nav.contains("/admin/email/failed"), "agents get no link to it");

    // Retry needs the form token; with it, the message is filed onto a ticket.
    assert_eq!(admin.post(&retry).form(&[("_csrf", "forged")]).send().await.unwrap().status(), 403);
    let done = admin.post(&retry).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/admin/email/failed?retried=1");
    let rows = settled(&app, &acme).await;
    assert_eq!(rows[0].state, "filed", "{:?}", rows[0]);
    let tok = token_for(&app, &acme);
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["subject"], "Lost in the outage");
    let after = admin.get(app.url("/admin/email/failed?retried=1")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("Queued for filing again.") && after.contains("No failed mail."));
    // A filed message is not retried again.
    assert_eq!(admin.post(&retry).form(&[("_csrf", csrf.as_str())]).send().await.unwrap().status(), 409);
}
both_mail!(failed_mail_page);
