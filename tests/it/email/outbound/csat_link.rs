//! The solved notice's rating links: they arrive in the mail, open a help-center page that
//! records nothing until its form is sent, and rate the ticket as its requester; forged,
//! expired and other help centers' links are refused with a page saying so.

use super::super::sink::Sink;
use super::super::*;
use super::*;
use crate::harness::TestApp;
use meridian::tickets::csat_link::{self, Link};

/// The path of the link on the line starting `label: ` of the mail's text.
fn link_path(text: &str, label: &str) -> String {
    let line = text.lines().find(|l| l.starts_with(&format!("{label}: "))).expect("a rating link");
    let url = line[label.len() + 2..].trim();
    url[url.find("/h/").expect("a help-center link")..].to_string()
}

async fn api_ticket(app: &TestApp, tok: &str, id: &str) -> serde_json::Value {
    app.api_json(tok, &format!("/api/v1/tickets/{id}")).await
}

async fn solved_mail_rates_the_ticket(app: TestApp, sink: Sink) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let tok = token_for(&app, &acme);
    carol_writes(&app, &acme).await;
    let (id, number) = first_ticket(&app, &tok).await;
    sink.wait_accepted(1).await;
    let r = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/tickets/{id}")))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"status": "solved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = sink.wait_accepted(2).await;
    let solved = &got[1];
    let text = solved.text();
    assert!(text.contains("How did we do?"), "{text}");
    let good = link_path(&text, "Good");
    let bad = link_path(&text, "Bad");
    assert!(good.starts_with("/h/acme/en/satisfaction/") && good.ends_with("?rating=good"), "{good}");
    assert_eq!(good.trim_end_matches("?rating=good"), bad.trim_end_matches("?rating=bad"));
    let html = solved.parsed().body_html(0).expect("an HTML part").to_string();
    assert!(html.contains(">Good</a>") && html.contains(">Bad</a>") && html.contains("/satisfaction/"), "{html}");

    // Opening the link (as a mail scanner does) records nothing: it shows the choice.
    let client = app.client();
    let res = client.get(app.url(&good)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    assert!(page.contains("value=\"good\" checked") && !page.contains("value=\"bad\" checked"), "{page}");
    assert!(page.contains(&format!("#{number}")) && page.contains("name=\"comment\""), "{page}");
    assert!(client.get(app.url(&bad)).send().await.unwrap().text().await.unwrap().contains("value=\"bad\" checked"));
    assert!(api_ticket(&app, &tok, &id).await["csat_score"].is_null(), "GET does not rate");

    // Sending the form rates it as the requester: good is 5, and the comment is kept.
    let action = good.trim_end_matches("?rating=good").to_string();
    let res =
        client.post(app.url(&action)).form(&[("rating", "good"), ("comment", "Quick and kind")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("data-testid=\"csat-thanks\""));
    let t = api_ticket(&app, &tok, &id).await;
    assert_eq!((t["csat_score"].as_i64(), t["csat_comment"].as_str()), (Some(5), Some("Quick and kind")), "{t}");
    // Rating again replaces it: bad is 1. No choice is 422, and nothing changes.
    let res = client.post(app.url(&action)).form(&[("rating", "bad"), ("comment", "")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let t = api_ticket(&app, &tok, &id).await;
    assert_eq!((t["csat_score"].as_i64(), t["csat_comment"].as_str()), (Some(1), None), "{t}");
    let res = client.post(app.url(&action)).form(&[("comment", "no choice")]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Choose good or bad."));
    let res = client.post(app.url(&action)).form(&[("rating", "good"), ("comment", "a\u{0}b")]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(api_ticket(&app, &tok, &id).await["csat_score"], 1);

    // Forged, expired and another help center's links: refused, each with a page saying so.
    let token = action.rsplit('/').next().unwrap().to_string();
    let flipped = format!("{}{}", &token[..token.len() - 1], if token.ends_with('A') { "B" } else { "A" });
    let res = client.get(app.url(&format!("/h/acme/en/satisfaction/{flipped}"))).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("This rating link is not valid."));
    let res = client.post(app.url(&format!("/h/acme/en/satisfaction/{flipped}"))).form(&[("rating", "good")]);
    assert_eq!(res.send().await.unwrap().status(), 403);
    let expired = csat_link::sign(
        &app.state.session_keys,
        &Link { tenant_id: acme.id.clone(), ticket_id: id.clone(), expires: chrono::Utc::now().timestamp() - 60 },
    );
    let res = client.get(app.url(&format!("/h/acme/en/satisfaction/{expired}"))).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("This rating link has expired."));
    let res = client.post(app.url(&format!("/h/acme/en/satisfaction/{expired}"))).form(&[("rating", "good")]);
    assert_eq!(res.send().await.unwrap().status(), 410);
    let res = client.get(app.url(&format!("/h/{}/en/satisfaction/{token}", beta.slug))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("does not belong to a request of this help center"));
    let res = client.post(app.url(&format!("/h/beta/en/satisfaction/{token}"))).form(&[("rating", "good")]);
    assert_eq!(res.send().await.unwrap().status(), 404);
    let ghost = csat_link::sign(
        &app.state.session_keys,
        &Link { tenant_id: acme.id.clone(), ticket_id: "no-such-ticket".into(), expires: i64::MAX },
    );
    assert_eq!(client.get(app.url(&format!("/h/acme/en/satisfaction/{ghost}"))).send().await.unwrap().status(), 404);
    // In Chinese, the page and its refusals are translated.
    let res = client.get(app.url(&format!("/h/acme/zh-CN/satisfaction/{expired}"))).send().await.unwrap();
    assert!(res.text().await.unwrap().contains("此评分链接已过期。"));
    assert_eq!(api_ticket(&app, &tok, &id).await["csat_score"], 1, "no refused link rated");

    // Reopened, the ticket can no longer be rated from the link.
    let r = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/tickets/{id}")))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"status": "open"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let res = client.post(app.url(&action)).form(&[("rating", "good")]).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert_eq!(api_ticket(&app, &tok, &id).await["csat_score"], 1);
}
both_sink!(solved_mail_rates_the_ticket, []);
