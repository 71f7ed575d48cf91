//! Satisfaction: a solved conversation prompts the widget for a rating, stored once on the
//! ticket (re-rating replaces it within the window), shown by the API and the ticket page;
//! refused before the solve, after the window, out of range, and for anyone but the
//! conversation's own visitor.

use serde_json::{json, Value};

use super::{api_token, healthy, Widget};
use crate::harness::TestApp;

async fn set_status(app: &TestApp, tok: &str, ticket: &str, status: &str) {
    let r = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/tickets/{ticket}")))
        .bearer_auth(tok)
        .json(&json!({"status": status}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{status}");
}

async fn rate(w: &mut Widget, rating: Value) -> Value {
    let mut frame = json!({"type": "rate"});
    for (k, v) in rating.as_object().cloned().unwrap_or_default() {
        frame[k] = v;
    }
    w.send(frame).await;
    loop {
        let f = w.recv().await;
        if f["type"] == "csat" || f["type"] == "error" {
            return f;
        }
    }
}

async fn a_solved_chat_is_rated_once_and_shown_on_the_ticket(app: TestApp) {
    let (acme, email, password) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({"name": "Rita", "locale": "en"})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let ticket = w.say("c-1", "Where is my parcel?").await["conversation_id"].as_str().unwrap().to_string();

    set_status(&app, &tok, &ticket, "solved").await;
    let prompt = w.recv_type("csat").await;
    assert_eq!(prompt, json!({"type": "csat", "conversation_id": ticket, "score": null, "comment": null}));

    let first = rate(&mut w, json!({"score": 2, "comment": "  slow  "})).await;
    assert_eq!((first["score"].as_i64(), first["comment"].as_str()), (Some(2), Some("slow")), "{first}");
    // Rating again replaces the rating: one per ticket.
    let second = rate(&mut w, json!({"score": 5, "comment": "Actually, all good"})).await;
    assert_eq!(second["score"], 5, "{second}");
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await;
    assert_eq!((t["csat_score"].as_i64(), t["csat_comment"].as_str()), (Some(5), Some("Actually, all good")), "{t}");
    assert!(t["csat_rated_at"].as_str().is_some_and(|s| s.ends_with('Z')), "{t}");
    let history: Vec<(String, Option<String>, Option<String>)> = app
        .state
        .db
        .write_blocking({
            let id = ticket.clone();
            move |c| {
                use diesel::prelude::*;
                use meridian::db::schema::ticket_events as e;
                Ok(e::table
                    .filter(e::ticket_id.eq(id))
                    .filter(e::action.eq("rated"))
                    .order(e::created_at)
                    .select((e::actor_type, e::before_value, e::after_value))
                    .load(c)?)
            }
        })
        .unwrap();
    assert_eq!(
        history,
        vec![("contact".into(), None, Some("2".into())), ("contact".into(), Some("2".into()), Some("5".into()))]
    );

    // A reload shows the rating given, ready to be changed.
    w.vanish();
    let (mut w, _) = Widget::hello(&app, "acme", json!({"visitor_token": token})).await;
    let again = w.recv_type("csat").await;
    assert_eq!((again["score"].as_i64(), again["comment"].as_str()), (Some(5), Some("Actually, all good")));

    // The ticket page shows it.
    let (agent, _) = app.signed_in("acme", &email, &password).await;
    let page = agent.get(app.url(&format!("/tickets/{ticket}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"csat-score\">5 out of 5<"), "no rating on the ticket page");
    assert!(page.contains("Actually, all good"));
}
both!(a_solved_chat_is_rated_once_and_shown_on_the_ticket);

async fn ratings_are_refused_with_a_precise_error(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let (mut w, _) = Widget::hello(&app, "acme", json!({})).await;
    // Before any conversation, and before it is solved.
    assert_eq!(rate(&mut w, json!({"score": 4})).await["code"], "error-csat-not-open");
    let ticket = w.say("c-1", "help").await["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(rate(&mut w, json!({"score": 4})).await["code"], "error-csat-not-open");
    set_status(&app, &tok, &ticket, "solved").await;
    w.recv_type("csat").await;
    for score in [json!(0), json!(6), json!(-1), json!(1_000_000_000_000i64)] {
        let f = rate(&mut w, json!({"score": score})).await;
        assert_eq!((f["type"].as_str(), f["code"].as_str()), (Some("error"), Some("error-csat-score")), "{score}: {f}");
    }
    let f = rate(&mut w, json!({"score": 3, "comment": "x".repeat(2001)})).await;
    assert_eq!(f["code"], "error-csat-comment", "{f}");
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await;
    assert!(t["csat_score"].is_null(), "nothing refused was stored: {t}");

    // Past the window (solved eight days ago): refused, the earlier state kept.
    let id = ticket.clone();
    app.state
        .db
        .write_blocking(move |c| {
            use diesel::prelude::*;
            use meridian::db::schema::tickets as t;
            let long_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(8);
            diesel::update(t::table.filter(t::id.eq(id))).set(t::solved_at.eq(Some(long_ago))).execute(c)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(rate(&mut w, json!({"score": 4})).await["code"], "error-csat-not-open");
    // A score that is not a number is not a rate frame: closed as malformed; the server stays up.
    w.send(json!({"type": "rate", "score": "five"})).await;
    assert_eq!(w.closed().await, super::Ending::Closed(4000));
    healthy(&app).await;
}
both!(ratings_are_refused_with_a_precise_error);

async fn another_tenants_visitor_cannot_rate_or_see_a_rating(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (globex, _, _) = app.seed_tenant("globex");
    let (acme_tok, globex_tok) = (api_token(&app, &acme), api_token(&app, &globex));
    let (mut a, welcome) = Widget::hello(&app, "acme", json!({})).await;
    let acme_token = welcome["visitor_token"].as_str().unwrap().to_string();
    let ticket = a.say("c-1", "acme question").await["conversation_id"].as_str().unwrap().to_string();
    set_status(&app, &acme_tok, &ticket, "solved").await;
    a.recv_type("csat").await;

    // Globex's visitor with a solved conversation of its own rates only that one.
    let (mut g, _) = Widget::hello(&app, "globex", json!({})).await;
    let theirs = g.say("c-1", "globex question").await["conversation_id"].as_str().unwrap().to_string();
    set_status(&app, &globex_tok, &theirs, "solved").await;
    assert_eq!(g.recv_type("csat").await["conversation_id"], theirs.as_str());
    assert_eq!(rate(&mut g, json!({"score": 1})).await["conversation_id"], theirs.as_str());
    let mine = app.api_json(&acme_tok, &format!("/api/v1/tickets/{ticket}")).await;
    assert!(mine["csat_score"].is_null(), "{mine}");
    // Acme's visitor token on globex's widget is refused before any rating.
    let mut w = Widget::connect(&app, "globex").await;
    w.send(json!({"type": "hello", "visitor_token": acme_token})).await;
    assert_eq!(w.closed().await, super::Ending::Closed(4003));
    // Nor can globex read acme's rated ticket through the API.
    assert_eq!(rate(&mut a, json!({"score": 4})).await["score"], 4);
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/tickets/{ticket}")))
        .bearer_auth(&globex_tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let theirs = app.api_json(&globex_tok, &format!("/api/v1/tickets/{theirs}")).await;
    assert_eq!(theirs["csat_score"], 1);
}
both!(another_tenants_visitor_cannot_rate_or_see_a_rating);
