//! Alerts on tickets: firing opens one routed ticket per fingerprint, repeats and a concurrent
//! storm join it, resolved adds a system message (and solves when the tenant says so), a firing
//! after the ticket was solved opens a new one linked to it.

use serde_json::{json, Value};

use super::*;
use crate::harness::TestApp;
use meridian::accounts::Role;

/// A team on shift around the clock with one online English-speaking agent; the agent's id.
async fn routing(app: &TestApp, tenant: &Tenant, tok: &str) -> String {
    let api = reqwest::Client::new();
    let team: Value = api
        .post(app.url("/api/v1/teams"))
        .bearer_auth(tok)
        .json(&json!({"name": "Ops"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let team_id = team["id"].as_str().unwrap().to_string();
    let every = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let schedule = json!({"time_zone": "UTC", "shifts": [{"days": every, "start": "00:00", "end": "12:00"},
        {"days": every, "start": "12:00", "end": "00:00"}]});
    let r =
        api.put(app.url(&format!("/api/v1/teams/{team_id}/schedule"))).bearer_auth(tok).json(&schedule).send().await;
    assert_eq!(r.unwrap().status(), 200);
    let (id, _, _) = app.add_agent(tenant, "Olga", Role::Agent);
    let patch = json!({"languages": [{"code": "en", "level": "native"}], "team_ids": [team_id], "presence": "online"});
    let r = api.patch(app.url(&format!("/api/v1/agents/{id}"))).bearer_auth(tok).json(&patch).send().await;
    assert_eq!(r.unwrap().status(), 200);
    id
}

async fn firing_opens_one_routed_ticket_and_repeats_join_it(app: TestApp) {
    let (acme, email, password) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let olga = routing(&app, &acme, &tok).await;
    let first = accepted(&app, "acme", &tok, &generic("disk-db1", "firing", "critical")).await;
    assert_eq!(processed(&app, &acme, &[first]).await, ["processed"]);
    let list = alert_tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let t = &list[0];
    assert_eq!((t["channel"].as_str(), t["priority"].as_str()), (Some("alert"), Some("urgent")));
    assert_eq!(t["subject"], "Disk full on disk-db1");
    assert_eq!(t["assignee_id"], olga.as_str(), "routed like any ticket: {t}");
    assert!(t["tags"].as_array().unwrap().contains(&json!("severity:critical")), "{t}");
    let id = t["id"].as_str().unwrap();
    let opening = messages(&app, &tok, id).await;
    assert!(opening[0]["body_text"].as_str().unwrap().contains("less than one percent"), "{opening:?}");
    assert!(opening[0]["body_text"].as_str().unwrap().contains("host=db1"));

    // The same fingerprint again: the same ticket, with a system message.
    let again = accepted(&app, "acme", &tok, &generic("disk-db1", "firing", "critical")).await;
    processed(&app, &acme, &[again]).await;
    let list = alert_tickets(&app, &tok).await;
    assert_eq!(list.len(), 1);
    let msgs = messages(&app, &tok, id).await;
    assert_eq!(msgs.len(), 2);
    assert_eq!((msgs[1]["kind"].as_str(), msgs[1]["channel"].as_str()), (Some("system"), Some("alert")));
    assert!(msgs[1]["body_text"].as_str().unwrap().starts_with("The alert is firing again."), "{}", msgs[1]);
    // The console shows the channel and the timeline in the agent's language.
    let (console, _) = app.signed_in("acme", &email, &password).await;
    let page = console.get(app.url("/tickets/1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<span>Alert</span>") && page.contains("The alert is firing again."), "{page}");

    // Resolved, not set to solve: a system message, the ticket stays open.
    let resolved = accepted(&app, "acme", &tok, &generic("disk-db1", "resolved", "critical")).await;
    processed(&app, &acme, &[resolved]).await;
    let msgs = messages(&app, &tok, id).await;
    assert!(msgs.last().unwrap()["body_text"].as_str().unwrap().starts_with("The alert was resolved."));
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{id}")).await;
    assert!(t["status"] == "new" || t["status"] == "open", "{t}");
}
both!(firing_opens_one_routed_ticket_and_repeats_join_it);

async fn a_storm_of_one_fingerprint_is_one_ticket(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let body = generic("cpu-web", "firing", "warning");
    // On PostgreSQL a second server on the same database takes half the posts, so two job
    // workers process the storm at once.
    let peer = match app.backend {
        crate::harness::Backend::Postgres => Some(app.peer().await),
        crate::harness::Backend::Sqlite => None,
    };
    let bases: Vec<String> = std::iter::once(app.base.clone()).chain(peer.as_ref().map(|p| p.1.clone())).collect();
    let posts = (0..20).map(|i| {
        let url = format!("{}/inbound/alerts/acme", bases[i % bases.len()]);
        let (tok, body) = (tok.clone(), body.clone());
        async move {
            let r = reqwest::Client::new().post(url).bearer_auth(tok).body(body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(posts).await;
    let ids: Vec<String> = answers
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, 202, "{v}");
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(processed(&app, &acme, &ids).await.iter().all(|s| s == "processed"));
    let list = alert_tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["priority"], "normal");
    let msgs = messages(&app, &tok, list[0]["id"].as_str().unwrap()).await;
    assert_eq!(msgs.len(), 20, "the opening message and 19 repeats");
    if let Some((peer, _)) = peer {
        peer.stop().await;
    }
}
both!(a_storm_of_one_fingerprint_is_one_ticket);

async fn resolved_solves_when_configured_and_a_new_firing_opens_a_new_ticket(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let settings = app.api_json(&tok, "/api/v1/alerts/settings").await;
    assert_eq!(settings["solve_on_resolve"], false);
    let r = reqwest::Client::new()
        .patch(app.url("/api/v1/alerts/settings"))
        .bearer_auth(&tok)
        .json(&json!({"solve_on_resolve": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["solve_on_resolve"], true);
    let r = reqwest::Client::new()
        .patch(app.url("/api/v1/alerts/settings"))
        .bearer_auth(&tok)
        .json(&json!({"solve_on_resolve": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "solve_on_resolve");

    let a = accepted(&app, "acme", &tok, &generic("api-latency", "firing", "error")).await;
    processed(&app, &acme, &[a]).await;
    let b = accepted(&app, "acme", &tok, &generic("api-latency", "resolved", "error")).await;
    processed(&app, &acme, &[b]).await;
    let list = alert_tickets(&app, &tok).await;
    assert_eq!(list.len(), 1);
    assert_eq!((list[0]["status"].as_str(), list[0]["priority"].as_str()), (Some("solved"), Some("high")));
    let first = list[0]["id"].as_str().unwrap().to_string();
    assert!(messages(&app, &tok, &first)
        .await
        .iter()
        .any(|m| m["kind"] == "system" && m["body_text"].as_str().unwrap().starts_with("The alert was resolved.")));

    // It fires again after the ticket was solved: a new incident, a new ticket linked to the old.
    let c = accepted(&app, "acme", &tok, &generic("api-latency", "firing", "error")).await;
    processed(&app, &acme, &[c]).await;
    let list = alert_tickets(&app, &tok).await;
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[1]["previous_ticket_id"], first.as_str());
    assert_eq!(list[1]["status"], "new");
    // A resolved alert with no ticket being worked changes nothing.
    let d = accepted(&app, "acme", &tok, &generic("never-fired", "resolved", "info")).await;
    assert_eq!(processed(&app, &acme, &[d]).await, ["processed"]);
    assert_eq!(alert_tickets(&app, &tok).await.len(), 2);
}
both!(resolved_solves_when_configured_and_a_new_firing_opens_a_new_ticket);

async fn a_merged_alert_ticket_lives_on_in_its_target(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let a = accepted(&app, "acme", &tok, &generic("db-primary", "firing", "critical")).await;
    let b = accepted(&app, "acme", &tok, &generic("db-replica", "firing", "critical")).await;
    processed(&app, &acme, &[a, b]).await;
    let list = alert_tickets(&app, &tok).await;
    let by = |fp: &str| {
        list.iter().find(|t| t["subject"] == format!("Disk full on {fp}")).unwrap()["id"].as_str().unwrap().to_string()
    };
    let (primary, replica) = (by("db-primary"), by("db-replica"));
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{replica}/merge")))
        .bearer_auth(&tok)
        .json(&json!({"target_id": primary}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The replica fires again: its incident is the primary's ticket now.
    let c = accepted(&app, "acme", &tok, &generic("db-replica", "firing", "critical")).await;
    processed(&app, &acme, &[c]).await;
    assert_eq!(alert_tickets(&app, &tok).await.len(), 2, "no third ticket");
    let msgs = messages(&app, &tok, &primary).await;
    assert!(
        msgs.iter().any(|m| m["body_text"].as_str().unwrap().starts_with("The alert is firing again.")
            && m["body_text"].as_str().unwrap().contains("db-replica")),
        "{msgs:?}"
    );
}
both!(a_merged_alert_ticket_lives_on_in_its_target);

async fn a_new_incident_tells_the_affected_customers(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let api = reqwest::Client::new();
    let open = |subject: &'static str, tag: &'static str| {
        let (api, tok, url) = (api.clone(), tok.clone(), app.url("/api/v1/tickets"));
        async move {
            let body = json!({"subject": subject, "message": {"body": "Checkout fails for me."}, "tags": [tag],
                "requester": {"email": format!("{}@customer.example", subject.to_lowercase().replace(' ', "-"))}});
            let r = api.post(url).bearer_auth(tok).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
        }
    };
    let (waiting, solved, other) =
        (open("Cart broken", "checkout").await, open("Old cart", "checkout").await, open("Invoice", "billing").await);
    let r = api
        .patch(app.url(&format!("/api/v1/tickets/{solved}")))
        .bearer_auth(&tok)
        .json(&json!({"status": "solved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let settings = |rules: Value| {
        let (api, tok, url) = (api.clone(), tok.clone(), app.url("/api/v1/alerts/settings"));
        async move {
            let r = api.patch(url).bearer_auth(tok).json(&json!({"notify_rules": rules})).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = settings(json!([{"labels": {"service": "checkout"}, "tag": "not a tag!", "message": "x"}])).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("notify_rules[0].tag")), "{v}");
    let (s, v) = settings(json!([{"labels": {}, "tag": "checkout", "message": "x"}])).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("notify_rules[0].labels")), "{v}");
    let told = "We know about the checkout errors and are working on it.";
    let (s, v) = settings(json!([{"labels": {"service": "checkout"}, "tag": "Checkout", "message": told}])).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["notify_rules"][0]["tag"], "checkout");

    let alert = json!({"fingerprint": "checkout-5xx", "status": "firing", "title": "Checkout errors",
        "severity": "critical", "labels": {"service": "checkout"}})
    .to_string();
    let a = accepted(&app, "acme", &tok, &alert).await;
    processed(&app, &acme, &[a]).await;
    let replies = |msgs: Vec<Value>| msgs.iter().filter(|m| m["body_text"] == told).count();
    assert_eq!(replies(messages(&app, &tok, &waiting).await), 1);
    assert_eq!(replies(messages(&app, &tok, &solved).await), 0, "solved tickets are not told");
    assert_eq!(replies(messages(&app, &tok, &other).await), 0, "other tags are not told");
    let incident = alert_tickets(&app, &tok).await[0]["id"].as_str().unwrap().to_string();
    let notes = messages(&app, &tok, &incident).await;
    assert!(
        notes.iter().any(|m| m["kind"] == "system" && m["body_text"].as_str().unwrap().starts_with("Told 1 open")),
        "{notes:?}"
    );
    // The customer gets it by mail, as any API reply.
    let tid = acme.tenant_id();
    let mut mailed = false;
    for _ in 0..200 {
        let t = tid.clone();
        let rows = app.state.db.read(move |c| meridian::email::outbound::list(c, &t)).await.unwrap();
        if rows.iter().any(|m| m.kind == "reply" && m.to_address == "cart-broken@customer.example") {
            mailed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(mailed, "the reply is mailed to the customer");
    // The same incident firing again tells nobody twice.
    let b = accepted(&app, "acme", &tok, &alert).await;
    processed(&app, &acme, &[b]).await;
    assert_eq!(replies(messages(&app, &tok, &waiting).await), 1);
}
both!(a_new_incident_tells_the_affected_customers);
