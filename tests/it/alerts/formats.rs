//! Every format is read (an Alertmanager v4 group of two alerts, Grafana unified and legacy,
//! the documented Zabbix media type, generic JSON); a malformed post is 400 naming the field and
//! kept raw in the tenant's failed list; oversize posts are 413; tokens and posts stay in their
//! tenant.

use serde_json::json;

use super::*;
use crate::harness::TestApp;

const ALERTMANAGER: &str = r#"{
  "version": "4",
  "groupKey": "{}:{alertname=\"HighErrorRate\"}",
  "truncatedAlerts": 0,
  "status": "firing",
  "receiver": "meridian",
  "groupLabels": {"alertname": "HighErrorRate"},
  "commonLabels": {"alertname": "HighErrorRate", "job": "checkout"},
  "commonAnnotations": {"runbook_url": "https://runbooks.example/high-error-rate"},
  "externalURL": "http://alertmanager.example:9093",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "HighErrorRate", "job": "checkout", "instance": "web-1", "severity": "critical"},
     "annotations": {"summary": "5xx above 5% on web-1", "description": "The checkout service answers errors to many customers."},
     "startsAt": "2026-12-01T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "http://prometheus.example:9090/graph?g0.expr=rate", "fingerprint": "a1b2c3d4e5f60001"},
    {"status": "firing", "labels": {"alertname": "HighErrorRate", "job": "checkout", "instance": "web-2", "severity": "warning"},
     "annotations": {"summary": "5xx above 5% on web-2"},
     "startsAt": "2026-12-01T10:01:00Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "http://prometheus.example:9090/graph?g0.expr=rate", "fingerprint": "a1b2c3d4e5f60002"}
  ]
}"#;

const GRAFANA: &str = r#"{
  "receiver": "meridian", "status": "firing", "orgId": 1,
  "alerts": [{"status": "firing", "labels": {"alertname": "Queue backlog", "grafana_folder": "Ops", "severity": "info"},
    "annotations": {"summary": "Orders queue has 12k messages"}, "startsAt": "2026-12-01T09:00:00Z",
    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "https://grafana.example/alerting/grafana/abc/view",
    "fingerprint": "9f8e7d6c5b4a3210", "silenceURL": "https://grafana.example/alerting/silence/new",
    "dashboardURL": "", "panelURL": "", "values": {"B": 12000}, "valueString": "[ var='B' value=12000 ]"}],
  "groupLabels": {"alertname": "Queue backlog"}, "commonLabels": {}, "commonAnnotations": {},
  "externalURL": "https://grafana.example/", "version": "1", "groupKey": "{}:{}", "truncatedAlerts": 0,
  "title": "[FIRING:1] Queue backlog", "state": "alerting", "message": "**Firing**"
}"#;

const GRAFANA_LEGACY: &str = r#"{"dashboardId": 1, "evalMatches": [{"value": 97, "metric": "disk_used_percent", "tags": {}}],
  "message": "Disk almost full", "orgId": 1, "panelId": 2, "ruleId": 7, "ruleName": "Disk usage",
  "ruleUrl": "https://grafana.example/d/x", "state": "alerting", "tags": {"severity": "high"}, "title": "[Alerting] Disk usage"}"#;

const ZABBIX: &str = r#"{"event_id": "5501", "trigger_id": "13570", "status": "PROBLEM", "name": "High CPU utilization",
  "severity": "Disaster", "host": "erp-01", "message": "CPU above 95% for 15 minutes", "url": "https://zabbix.example/tr_events.php?triggerid=13570"}"#;

