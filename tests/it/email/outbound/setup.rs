//! The tenant's email setup page: admins only, per tenant; From, name and signature; a DKIM key
//! that signs mail (verified here against the published record); the test message.

use super::super::sink::Sink;
use super::super::*;
use super::*;
use crate::harness::{meta_csrf, TestApp};
use meridian::accounts::Role;
use meridian::email::outbound;

const KEY: &str = include_str!("../dkim_test_key.pem");

/// The setup page: admins only, per tenant; settings change From, name and signature; a DKIM
/// key signs mail (verified here) and its TXT record is shown; the test message goes out and is
/// noticed when it comes back in.
async fn email_setup(app: TestApp, sink: Sink) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (_, b_email, b_pw) = app.seed_tenant("beta");
    let (_, a_email, a_pw) = app.add_agent(&acme, "Ana", Role::Agent);
    let (agent, _) = app.signed_in("acme", &a_email, &a_pw).await;
    let r = agent.get(app.url("/admin/email")).send().await.unwrap();
    assert_eq!(r.status(), 403, "agents do not see the setup");
    let csrf_agent = meta_csrf(&agent.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap()).unwrap();
    for path in ["/admin/email/test", "/admin/email"] {
        let r = agent
            .post(app.url(path))
            .form(&[
                ("_csrf", csrf_agent.as_str()),
                ("support_address", "x@evil.example"),
                ("display_name", "x"),
                ("signature", ""),
                ("dkim_selector", ""),
                ("dkim_private_key", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }

    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = client.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("acme@{DOMAIN}")));
    let t = acme.tenant_id();
    let secret = app.state.db.write_blocking(|c| meridian::email::store::inbound_secret(c, &t)).unwrap();
    assert!(page.contains(&secret), "the inbound secret is shown");
    assert!(!page.contains("data-testid=\"mail-banner\""));

    // A bad key is refused with its field and changes nothing.
    let form = |key: &str, csrf: &str| {
        vec![
            ("_csrf".to_string(), csrf.to_string()),
            ("support_address".into(), "help@acme.example".into()),
            ("display_name".into(), "Acme Help".into()),
            ("signature".into(), "The Acme team".into()),
            ("dkim_selector".into(), "s2026".into()),
            ("dkim_private_key".into(), key.to_string()),
        ]
    };
    let r = client.post(app.url("/admin/email")).form(&form("not a key", &csrf)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("RSA private key"), "the page says what is wrong");
    let t = acme.tenant_id();
    assert!(app.state.db.read(move |c| outbound::settings::get(c, &t)).await.unwrap().support_address.is_none());
    let r = client.post(app.url("/admin/email")).form(&form(KEY, &csrf)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = client.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("s2026._domainkey.acme.example"), "the TXT record's name");
    let record = page.split("data-testid=\"dkim-record\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(record.starts_with("v=DKIM1; k=rsa; p="));
    assert!(!page.contains("PRIVATE KEY-----\nMII"), "the private key is never shown back");

    // Another tenant's admin sees only their own setup, and their test goes to their address.
    let (other, other_csrf) = app.signed_in("beta", &b_email, &b_pw).await;
    let page = other.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("beta@{DOMAIN}")) && !page.contains("acme.example") && !page.contains(&secret));
    // Their save changes only their own settings.
    let r = other
        .post(app.url("/admin/email"))
        .form(&[
            ("_csrf", other_csrf.as_str()),
            ("support_address", "help@beta.example"),
            ("display_name", "Beta"),
            ("signature", ""),
            ("dkim_selector", ""),
            ("dkim_private_key", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let t = acme.tenant_id();
    let mine = app.state.db.read(move |c| outbound::settings::get(c, &t)).await.unwrap();
    assert_eq!(mine.support_address.as_deref(), Some("help@acme.example"));
    assert!(mine.dkim_private_key.is_some());

    // Mail now comes from the support address, signed and signed correctly.
    carol_writes(&app, &acme).await;
    let ack = sink.wait_accepted(1).await[0].clone();
    assert!(ack.header("From").unwrap().contains("Acme Help\" <help@acme.example>"), "{:?}", ack.header("From"));
    assert!(ack.text().contains("The Acme team"), "{}", ack.text());
    dkim_verify(&ack.data, &record).expect("the signature verifies with the published key");
    let tampered = String::from_utf8(ack.data.clone()).unwrap().replace("The Acme team", "The Evil team");
    assert!(dkim_verify(tampered.as_bytes(), &record).is_err(), "a changed body fails the check");
    let tampered = String::from_utf8(ack.data.clone()).unwrap().replacen("Subject: ", "Subject: X", 1);
    assert!(dkim_verify(tampered.as_bytes(), &record).is_err(), "a changed header fails the check");

    // The test message: out through the relay to the forwarding address, back in, noted.
    let r = client.post(app.url("/admin/email/test")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let test = sink.wait_accepted(2).await[1].clone();
    assert_eq!(test.rcpts, vec![format!("acme@{DOMAIN}")]);
    let r = other.post(app.url("/admin/email/test")).form(&[("_csrf", other_csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(sink.wait_accepted(3).await[2].rcpts, vec![format!("beta@{DOMAIN}")]);
    // The relay would deliver it to us: hand its bytes to our listener.
    let file = app.dir.path().join("test-back.eml");
    std::fs::write(&file, &test.data).unwrap();
    let report = smtp_files(&app, &test.from, &[&format!("acme@{DOMAIN}")], vec![file.display().to_string()]).await;
    accepted(&report["results"][0]);
    settled(&app, &acme).await;
    let page = client.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"test-arrived\""), "the page shows it arrived");
    let tok = token_for(&app, &acme);
    assert_eq!(tickets(&app, &tok).await.len(), 1, "the test opened no ticket");
}
both_sink!(email_setup, []);

/// Check a DKIM-Signature (rsa-sha256, relaxed/relaxed) against the published record.
fn dkim_verify(raw: &[u8], record: &str) -> Result<(), String> {
    use base64::Engine;
    use rsa::pkcs8::DecodePublicKey;
    use sha2::{Digest, Sha256};
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = String::from_utf8(raw.to_vec()).expect("ASCII message");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers and body");
    // Unfolded headers, in order.
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push_str("\r\n");
            last.1.push_str(line);
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.to_string(), v.to_string()));
        }
    }
    let relaxed = |name: &str, value: &str| {
        let v = value.replace("\r\n", "");
        format!("{}:{}", name.to_ascii_lowercase().trim(), v.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let sig = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("DKIM-Signature")).expect("signed").clone();
    let tags: std::collections::HashMap<String, String> = sig
        .1
        .replace("\r\n", "")
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.split_whitespace().collect::<String>()))
        .collect();
    assert_eq!(tags["a"], "rsa-sha256");
    assert_eq!(tags["c"], "relaxed/relaxed");
    assert_eq!(tags["d"], "acme.example");
    assert_eq!(tags["s"], "s2026");
    // Body hash, relaxed: whitespace runs to one space, none at line ends, no trailing empty lines.
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|l| l.split([' ', '\t']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "))
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let canon_body = lines.iter().map(|l| format!("{l}\r\n")).collect::<String>();
    if b64.encode(Sha256::digest(canon_body.as_bytes())) != tags["bh"] {
        return Err("body hash differs".into());
    }
    // Signed headers, then the signature header with an empty b=.
    let mut signed = String::new();
    for name in tags["h"].split(':') {
        let (n, v) = headers.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(name.trim())).expect("signed header");
        signed.push_str(&relaxed(n, v));
        signed.push_str("\r\n");
    }
    let unsigned = {
        // Everything up to the value of the b= tag (the last tag; base64 holds no ';').
        let v = sig.1.replace("\r\n", "");
        let at = v.match_indices(';').map(|(i, _)| i).rfind(|&i| v[i + 1..].trim_start().starts_with("b="));
        let at = at.expect("a b= tag");
        let b = at + 1 + v[at + 1..].find("b=").unwrap();
        format!("{}b=", &v[..b])
    };
    signed.push_str(&relaxed(&sig.0, &unsigned));
    let p = record.split("p=").nth(1).unwrap();
    let key = rsa::RsaPublicKey::from_public_key_der(&b64.decode(p).unwrap()).expect("the record's key");
    let hashed = Sha256::digest(signed.as_bytes());
    key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &hashed, &b64.decode(&tags["b"]).unwrap()).map_err(|e| e.to_string())
}
