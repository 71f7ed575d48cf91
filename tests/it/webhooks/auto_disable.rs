//! A subscription whose every attempt fails for `MERIDIAN_WEBHOOK_DISABLE_AFTER_HOURS` (here a
//! fraction of a second's worth) is turned off by the chore with its reason; its tenant's admins
//! get a mail and, on console pages, a banner; enabling it again clears the reason.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::harness::Backend;
use meridian::accounts::Role;

async fn failing_for_too_long_disables_and_tells_the_admins(backend: Backend) {
    let app = start(backend, |env| {
        hook_env(env);
        env.insert("MERIDIAN_WEBHOOK_DISABLE_AFTER_HOURS".into(), "0.0003".into());
    })
    .await;
    let (acme, owner_email, owner_pw) = app.seed_tenant("acme");
    let (_, agent_email, agent_pw) = app.add_agent(&acme, "Ana", Role::Agent);
    let tok = token(&app, &acme);
    // Nothing listens on port 1 of loopback: every attempt fails to connect.
    let (sub, _) = subscribe(&app, &tok, "http://127.0.0.1:1/hook", &["ticket.created"]).await;
    let (owner, _) = app.signed_in("acme", &owner_email, &owner_pw).await;
    let inbox = owner.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(!inbox.contains("webhook-banner"), "no banner while every webhook is on");
    new_ticket(&app, &tok, "unheard").await;

    let mut w = serde_json::Value::Null;
    for _ in 0..300 {
        w = call(&app, &tok, "GET", &format!("/api/v1/webhooks/{sub}"), None).await.1;
        if w["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(w["enabled"], false, "{w}");
    assert!(w["disabled_reason"].as_str().unwrap().starts_with("every delivery attempt failed"), "{w}");
    assert!(w["failing_since"].as_str().unwrap().ends_with('Z'), "{w}");

    // The admins (only they) are told: a banner on every console page, and a mail.
    for path in ["/inbox", "/profile"] {
        let page = owner.get(app.url(path)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-testid=\"webhook-banner\""), "{path}");
        assert!(page.contains("Meridian turned off a webhook") && page.contains("href=\"/admin/webhooks\""));
    }
    let (agent, _) = app.signed_in("acme", &agent_email, &agent_pw).await;
    let page = agent.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("webhook-banner"), "agents see no banner");
    let tid = acme.tenant_id();
    let mut mails = vec![];
    for _ in 0..200 {
        let t = tid.clone();
        mails = app.state.db.read(move |c| meridian::email::outbound::list(c, &t)).await.unwrap();
        if !mails.is_empty() && mails.iter().all(|m| m.state == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 1, "one mail, to the one admin: {mails:?}");
    assert_eq!((mails[0].kind.as_str(), mails[0].to_address.as_str()), ("webhook_disabled", owner_email.as_str()));
    assert_eq!(mails[0].state, "sent");
    let eml = std::fs::read_to_string(app.dir.path().join("outbox").join(format!("{}.eml", mails[0].id))).unwrap();
    assert!(eml.contains("Subject: acme Support: a webhook was turned off"), "{eml}");
    assert!(eml.contains("127.0.0.1:1/hook") && eml.contains("Auto-Submitted: auto-generated"), "{eml}");

    // Enabled again: the reason and the banner are gone.
    let (s, w) = call(&app, &tok, "PATCH", &format!("/api/v1/webhooks/{sub}"), Some(json!({"enabled": true}))).await;
    assert_eq!((s, w["enabled"].as_bool()), (200, Some(true)));
    assert!(w["disabled_reason"].is_null() && w["failing_since"].is_null(), "{w}");
    let page = owner.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("webhook-banner"));
}
both_own!(failing_for_too_long_disables_and_tells_the_admins);
