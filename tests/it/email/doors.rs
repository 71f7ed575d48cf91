//! The HTTP door and what each tenant can see: secrets, isolation, the quarantine API.

use serde_json::Value;

use super::*;
use crate::harness::TestApp;
use meridian::email::{store, threads};

async fn http_door(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let secret = app.state.db.write_blocking(|c| store::inbound_secret(c, &acme.tenant_id())).unwrap();
    let beta_secret = app.state.db.write_blocking(|c| store::inbound_secret(c, &beta.tenant_id())).unwrap();
    assert_ne!(secret, beta_secret);
    let raw = mail(
        "gina@customer.example",
        "acme@mail.desk.test",
        "By HTTP",
        "Message-ID: <h1@customer.example>\r\n",
        "Posted.",
    );
    assert_eq!(post_raw(&app, "acme", "wrong", raw.as_bytes()).await.status(), 401);
    assert_eq!(post_raw(&app, "beta", &secret, raw.as_bytes()).await.status(), 401, "another tenant's slug");
    assert_eq!(post_raw(&app, "nosuch", &secret, raw.as_bytes()).await.status(), 401);
    let no_auth = reqwest::Client::new().post(app.url("/inbound/email/acme")).body(raw.clone()).send().await.unwrap();
    assert_eq!(no_auth.status(), 401);
    let wrong_type = reqwest::Client::new()
        .post(app.url("/inbound/email/acme"))
        .bearer_auth(&secret)
        .header("content-type", "text/plain")
        .body(raw.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 400);
    let ok = post_raw(&app, "acme", &secret, raw.as_bytes()).await;
    assert_eq!(ok.status(), 202);
    let answer: Value = ok.json().await.unwrap();
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, answer["id"].as_str().unwrap());
    assert_eq!(rows[0].state, "filed");
    let (t, id) = (acme.tenant_id(), rows[0].id.clone());
    assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), raw.as_bytes());
    assert!(settled(&app, &beta).await.is_empty(), "nothing reached beta");
    let tok = token_for(&app, &acme);
    assert_eq!(tickets(&app, &tok).await.len(), 1);
    // Too large: 413.
    let big = vec![b'a'; 150_000];
    assert_eq!(post_raw(&app, "acme", &secret, &big).await.status(), 413);
}
both_mail!(http_door);

async fn tenants_stay_apart(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let (acme_tok, beta_tok) = (token_for(&app, &acme), token_for(&app, &beta));
    // Beta's ticket #1, with its reply token and Message-ID.
    let to_beta = format!("beta@{DOMAIN}");
    let first = mail(
        "hank@customer.example",
        &to_beta,
        "Beta question",
        "Message-ID: <beta1@customer.example>\r\n",
        "For beta.",
    );
    accepted(&smtp(&app, "hank@customer.example", &[&to_beta], &first).await);
    settled(&app, &beta).await;
    let beta_ticket = tickets(&app, &beta_tok).await[0].clone();
    let (t, i) = (beta.tenant_id(), beta_ticket["id"].as_str().unwrap().to_string());
    let beta_token = app.state.db.write_blocking(|c| threads::reply_token_for(c, &t, &i)).unwrap();
    // To acme, with beta's token, ticket number and Message-ID: a new acme ticket, beta untouched.
    let plus = format!("acme+{beta_token}@{DOMAIN}");
    let sneaky = mail(
        "hank@customer.example",
        &plus,
        "Re: [#1] Beta question",
        "Message-ID: <acme1@customer.example>\r\nIn-Reply-To: <beta1@customer.example>\r\n",
        "For acme.",
    );
    accepted(&smtp(&app, "hank@customer.example", &[&plus], &sneaky).await);
    settled(&app, &acme).await;
    let acme_tickets = tickets(&app, &acme_tok).await;
    assert_eq!(acme_tickets.len(), 1);
    assert_eq!(acme_tickets[0]["previous_ticket_id"], Value::Null);
    assert_eq!(messages(&app, &beta_tok, beta_ticket["id"].as_str().unwrap()).await.len(), 1);
    // And the same the other way, after acme has a #1 of its own.
    let back = mail(
        "hank@customer.example",
        &to_beta,
        "Re: [#1]",
        "Message-ID: <beta2@customer.example>\r\nIn-Reply-To: <acme1@customer.example>\r\n",
        "Back to beta.",
    );
    accepted(&smtp(&app, "hank@customer.example", &[&to_beta], &back).await);
    settled(&app, &beta).await;
    assert_eq!(messages(&app, &acme_tok, acme_tickets[0]["id"].as_str().unwrap()).await.len(), 1);

    // Quarantine: beta's message without a sender fails; acme cannot see, fetch or retry it.
    let nobody = "To: beta@mail.desk.test\r\nSubject: who am I\r\n\r\nNo From header.\r\n";
    accepted(&smtp(&app, "x@customer.example", &[&to_beta], nobody).await);
    settled(&app, &beta).await;
    let failed = app.api_json(&beta_tok, "/api/v1/mail/failed").await;
    let entry = failed["data"][0].clone();
    assert!(entry["error"].as_str().unwrap().contains("sender"), "{failed}");
    let raw_url = entry["raw_url"].as_str().unwrap().to_string();
    let id = entry["id"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let raw = client.get(app.url(&raw_url)).bearer_auth(&beta_tok).send().await.unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.headers()["content-type"], "message/rfc822");
    assert!(raw.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(raw.bytes().await.unwrap().as_ref(), nobody.as_bytes());
    assert_eq!(app.api_json(&acme_tok, "/api/v1/mail/failed").await["data"], serde_json::json!([]));
    assert_eq!(client.get(app.url(&raw_url)).bearer_auth(&acme_tok).send().await.unwrap().status(), 404);
    let retry_url = app.url(&format!("/api/v1/mail/failed/{id}/retry"));
    assert_eq!(client.post(&retry_url).bearer_auth(&acme_tok).send().await.unwrap().status(), 404);
    let retried = client.post(&retry_url).bearer_auth(&beta_tok).send().await.unwrap();
    assert_eq!(retried.status(), 202);
    // Retried, it fails again for the same reason and is still kept.
    settled(&app, &beta).await;
    assert_eq!(app.api_json(&beta_tok, "/api/v1/mail/failed").await["data"][0]["id"], id.as_str());
    let again = client.post(&retry_url).bearer_auth(&beta_tok).send().await.unwrap();
    assert_eq!(again.status(), 202);
    settled(&app, &beta).await;
    // A filed message is not retryable.
    let rows = settled(&app, &beta).await;
    let filed = rows.iter().find(|r| r.state == "filed").unwrap();
    let conflict = client
        .post(app.url(&format!("/api/v1/mail/failed/{}/retry", filed.id)))
        .bearer_auth(&beta_tok)
        .send()
        .await
        .unwrap();
    assert_eq!(conflict.status(), 409);
}
both_mail!(tenants_stay_apart);
