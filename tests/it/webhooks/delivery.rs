//! Delivery: every event signed and delivered through a flaky receiver and a restart, secret
//! rotation, SSRF refusals, 410, the 30-day purge.

use std::time::Duration;

use serde_json::{json, Value};

use super::*;
use crate::harness::{Backend, TestApp};

async fn every_event_arrives_signed_through_failures_and_a_restart(backend: Backend) {
    let rx = receiver(Mode::FailFirst).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let all =
        ["ticket.created", "ticket.updated", "ticket.assigned", "ticket.solved", "message.created", "contact.created"];
    let (sub, secret) = subscribe(&app, &tok, &rx.url, &all).await;
    let (agent, _, _) = app.add_agent(&acme, "Ana", meridian::accounts::Role::Agent);
    let t1 = new_ticket(&app, &tok, "first").await;
    let (s, _) = call(
        &app,
        &tok,
        "PATCH",
        &format!("/api/v1/tickets/{t1}"),
        Some(json!({"assignee_id": agent, "priority": "high"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) =
        call(&app, &tok, "POST", &format!("/api/v1/tickets/{t1}/messages"), Some(json!({"body": "More detail"}))).await;
    assert_eq!(s, 201);
    // A restart while deliveries are in flight: their jobs survive it.
    let app = app.restart(meridian::jobs::Registry::new()).await;
    let (s, _) = call(&app, &tok, "PATCH", &format!("/api/v1/tickets/{t1}"), Some(json!({"status": "solved"}))).await;
    assert_eq!(s, 200);
    new_ticket(&app, &tok, "second").await;

    let list = settled(&app, &tok, &sub, 8).await;
    let types: Vec<&str> = list.iter().map(|d| d["event_type"].as_str().unwrap()).collect();
    for t in all {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    for d in &list {
        assert_eq!(d["state"], "succeeded", "{d:#}");
        assert!(d["attempts"].as_i64().unwrap() >= 2, "the receiver fails every first request");
    }
    // Sequence numbers are 1..=n without gaps.
    let mut seqs: Vec<i64> = list.iter().map(|d| d["sequence"].as_i64().unwrap()).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=list.len() as i64).collect::<Vec<_>>());

    let got = rx.got();
    assert!(got.iter().filter(|r| r.answered >= 500).count() * 2 >= got.len() - 1, "about half failed");
    for d in &list {
        let id = d["webhook_id"].as_str().unwrap();
        let mine: Vec<&Received> = got.iter().filter(|r| r.headers["webhook-id"] == id).collect();
        assert!(mine.len() >= 2 && mine.iter().any(|r| r.answered == 204), "{id}: {mine:?}");
        assert!(mine.iter().all(|r| r.body == mine[0].body), "every retry sends the same body");
    }
    let verdicts = verify(&got.iter().map(|r| (secret.clone(), r)).collect::<Vec<_>>());
    assert!(verdicts.iter().all(|v| *v), "every delivery verifies: {verdicts:?}");

    // The payloads: the API's shapes.
    let body = |kind: &str| -> Value {
        let d = list.iter().find(|d| d["event_type"] == kind).unwrap();
        d["payload"].clone()
    };
    let created = body("ticket.created");
    assert_eq!(created["type"], "ticket.created");
    assert!(created["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(created["data"]["ticket"]["number"].is_i64());
    assert_eq!(created["data"]["message"]["body_text"], "It broke.");
    let msg = body("message.created");
    assert_eq!(msg["data"]["message"]["kind"], "reply");
    assert_eq!(msg["data"]["message"]["channel"], "api");
    let changed = |field: &str, after: &str| {
        list.iter().filter(|d| d["event_type"] == "ticket.updated").any(|d| {
            d["payload"]["data"]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == field && c["after"] == after)
        })
    };
    assert!(changed("priority", "high") && changed("status", "solved"), "before → after of each change");
    assert_eq!(body("ticket.assigned")["data"]["assignee_after"], json!(agent));
    assert_eq!(body("ticket.solved")["data"]["ticket"]["status"], "solved");
    assert!(body("contact.created")["data"]["contact"]["email"].is_string());

    // Manual redelivery: the same webhook-id and body once more.
    let first = &list[0];
    let before = rx.got().len();
    let (s, v) = call(
        &app,
        &tok,
        "POST",
        &format!("/api/v1/webhooks/{sub}/deliveries/{}/retry", first["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, 202, "{v}");
    for _ in 0..100 {
        if rx.got().len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = rx.got();
    assert!(again.len() > before, "redelivered");
    assert_eq!(again[before].headers["webhook-id"], first["webhook_id"].as_str().unwrap());
}
both_own!(every_event_arrives_signed_through_failures_and_a_restart);

async fn rotation_signs_with_both_secrets_during_the_grace_period(backend: Backend) {
    let rx = receiver(Mode::Ok).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (sub, old) = subscribe(&app, &tok, &rx.url, &["ticket.created"]).await;
    let (s, v) = call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/rotate-secret"), None).await;
    assert_eq!(s, 200, "{v}");
    let new = v["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(v["previous_secret_expires_at"].is_string());
    let (s, _) = call(&app, &tok, "GET", &format!("/api/v1/webhooks/{sub}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await.0, 202);
    settled(&app, &tok, &sub, 1).await;
    let got = rx.got();
    assert_eq!(got[0].headers["webhook-signature"].split(' ').count(), 2, "{:?}", got[0].headers);
    assert_eq!(verify(&[(new.clone(), &got[0]), (old.clone(), &got[0])]), vec![true, true]);

    // A rotation with a one-second grace: after it, only the newest secret signs.
    let (s, v) = call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/rotate-secret?grace_seconds=1"), None).await;
    assert_eq!(s, 200);
    let newest = v["secret"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await;
    settled(&app, &tok, &sub, 2).await;
    let got = rx.got();
    let last = got.last().unwrap();
    assert_eq!(last.headers["webhook-signature"].split(' ').count(), 1);
    assert_eq!(verify(&[(newest, last), (new, last), (old, last)]), vec![true, false, false]);
    let ping: Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(ping["type"], "ping");
}
both_own!(rotation_signs_with_both_secrets_during_the_grace_period);

/// The last attempt's error of a ping to `url`.
async fn ping_error(app: &TestApp, tok: &str, url: &str) -> (Value, String) {
    let (sub, _) = subscribe(app, tok, url, &["ticket.created"]).await;
    assert_eq!(call(app, tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await.0, 202);
    let d = settled(app, tok, &sub, 1).await;
    let log = d[0]["log"].as_array().unwrap();
    (d[0].clone(), log.last().unwrap()["error"].as_str().unwrap_or("").to_string())
}

async fn internal_addresses_are_refused_with_the_reason_logged(backend: Backend) {
    let rx = receiver(Mode::Ok).await;
    let port = rx.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_string();
    let app = start(backend, |env| {
        hook_env(env);
        env.insert("MERIDIAN_WEBHOOK_ALLOW_PRIVATE".into(), "false".into());
        env.insert("MERIDIAN_WEBHOOK_RETRY_SCHEDULE".into(), "0".into());
    })
    .await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    for (url, why) in [
        (rx.url.clone(), "loopback"),
        (format!("http://localhost:{port}/hook"), "loopback"),
        ("http://10.1.2.3/hook".to_string(), "private"),
        ("http://169.254.169.254/latest/meta-data".to_string(), "metadata"),
    ] {
        let (d, err) = ping_error(&app, &tok, &url).await;
        assert_eq!(d["state"], "failed");
        assert!(err.contains("refused") && err.contains(why), "{url}: {err}");
    }
    assert!(rx.got().is_empty(), "nothing reached the loopback receiver");
    drop(app);

    // With private addresses allowed (as in tests), metadata stays refused and redirects are
    // answers, not directions.
    let app = start(backend, |env| {
        hook_env(env);
        env.insert("MERIDIAN_WEBHOOK_RETRY_SCHEDULE".into(), "0".into());
    })
    .await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (_, err) = ping_error(&app, &tok, "http://169.254.169.254/").await;
    assert!(err.contains("metadata"), "{err}");
    rx.set(Mode::Redirect);
    let (d, _) = ping_error(&app, &tok, &rx.url).await;
    assert_eq!(d["state"], "failed");
    assert_eq!(d["last_status"], 302);
    assert_eq!(d["log"][0]["response_headers"]["location"], "/landed");
    assert!(rx.got().iter().all(|r| r.path != "/landed"), "the redirect was not followed");
}
both_own!(internal_addresses_are_refused_with_the_reason_logged);

async fn gone_disables_the_subscription(backend: Backend) {
    let rx = receiver(Mode::Gone).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (sub, _) = subscribe(&app, &tok, &rx.url, &["ticket.created"]).await;
    new_ticket(&app, &tok, "gone").await;
    let d = settled(&app, &tok, &sub, 1).await;
    assert_eq!(d[0]["state"], "failed");
    assert_eq!(d[0]["attempts"], 1, "410 is not retried");
    let (_, w) = call(&app, &tok, "GET", &format!("/api/v1/webhooks/{sub}"), None).await;
    assert_eq!(w["enabled"], false);
    assert!(w["disabled_reason"].as_str().unwrap().contains("410"));
    new_ticket(&app, &tok, "after").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(deliveries(&app, &tok, &sub).await.len(), 1, "a disabled webhook gets nothing");
    // Enabling it again clears the reason.
    let (s, w) = call(&app, &tok, "PATCH", &format!("/api/v1/webhooks/{sub}"), Some(json!({"enabled": true}))).await;
    assert_eq!(s, 200);
    assert_eq!(w["enabled"], true);
    assert!(w["disabled_reason"].is_null());
}
both_own!(gone_disables_the_subscription);

async fn deliveries_older_than_thirty_days_are_purged(backend: Backend) {
    use diesel::prelude::*;
    use meridian::db::schema::{webhook_attempts, webhook_deliveries, webhook_payloads};
    let rx = receiver(Mode::Ok).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (sub, _) = subscribe(&app, &tok, &rx.url, &["ticket.created"]).await;
    for _ in 0..2 {
        call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await;
    }
    let list = settled(&app, &tok, &sub, 2).await;
    let (old, kept) = (list[1]["id"].as_str().unwrap().to_string(), list[0]["id"].as_str().unwrap().to_string());
    let aged = meridian::db::now() - chrono::Duration::days(31);
    let kept2 = kept.clone();
    let purged = app
        .state
        .db
        .write_blocking(move |c| {
            diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq(&old)))
                .set(webhook_deliveries::created_at.eq(aged))
                .execute(c)?;
            diesel::update(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq(&old)))
                .set(webhook_attempts::created_at.eq(aged))
                .execute(c)?;
            // The kept delivery is as old, but was attempted lately (a redelivery): it stays, and
            // so does its payload; only the payload no delivery names any more goes.
            diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq(&kept2)))
                .set(webhook_deliveries::created_at.eq(aged))
                .execute(c)?;
            diesel::update(webhook_payloads::table).set(webhook_payloads::created_at.eq(aged)).execute(c)?;
            meridian::webhooks::purge_old(c)
        })
        .unwrap();
    assert_eq!(purged, 3, "one attempt, its delivery and its payload");
    let left = deliveries(&app, &tok, &sub).await;
    assert_eq!(left.iter().map(|d| d["id"].as_str().unwrap()).collect::<Vec<_>>(), vec![kept.as_str()]);
    assert_eq!(left[0]["payload"]["type"], "ping", "the kept delivery's payload is still there");
    assert_eq!(left[0]["log"][0]["request_body"].as_str().map(|b| b.contains("\"ping\"")), Some(true));
}
both_own!(deliveries_older_than_thirty_days_are_purged);

/// Forty messages committed together reach the receiver as forty deliveries with consecutive
/// sequence numbers, each attempted once, planned as a handful of batch jobs rather than one job
/// per delivery.
async fn a_burst_is_planned_and_attempted_in_batches(backend: Backend) {
    let rx = receiver(Mode::Ok).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let ticket = new_ticket(&app, &tok, "burst").await;
    let (sub, secret) = subscribe(&app, &tok, &rx.url, &["message.created"]).await;
    let (tid, t) = (acme.tenant_id(), meridian::types::TicketId::new(ticket.clone()));
    app.state
        .db
        .write(move |c| {
            for i in 0..40 {
                let msg = meridian::tickets::commands::NewMessage {
                    kind: meridian::tickets::MessageKind::Reply,
                    channel: meridian::tickets::Channel::Api,
                    body_text: format!("Burst message {i}"),
                    body_html: None,
                    attachments: vec![],
                };
                meridian::tickets::commands::add_message(
                    c,
                    &tid,
                    &meridian::tickets::Actor::Api("test".into()),
                    &t,
                    &msg,
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let list = settled(&app, &tok, &sub, 40).await;
    assert_eq!(list.len(), 40);
    let mut seqs: Vec<i64> = list.iter().map(|d| d["sequence"].as_i64().unwrap()).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
    for d in &list {
        assert_eq!((d["state"].as_str(), d["attempts"].as_i64()), (Some("succeeded"), Some(1)), "{d:#}");
    }
    let got = rx.got();
    assert_eq!(got.len(), 40, "each message posted once");
    let items: Vec<(String, &Received)> = got.iter().map(|r| (secret.clone(), r)).collect();
    assert!(verify(&items).iter().all(|ok| *ok), "every delivery verifies with the subscription's secret");
    let jobs: i64 = app
        .state
        .db
        .read(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::jobs;
            Ok(jobs::table.filter(jobs::kind.eq("webhook.deliver")).count().get_result(c)?)
        })
        .await
        .unwrap();
    assert!(jobs <= 10, "{jobs} delivery jobs for 40 messages committed together");
}
both_own!(a_burst_is_planned_and_attempted_in_batches);
