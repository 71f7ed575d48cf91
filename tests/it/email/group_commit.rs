//! Group commit of received mail: concurrent deliveries share transactions, each still answered
//! only after its rows commit, and one message that cannot be stored fails alone.

use super::*;
use crate::harness::TestApp;
use meridian::email::store::{self, Envelope, Received, Source};
use meridian::tenancy::TenantId;

fn received(tenant: &TenantId, n: usize) -> Received {
    let raw = mail(
        "Bo <bo@customer.example>",
        "acme@mail.desk.test",
        &format!("Burst {n}"),
        &format!("Message-ID: <burst{n}@customer.example>\r\n"),
        "Part of a burst.",
    )
    .into_bytes();
    let envelope = Envelope {
        source: Source::Smtp,
        from: Some(format!("sender{n}@customer.example")),
        recipient: format!("acme@{DOMAIN}"),
        reply_token: None,
    };
    Received { envelopes: vec![(tenant.clone(), envelope)], sha256: store::sha256_hex(&raw), raw }
}

async fn a_burst_shares_commits_and_a_bad_message_fails_alone(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tid = acme.tenant_id();
    let (before_batches, before_items) = app.state.receiver.totals();
    // 32 messages submitted at once, and among them one for a tenant that does not exist (its
    // row breaks the foreign key): it fails, its neighbours in the same transaction do not.
    let ghost = TenantId::from_trusted("no-such-tenant".to_string());
    let mut calls: Vec<_> = (0..32).map(|n| app.state.receiver.store(received(&tid, n))).collect();
    calls.insert(16, app.state.receiver.store(received(&ghost, 99)));
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers[16].is_err(), "the unstorable message is refused: {:?}", answers[16]);
    let ids: Vec<String> = answers
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 16)
        .map(|(_, a)| a.expect("stored").pop().expect("a row id"))
        .collect();
    assert_eq!(ids.len(), 32);
    let (batches, items) = app.state.receiver.totals();
    assert_eq!(items - before_items, 33, "each message written in one batch");
    assert!(batches - before_batches < 33, "the burst shared transactions: {} batches", batches - before_batches);
    // Every answered message is stored whole and filed once.
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), 32);
    for id in &ids {
        let row = rows.iter().find(|r| &r.id == id).expect("an answered message is stored");
        assert_eq!(row.state, "filed", "{row:?}");
    }
    let tok = token_for(&app, &acme);
    assert!(!tickets(&app, &tok).await.is_empty());

    // Over SMTP: four clients delivering at once, every message acknowledged and stored, and the
    // metrics name the path.
    let to = format!("acme@{DOMAIN}");
    let rcpts = [to.as_str()];
    let mut clients = Vec::new();
    for c in 0..4 {
        let mut files = Vec::new();
        for n in 0..5 {
            let raw = mail(
                "Cy <cy@customer.example>",
                &to,
                &format!("Client {c} message {n}"),
                &format!("Message-ID: <c{c}n{n}@customer.example>\r\n"),
                "Concurrent.",
            );
            let file = app.dir.path().join(format!("c{c}n{n}.eml"));
            std::fs::write(&file, raw).unwrap();
            files.push(file.display().to_string());
        }
        clients.push(smtp_files(&app, "cy@customer.example", &rcpts, files));
    }
    for report in futures_util::future::join_all(clients).await {
        for r in report["results"].as_array().unwrap() {
            accepted(r);
        }
    }
    assert_eq!(settled(&app, &acme).await.len(), 52);
    let metrics = app.client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("meridian_write_batch_items_total{path=\"inbound_mail\"}"))
        .expect("the inbound path in the metrics");
    let counted: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(counted >= 53, "{line}");
}
both_mail!(a_burst_shares_commits_and_a_bad_message_fails_alone);
