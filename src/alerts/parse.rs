//! Pure: what an alert post says. Four shapes are read, told apart by their fields (or named by
//! `?format=`): Prometheus Alertmanager's webhook (version 4: `alerts: [...]`), Grafana's
//! unified alerting (the same envelope with `orgId`, `title`, `state`, …) and its legacy shape
//! (`ruleId`, `ruleName`, `state`, `evalMatches`), the Zabbix media type this server documents
//! (`event_id`, `trigger_id`, `status`: `PROBLEM`/`RESOLVED`, …) and a generic JSON object
//! (`fingerprint`, `status`: `firing`/`resolved`, `title`, …). A payload that cannot be read
//! fails with the path of the field at fault (`alerts[0].labels`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::types::Priority;

/// Most alerts one post may carry.
pub const MAX_ALERTS: usize = 1000;
/// Longest fingerprint kept.
pub const MAX_FINGERPRINT_CHARS: usize = 200;

/// Which monitoring system's shape a post has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Alertmanager,
    Grafana,
    GrafanaLegacy,
    Zabbix,
    Generic,
}

impl Format {
    /// The stored and query name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Alertmanager => "alertmanager",
            Format::Grafana => "grafana",
            Format::GrafanaLegacy => "grafana_legacy",
            Format::Zabbix => "zabbix",
            Format::Generic => "generic",
        }
    }

    /// A format by its name (`?format=`); `None` for an unknown one.
    pub fn parse(s: &str) -> Option<Format> {
        [Format::Alertmanager, Format::Grafana, Format::GrafanaLegacy, Format::Zabbix, Format::Generic]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// One alert, whatever system sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// What identifies the alert across posts: one ticket per fingerprint.
    pub fingerprint: String,
    /// Firing (true) or resolved.
    pub firing: bool,
    pub title: String,
    pub description: String,
    pub severity: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// A link back to the monitoring system, when the payload has one.
    pub url: Option<String>,
}

impl Alert {
    /// The ticket priority its severity maps to (see [`priority_for`]).
    pub fn priority(&self) -> Priority {
        priority_for(self.severity.as_deref())
    }
}

/// What a post said.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub format: Format,
    pub alerts: Vec<Alert>,
}

/// Why a post cannot be read: the field's path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub field: String,
    pub detail: String,
    /// The format it was taken for, when one was named or recognised.
    pub format: Option<Format>,
}

fn bad(field: impl Into<String>, detail: impl Into<String>) -> Malformed {
    Malformed { field: field.into(), detail: detail.into(), format: None }
}

/// Severity to priority: critical/page (and Zabbix's disaster) → urgent, error/high (and
/// Zabbix's average) → high, warning → normal, info/low → low; anything else or none → normal.
pub fn priority_for(severity: Option<&str>) -> Priority {
    let s = severity.unwrap_or("").trim().to_ascii_lowercase();
    match s.as_str() {
        "critical" | "crit" | "page" | "disaster" | "emergency" | "fatal" | "p1" => Priority::Urgent,
        "error" | "err" | "high" | "major" | "average" | "p2" => Priority::High,
        "info" | "information" | "informational" | "low" | "minor" | "p4" | "p5" => Priority::Low,
        _ => Priority::Normal,
    }
}

/// Read a post: its format (the hint, else detected from its fields) and its alerts.
pub fn parse(raw: &[u8], hint: Option<Format>) -> Result<Parsed, Malformed> {
    let v: Value = serde_json::from_slice(raw).map_err(|e| bad("body", format!("not JSON: {e}")))?;
    let Value::Object(o) = v else { return Err(bad("body", "expected a JSON object")) };
    let format = match hint {
        Some(f) => f,
        None => detect(&o)?,
    };
    let alerts = match format {
        Format::Alertmanager | Format::Grafana => envelope(&o),
        Format::GrafanaLegacy => legacy(&o).map(|a| a.into_iter().collect()),
        Format::Zabbix => zabbix(&o).map(|a| vec![a]),
        Format::Generic => generic(&o).map(|a| vec![a]),
    };
    match alerts {
        Ok(alerts) => Ok(Parsed { format, alerts }),
        Err(m) => Err(Malformed { format: Some(format), ..m }),
    }
}

fn detect(o: &Map<String, Value>) -> Result<Format, Malformed> {
    if o.contains_key("alerts") {
        let grafana = o.contains_key("orgId") || o.get("version").and_then(Value::as_str) == Some("1");
        return Ok(if grafana { Format::Grafana } else { Format::Alertmanager });
    }
    if o.contains_key("ruleId") || o.contains_key("evalMatches") || o.contains_key("ruleName") {
        return Ok(Format::GrafanaLegacy);
    }
    if o.contains_key("trigger_id") || o.contains_key("event_id") {
        return Ok(Format::Zabbix);
    }
    if o.contains_key("fingerprint") || o.contains_key("status") {
        return Ok(Format::Generic);
    }
    Err(bad(
        "body",
        "not a known alert payload: expected `alerts` (Alertmanager, Grafana), `ruleId` (Grafana legacy), \
         `event_id`/`trigger_id` (Zabbix) or `fingerprint` and `status` (generic)",
    ))
}

