//! API ticket creation in shared transactions: bursts are written in batches, a batch that fails
//! as a whole is retried item by item, and what a batch writes is what single writes would.
//! Idempotency keys: scoped to their token, remembered for a day.

use serde_json::{json, Value};

use crate::harness::{wait_for_frame, TestApp};
use meridian::accounts::tokens;

fn token(app: &TestApp, tenant: &meridian::tenancy::Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "test", None)).unwrap().1
}

/// Send every request at once; answers come back in the order given.
async fn burst(app: &TestApp, tok: &str, requests: Vec<(Option<String>, Value)>) -> Vec<(u16, Value)> {
    let client = reqwest::Client::new();
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(requests.len()));
    let mut handles = vec![];
    for (key, body) in requests {
        let (client, url, tok, gate) = (client.clone(), app.url("/api/v1/tickets"), tok.to_string(), gate.clone());
        handles.push(tokio::spawn(async move {
            let mut req = client.post(url).bearer_auth(tok).json(&body);
            if let Some(k) = key {
                req = req.header("idempotency-key", k);
            }
            gate.wait().await;
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    let mut out = vec![];
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn body(i: usize) -> Value {
    json!({"subject": format!("Burst {i}"), "message": {"body": format!("Order {i} is late.")},
           "requester": {"email": format!("c{}@example.com", i % 5)}, "tags": ["load", "b"]})
}

fn metric(text: &str, name: &str) -> u64 {
    let line = text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} missing:\n{text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

async fn a_burst_shares_transactions_and_stores_everything(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let answers = burst(&app, &tok, (0..40).map(|i| (None, body(i))).collect()).await;
    let mut numbers: Vec<i64> = answers
        .iter()
        .map(|(code, b)| {
            assert_eq!(*code, 201, "{b}");
            b["number"].as_i64().unwrap()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
    let m = app.client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let (batches, items) = (
        metric(&m, "meridian_write_batches_total{path=\"tickets\"}"),
        metric(&m, "meridian_write_batch_items_total{path=\"tickets\"}"),
    );
    assert_eq!(items, 40);
    assert!(batches < items, "40 simultaneous creations took {batches} transactions");
    // Every row a batch writes is there: tags, first message, requester (five shared
    // contacts), audit event.
    for (_, b) in &answers {
        let id = b["id"].as_str().unwrap();
        let t = app.api_json(&tok, &format!("/api/v1/tickets/{id}")).await;
        assert_eq!(t["tags"], json!(["b", "load"]));
        let msgs = app.api_json(&tok, &format!("/api/v1/tickets/{id}/messages")).await;
        let subject = b["subject"].as_str().unwrap();
        assert_eq!(msgs["data"].as_array().unwrap().len(), 1);
        assert_eq!(msgs["data"][0]["body_text"].as_str().unwrap(), subject.replace("Burst", "Order") + " is late.");
    }
    let contacts = app.api_json(&tok, "/api/v1/contacts").await;
    assert_eq!(contacts["data"].as_array().unwrap().len(), 5);
    let events: i64 = app
        .state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::ticket_events;
            Ok(ticket_events::table.filter(ticket_events::action.eq("created")).count().get_result(c)?)
        })
        .unwrap();
    assert_eq!(events, 40);
}
both!(a_burst_shares_transactions_and_stores_everything);

async fn a_key_repeated_within_a_burst_creates_one_ticket(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    // Repeats of one key in one batch make its key insert fail, which fails the whole batch;
    // it is then written item by item, and the repeats replay the first.
    let mut requests = vec![];
    for i in 0..24 {
        let key = match i % 3 {
            0 => Some("same-key".to_string()),
            1 => Some(format!("key-{i}")),
            _ => None,
        };
        let b = if i % 3 == 0 { body(0) } else { body(i) };
        requests.push((key, b));
    }
    let answers = burst(&app, &tok, requests).await;
    let mut same = vec![];
    let mut numbers = vec![];
    for (i, (code, b)) in answers.iter().enumerate() {
        assert_eq!(*code, 201, "{i}: {b}");
        if i % 3 == 0 {
            same.push(b["id"].as_str().unwrap().to_string());
        }
        numbers.push(b["number"].as_i64().unwrap());
    }
    same.dedup();
    assert_eq!(same.len(), 1, "one ticket for one key: {same:?}");
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers, (1..=17).collect::<Vec<_>>(), "8 repeats of one key, 16 others, no gaps");
}
both!(a_key_repeated_within_a_burst_creates_one_ticket);

async fn api_created_tickets_reach_the_inbox_stream_numbered(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let (agent, _) = app.signed_in("acme", &email, &pw).await;
    let mut stream = agent.get(app.url("/events")).send().await.unwrap().bytes_stream();
    assert!(wait_for_frame(&mut stream, 5, |f| f.contains("connected")).await.is_some());
    let answers = burst(&app, &tok, (0..6).map(|i| (None, body(i))).collect()).await;
    let mut expected: Vec<(String, i64)> = answers
        .iter()
        .map(|(code, b)| {
            assert_eq!(*code, 201);
            (b["id"].as_str().unwrap().to_string(), b["number"].as_i64().unwrap())
        })
        .collect();
    // Events arrive in commit order, which need not be the order of the answers.
    while !expected.is_empty() {
        let frame = wait_for_frame(&mut stream, 10, |f| f.starts_with("event: ticket") && f.contains("created"))
            .await
            .unwrap_or_else(|| panic!("no live event for {expected:?}"));
        let i = expected.iter().position(|(id, _)| frame.contains(id.as_str())).expect("an event for one of ours");
        let (_, number) = expected.remove(i);
        assert!(frame.contains(&format!("\"number\":{number}")), "{frame}");
    }
}
both!(api_created_tickets_reach_the_inbox_stream_numbered);

async fn idempotency_keys_belong_to_their_token_and_expire_after_a_day(app: TestApp) {
    let (t, _, _) = app.seed_tenant("acme");
    let (first, second) = (token(&app, &t), token(&app, &t));
    let send = |tok: &str, key: &str, i: usize| {
        let (url, tok, key) = (app.url("/api/v1/tickets"), tok.to_string(), key.to_string());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(tok)
                .header("idempotency-key", key)
                .json(&body(i))
                .send()
                .await
                .unwrap();
            let replayed = r.headers().contains_key("idempotent-replayed");
            (r.status().as_u16(), replayed, r.json::<Value>().await.unwrap())
        }
    };
    let (code, _, a) = send(&first, "order-1", 1).await;
    assert_eq!(code, 201);
    // Another token's key of the same name is another key.
    let (code, replayed, b) = send(&second, "order-1", 2).await;
    assert_eq!((code, replayed), (201, false));
    assert_ne!(a["id"], b["id"]);
    assert!(send(&first, "order-1", 1).await.1, "the first token's retry replays");
    // A day later the key is forgotten: reusing it opens a new ticket instead of a 422.
    app.state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::idempotency_keys;
            diesel::update(idempotency_keys::table.filter(idempotency_keys::token_id.ne("")))
                .set(idempotency_keys::created_at.eq(meridian::db::now() - chrono::Duration::hours(25)))
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    let (code, _, _) = send(&first, "order-2", 3).await;
    assert_eq!(code, 201, "a fresh key");
    let purged = app.state.db.write_blocking(meridian::accounts::idempotency::purge_old).unwrap();
    assert_eq!(purged, 2, "the two day-old keys go; the fresh one stays");
    let (code, replayed, c) = send(&first, "order-1", 4).await;
    assert_eq!((code, replayed), (201, false));
    assert_ne!(c["id"], a["id"]);
    assert!(send(&first, "order-2", 3).await.1, "the fresh key still replays");
}
both!(idempotency_keys_belong_to_their_token_and_expire_after_a_day);

async fn bursts_of_two_tenants_stay_apart(app: TestApp) {
    let (a, _, _) = app.seed_tenant("acme");
    let (b, _, _) = app.seed_tenant("bravo");
    let (tok_a, tok_b) = (token(&app, &a), token(&app, &b));
    let (answers_a, answers_b) = tokio::join!(
        burst(&app, &tok_a, (0..20).map(|i| (None, body(i))).collect()),
        burst(&app, &tok_b, (0..20).map(|i| (None, body(i))).collect()),
    );
    for (answers, tok) in [(answers_a, &tok_a), (answers_b, &tok_b)] {
        let mut numbers: Vec<i64> = answers
            .iter()
            .map(|(code, b)| {
                assert_eq!(*code, 201, "{b}");
                b["number"].as_i64().unwrap()
            })
            .collect();
        numbers.sort();
        assert_eq!(numbers, (1..=20).collect::<Vec<_>>(), "each tenant numbers its own tickets");
        let listed = app.api_json(tok, "/api/v1/tickets?limit=200").await;
        let mut ids: Vec<&str> = listed["data"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
        let mut own: Vec<&str> = answers.iter().map(|(_, b)| b["id"].as_str().unwrap()).collect();
        ids.sort();
        own.sort();
        assert_eq!(ids, own, "a tenant lists exactly its own tickets");
        // Requesters were found or created in the tenant that asked.
        assert_eq!(app.api_json(tok, "/api/v1/contacts").await["data"].as_array().unwrap().len(), 5);
    }
}
both!(bursts_of_two_tenants_stay_apart);