async fn every_format_is_read(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (s, v) = post(&app, "acme", &tok, ALERTMANAGER).await;
    assert_eq!((s, v["format"].as_str(), v["alerts"].as_i64()), (202, Some("alertmanager"), Some(2)), "{v}");
    let mut ids = vec![v["id"].as_str().unwrap().to_string()];
    for (body, format) in [(GRAFANA, "grafana"), (GRAFANA_LEGACY, "grafana_legacy"), (ZABBIX, "zabbix")] {
        let (s, v) = post(&app, "acme", &tok, body).await;
        assert_eq!((s, v["format"].as_str()), (202, Some(format)), "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    ids.push(accepted(&app, "acme", &tok, &generic("backup", "firing", "page")).await);
    assert!(processed(&app, &acme, &ids).await.iter().all(|s| s == "processed"));
    let list = alert_tickets(&app, &tok).await;
    // Posts are processed in any order; a post's alerts in theirs.
    let mut got: Vec<(&str, &str)> =
        list.iter().map(|t| (t["subject"].as_str().unwrap(), t["priority"].as_str().unwrap())).collect();
    got.sort();
    let mut want = vec![
        ("HighErrorRate: 5xx above 5% on web-1", "urgent"),
        ("HighErrorRate: 5xx above 5% on web-2", "normal"),
        ("Queue backlog: Orders queue has 12k messages", "low"),
        ("Disk usage", "high"),
        ("erp-01: High CPU utilization", "urgent"),
        ("Disk full on backup", "urgent"),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(list.windows(2).any(|w| w[0]["subject"].as_str().unwrap().ends_with("web-1")
        && w[1]["subject"].as_str().unwrap().ends_with("web-2")));
    assert!(list.iter().all(|t| t["channel"] == "alert"));
    // A Zabbix recovery of the same trigger (a new event id) lands on the problem's ticket.
    let recovery = ZABBIX.replace("\"PROBLEM\"", "\"RESOLVED\"").replace("5501", "5502");
    let r = accepted(&app, "acme", &tok, &recovery).await;
    processed(&app, &acme, &[r]).await;
    let zabbix = list.iter().find(|t| t["subject"] == "erp-01: High CPU utilization").unwrap();
    let msgs = messages(&app, &tok, zabbix["id"].as_str().unwrap()).await;
    assert!(msgs.last().unwrap()["body_text"].as_str().unwrap().starts_with("The alert was resolved."), "{msgs:?}");
    assert_eq!(alert_tickets(&app, &tok).await.len(), 6);
    // A named format wins over detection.
    let (s, v) = post_at(&app, "/inbound/alerts/acme?format=generic", &tok, ZABBIX).await;
    assert_eq!((s, v["field"].as_str()), (400, Some("fingerprint")), "{v}");
    let (s, v) = post_at(&app, "/inbound/alerts/acme?format=nagios", &tok, ZABBIX).await;
    assert_eq!((s, v["field"].as_str()), (400, Some("format")), "{v}");
    let failed = app.api_json(&tok, "/api/v1/alerts/failed").await;
    let failed = failed["data"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "both refused posts are kept: {failed:?}");
    assert_eq!((failed[0]["body"].as_str(), failed[1]["format"].as_str()), (Some(ZABBIX), Some("generic")));
}
both!(every_format_is_read);

async fn malformed_posts_are_named_kept_and_listed(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let bad = r#"{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"A"}},{"status":"firing","labels":"oops"}]}"#;
    let (s, v) = post(&app, "acme", &tok, bad).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["field"], "alerts[1].labels");
    assert_eq!(v["type"], "urn:meridian:problem:bad-request");
    let (s, v) = post(&app, "acme", &tok, "not json at all\u{0}").await;
    assert_eq!((s, v["field"].as_str()), (400, Some("body")));
    let (s, v) = post(&app, "acme", &tok, r#"{"fingerprint": "x", "status": "burning"}"#).await;
    assert_eq!((s, v["field"].as_str()), (400, Some("status")));
    // Nothing was opened, and each body is kept as it came, newest first.
    assert!(alert_tickets(&app, &tok).await.is_empty());
    let failed = app.api_json(&tok, "/api/v1/alerts/failed").await;
    let data = failed["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "{failed}");
    assert_eq!(data[2]["body"], bad);
    assert!(data[2]["error"].as_str().unwrap().starts_with("alerts[1].labels: "), "{}", data[2]);
    assert_eq!(data[1]["body"], "not json at all\u{0}");
    assert_eq!(data[0]["format"], "generic");
    // Too large: 413, nothing stored.
    let huge = format!(r#"{{"fingerprint":"big","status":"firing","description":"{}"}}"#, "x".repeat(1_100_000));
    let (s, _) = post(&app, "acme", &tok, &huge).await;
    assert_eq!(s, 413);
    assert_eq!(app.api_json(&tok, "/api/v1/alerts/failed").await["data"].as_array().unwrap().len(), 3);
    let r =
        reqwest::Client::new().get(app.url("/api/v1/alerts/failed?limit=0")).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(r.status(), 422);
}
both!(malformed_posts_are_named_kept_and_listed);

async fn tenants_keep_their_alerts(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (globex, _, _) = app.seed_tenant("globex");
    let (ta, tg) = (token(&app, &acme), token(&app, &globex));
    let body = generic("shared-fp", "firing", "critical");
    // Another workspace's token, an unknown workspace, a wrong or missing token: one answer.
    let (s1, v1) = post(&app, "acme", &tg, &body).await;
    let (s2, v2) = post(&app, "nosuch", &ta, &body).await;
    let (s3, v3) = post(&app, "acme", "mrd_wrong", &body).await;
    assert_eq!((s1, s2, s3), (401, 401, 401));
    assert_eq!(v1, v2);
    assert_eq!(v1, v3);
    let r = reqwest::Client::new().post(app.url("/inbound/alerts/acme")).body(body.clone()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The same fingerprint in two workspaces: two tickets, each in its own.
    let a = accepted(&app, "acme", &ta, &body).await;
    let g = accepted(&app, "globex", &tg, &body).await;
    processed(&app, &acme, &[a]).await;
    processed(&app, &globex, &[g]).await;
    let (la, lg) = (alert_tickets(&app, &ta).await, alert_tickets(&app, &tg).await);
    assert_eq!((la.len(), lg.len()), (1, 1));
    assert_ne!(la[0]["id"], lg[0]["id"]);
    // One tenant's failed posts are not another's.
    let (s, _) = post(&app, "acme", &ta, r#"{"alerts": 3}"#).await;
    assert_eq!(s, 400);
    assert_eq!(app.api_json(&ta, "/api/v1/alerts/failed").await["data"].as_array().unwrap().len(), 1);
    assert!(app.api_json(&tg, "/api/v1/alerts/failed").await["data"].as_array().unwrap().is_empty());
    // Settings are per tenant.
    let r = reqwest::Client::new()
        .patch(app.url("/api/v1/alerts/settings"))
        .bearer_auth(&ta)
        .json(&json!({"solve_on_resolve": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.api_json(&tg, "/api/v1/alerts/settings").await["solve_on_resolve"], false);
    // The settings and the failed list are documented, with the rule's shape.
    let doc = app.api_json(&ta, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/alerts/settings"]["patch"].is_object());
    assert!(doc["paths"]["/api/v1/alerts/failed"]["get"].is_object());
    assert!(doc["components"]["schemas"]["NotifyRule"]["properties"]["tag"].is_object(), "{}", doc["components"]);
}
both!(tenants_keep_their_alerts);