/// A string field, if present; an error if present and not a string.
fn opt_str(o: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, Malformed> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        // Ids are often numbers in hand-made payloads.
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(bad(format!("{path}{key}"), "expected a string")),
    }
}

/// An object of strings (labels, annotations); absent is empty.
fn string_map(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
    required: bool,
) -> Result<BTreeMap<String, String>, Malformed> {
    let field = format!("{path}{key}");
    match o.get(key) {
        None | Some(Value::Null) if !required => Ok(BTreeMap::new()),
        None | Some(Value::Null) => Err(bad(field, "required: an object of strings")),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(_) | Value::Bool(_) => Ok((k.clone(), v.to_string())),
                _ => Err(bad(format!("{field}.{k}"), "expected a string")),
            })
            .collect(),
        Some(_) => Err(bad(field, "expected an object of strings")),
    }
}

fn check_fingerprint(fp: &str, field: &str) -> Result<String, Malformed> {
    let fp = fp.trim();
    if fp.is_empty() || fp.chars().count() > MAX_FINGERPRINT_CHARS || fp.chars().any(char::is_control) {
        return Err(bad(field, "a fingerprint of 1-200 characters without control characters is required"));
    }
    Ok(fp.to_string())
}

/// A fingerprint from labels, for senders that give none: the same labels, the same alert.
fn labels_fingerprint(labels: &BTreeMap<String, String>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (k, v) in labels {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

fn join_title(name: Option<&str>, summary: Option<&str>) -> String {
    match (name.filter(|s| !s.trim().is_empty()), summary.filter(|s| !s.trim().is_empty())) {
        (Some(n), Some(s)) if !s.contains(n) => format!("{n}: {s}"),
        (_, Some(s)) => s.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    }
}

/// Alertmanager's and Grafana's envelope: every entry of `alerts`.
fn envelope(o: &Map<String, Value>) -> Result<Vec<Alert>, Malformed> {
    let list = match o.get("alerts") {
        Some(Value::Array(a)) => a,
        _ => return Err(bad("alerts", "required: an array of alerts")),
    };
    if list.len() > MAX_ALERTS {
        return Err(bad("alerts", format!("at most {MAX_ALERTS} alerts in one post")));
    }
    let common = string_map(o, "commonAnnotations", "", false).unwrap_or_default();
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            let path = format!("alerts[{i}].");
            let Value::Object(a) = a else { return Err(bad(format!("alerts[{i}]"), "expected an object")) };
            let firing = match opt_str(a, "status", &path)?.as_deref() {
                Some("firing") => true,
                Some("resolved") => false,
                _ => return Err(bad(format!("{path}status"), "required: \"firing\" or \"resolved\"")),
            };
            let labels = string_map(a, "labels", &path, true)?;
            let annotations = string_map(a, "annotations", &path, false)?;
            let fingerprint = match opt_str(a, "fingerprint", &path)? {
                Some(f) if !f.trim().is_empty() => check_fingerprint(&f, &format!("{path}fingerprint"))?,
                _ => labels_fingerprint(&labels),
            };
            let note = |k: &str| annotations.get(k).or_else(|| common.get(k)).map(String::as_str);
            let title = join_title(labels.get("alertname").map(String::as_str), note("summary").or(note("title")));
            let description = note("description").or(note("message")).unwrap_or("").to_string();
            let url = opt_str(a, "generatorURL", &path)?.or(opt_str(a, "dashboardURL", &path)?);
            let severity = labels.get("severity").or_else(|| labels.get("priority")).cloned();
            Ok(Alert { fingerprint, firing, title, description, severity, labels, url })
        })
        .collect()
}

/// Grafana's legacy alert notification; `None` for states that are neither a problem nor its end
/// (`paused`, `pending`).
fn legacy(o: &Map<String, Value>) -> Result<Option<Alert>, Malformed> {
    let firing = match opt_str(o, "state", "")?.as_deref() {
        Some("alerting" | "no_data") => true,
        Some("ok") => false,
        Some("paused" | "pending") => return Ok(None),
        _ => return Err(bad("state", "required: \"alerting\", \"no_data\", \"ok\", \"paused\" or \"pending\"")),
    };
    let rule = opt_str(o, "ruleId", "")?.or(opt_str(o, "ruleName", "")?);
    let Some(rule) = rule else { return Err(bad("ruleId", "required: the rule's id or name")) };
    let org = opt_str(o, "orgId", "")?.unwrap_or_else(|| "0".into());
    let fingerprint = check_fingerprint(&format!("grafana:{org}:{rule}"), "ruleId")?;
    let labels = string_map(o, "tags", "", false)?;
    let title = opt_str(o, "ruleName", "")?.or(opt_str(o, "title", "")?).unwrap_or_default();
    let mut description = opt_str(o, "message", "")?.unwrap_or_default();
    if let Some(Value::Array(matches)) = o.get("evalMatches") {
        for m in matches {
            let metric = m.get("metric").and_then(Value::as_str).unwrap_or("");
            let value = m.get("value").map(|v| v.to_string()).unwrap_or_default();
            description.push_str(&format!("\n{metric} = {value}"));
        }
    }
    let severity = labels.get("severity").cloned();
    let url = opt_str(o, "ruleUrl", "")?;
    Ok(Some(Alert { fingerprint, firing, title, description: description.trim().to_string(), severity, labels, url }))
}

