//! `csat.rated`: a rating of a solved ticket reaches the rating tenant's subscribers (signed, with
//! the ticket as the API shows it), and no other tenant's.

use serde_json::{json, Value};

use super::*;
use crate::harness::Backend;
use meridian::tickets::{csat, Actor};

async fn a_rating_is_delivered_to_its_tenant_only(backend: Backend) {
    let rx = receiver(Mode::Ok).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let (globex, _, _) = app.seed_tenant("globex");
    let (tok, other) = (token(&app, &acme), token(&app, &globex));
    let (sub, secret) = subscribe(&app, &tok, &rx.url, &["csat.rated"]).await;
    let (theirs, _) = subscribe(&app, &other, &rx.url, &["csat.rated", "ticket.created"]).await;
    let ticket = new_ticket(&app, &tok, "rated").await;
    let (s, t) =
        call(&app, &tok, "PATCH", &format!("/api/v1/tickets/{ticket}"), Some(json!({"status": "solved"}))).await;
    assert_eq!(s, 200, "{t}");
    let requester = t["requester_id"].as_str().unwrap().to_string();
    for (score, comment) in [(4, Some("quick")), (2, None)] {
        let (tid, id, who) = (acme.tenant_id(), ticket.clone(), requester.clone());
        app.state
            .db
            .write_blocking(move |c| {
                csat::rate(c, &tid, &Actor::Contact(who.as_str().into()), &id.as_str().into(), score, comment)
            })
            .unwrap();
    }

    let list = settled(&app, &tok, &sub, 2).await;
    assert_eq!(list.len(), 2, "{list:#?}");
    let got = rx.got();
    let bodies: Vec<Value> = list
        .iter()
        .map(|d| {
            let r = got.iter().find(|r| r.headers["webhook-id"] == d["webhook_id"].as_str().unwrap()).unwrap();
            assert_eq!(verify(&[(secret.clone(), r)]), vec![true]);
            serde_json::from_str(&r.body).unwrap()
        })
        .collect();
    let mut seen: Vec<(Value, Value)> =
        bodies.iter().map(|b| (b["data"]["score"].clone(), b["data"]["previous_score"].clone())).collect();
    seen.sort_by_key(|(s, _)| s.as_i64());
    assert_eq!(seen, vec![(json!(2), json!(4)), (json!(4), Value::Null)]);
    for b in &bodies {
        assert_eq!(b["type"], "csat.rated");
        assert_eq!(b["data"]["ticket"]["id"], ticket.as_str());
        assert_eq!(b["data"]["actor"], json!({"type": "contact", "id": requester}));
    }
    // Globex heard nothing of acme's rating (it subscribed to the type too).
    assert!(deliveries(&app, &other, &theirs).await.is_empty());
}
both_own!(a_rating_is_delivered_to_its_tenant_only);