/// The Zabbix media type's JSON (README, "Monitoring alerts"): one event per post.
fn zabbix(o: &Map<String, Value>) -> Result<Alert, Malformed> {
    let firing = match opt_str(o, "status", "")?.map(|s| s.to_ascii_uppercase()).as_deref() {
        Some("PROBLEM") => true,
        Some("RESOLVED" | "OK") => false,
        _ => return Err(bad("status", "required: \"PROBLEM\" or \"RESOLVED\"")),
    };
    // A problem and its recovery share the trigger (and the problem's event id).
    let fingerprint = match (opt_str(o, "trigger_id", "")?, opt_str(o, "event_id", "")?) {
        (Some(t), _) => check_fingerprint(&format!("zabbix:{t}"), "trigger_id")?,
        (None, Some(e)) => check_fingerprint(&format!("zabbix-event:{e}"), "event_id")?,
        (None, None) => return Err(bad("trigger_id", "required: trigger_id or event_id")),
    };
    let host = opt_str(o, "host", "")?;
    let name = opt_str(o, "name", "")?;
    let title = match (&host, &name) {
        (Some(h), Some(n)) => format!("{h}: {n}"),
        (None, Some(n)) => n.clone(),
        (Some(h), None) => h.clone(),
        (None, None) => String::new(),
    };
    let mut labels = BTreeMap::new();
    if let Some(h) = host {
        labels.insert("host".to_string(), h);
    }
    let severity = opt_str(o, "severity", "")?;
    if let Some(s) = &severity {
        labels.insert("severity".to_string(), s.clone());
    }
    let description = opt_str(o, "message", "")?.unwrap_or_default();
    Ok(Alert { fingerprint, firing, title, description, severity, labels, url: opt_str(o, "url", "")? })
}

/// The generic shape: `{"fingerprint", "status", "title", "description", "severity", "labels"}`.
fn generic(o: &Map<String, Value>) -> Result<Alert, Malformed> {
    let Some(fp) = opt_str(o, "fingerprint", "")? else { return Err(bad("fingerprint", "required: a string")) };
    let fingerprint = check_fingerprint(&fp, "fingerprint")?;
    let firing = match opt_str(o, "status", "")?.as_deref() {
        Some("firing") => true,
        Some("resolved") => false,
        _ => return Err(bad("status", "required: \"firing\" or \"resolved\"")),
    };
    let labels = string_map(o, "labels", "", false)?;
    Ok(Alert {
        fingerprint,
        firing,
        title: opt_str(o, "title", "")?.unwrap_or_default(),
        description: opt_str(o, "description", "")?.unwrap_or_default(),
        severity: opt_str(o, "severity", "")?,
        labels,
        url: opt_str(o, "url", "")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_and_fields_named() {
        let am = br#"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Down"},"fingerprint":"f1"}]}"#;
        assert_eq!(parse(am, None).unwrap().format, Format::Alertmanager);
        let gf = br#"{"orgId":1,"alerts":[{"status":"resolved","labels":{"a":"b"}}]}"#;
        let p = parse(gf, None).unwrap();
        assert_eq!((p.format, p.alerts[0].firing), (Format::Grafana, false));
        let bad_labels = br#"{"alerts":[{"status":"firing","labels":{"a":"b"}},{"status":"firing","labels":[1]}]}"#;
        assert_eq!(parse(bad_labels, None).unwrap_err().field, "alerts[1].labels");
        assert_eq!(parse(b"[1]", None).unwrap_err().field, "body");
        assert_eq!(parse(br#"{"fingerprint":"x","status":"on"}"#, None).unwrap_err().field, "status");
        let z =
            br#"{"event_id":"7","trigger_id":"42","status":"RESOLVED","name":"CPU","host":"db1","severity":"High"}"#;
        let a = &parse(z, None).unwrap().alerts[0];
        assert_eq!((a.fingerprint.as_str(), a.firing, a.priority()), ("zabbix:42", false, Priority::High));
        let legacy = br#"{"ruleId":3,"ruleName":"Load","state":"alerting","orgId":1,"evalMatches":[{"metric":"load","value":9}]}"#;
        assert_eq!(parse(legacy, None).unwrap().alerts[0].fingerprint, "grafana:1:3");
    }

    #[test]
    fn severities_map_to_priorities() {
        assert_eq!(priority_for(Some("critical")), Priority::Urgent);
        assert_eq!(priority_for(Some("PAGE")), Priority::Urgent);
        assert_eq!(priority_for(Some("error")), Priority::High);
        assert_eq!(priority_for(Some("warning")), Priority::Normal);
        assert_eq!(priority_for(Some("info")), Priority::Low);
        assert_eq!(priority_for(None), Priority::Normal);
    }
}
