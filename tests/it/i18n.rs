//! Translations: every locale has exactly en's keys, templates use only defined keys, negotiation order.

use std::collections::BTreeSet;

use crate::harness::TestApp;
use meridian::accounts::Role;
use meridian::i18n::{self, I18n};

#[test]
fn every_locale_has_exactly_the_source_keys() {
    let en = i18n::message_ids("en").unwrap();
    assert!(en.len() > 50, "en has {} keys", en.len());
    let locales = i18n::available();
    assert!(locales.contains(&"zh-CN".to_string()), "{locales:?}");
    for l in locales {
        let ids = i18n::message_ids(&l).unwrap();
        let missing: Vec<_> = en.difference(&ids).collect();
        let extra: Vec<_> = ids.difference(&en).collect();
        assert!(missing.is_empty(), "{l} lacks {missing:?}");
        assert!(extra.is_empty(), "{l} has keys en lacks: {extra:?}");
    }
}

fn keys_used_in(dir: &std::path::Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            keys_used_in(&p, out);
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for pat in [".t(\"", ".t1(\"", ".t2(\"", ".tn(\""] {
            for (i, _) in text.match_indices(pat) {
                let rest = &text[i + pat.len()..];
                if let Some(end) = rest.find('"') {
                    out.insert(rest[..end].to_string());
                }
            }
        }
    }
}

#[test]
fn templates_and_code_use_only_defined_keys() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    keys_used_in(&root.join("templates"), &mut used);
    keys_used_in(&root.join("src"), &mut used);
    let en = i18n::message_ids("en").unwrap();
    let undefined: Vec<_> = used.iter().filter(|k| !en.contains(*k) && !k.contains('{')).collect();
    assert!(used.len() > 40, "found {} keys", used.len());
    assert!(undefined.is_empty(), "keys used but not in locales/en: {undefined:?}");
    // Error pages look keys up by code; each code needs a title and a detail.
    for code in [
        "not-found",
        "unauthenticated",
        "forbidden",
        "csrf",
        "validation",
        "bad-request",
        "conflict",
        "precondition-failed",
        "method-not-allowed",
        "rate-limited",
        "payload-too-large",
        "unavailable",
        "internal",
    ] {
        assert!(en.contains(&format!("error-{code}")) && en.contains(&format!("error-{code}-detail")), "{code}");
    }
}

#[test]
fn negotiation_order_user_then_browser_then_tenant_then_english() {
    let i = I18n::load().unwrap();
    assert_eq!(i.negotiate(Some("zh-CN"), Some("en-US,en;q=0.9"), Some("en")), "zh-CN");
    assert_eq!(i.negotiate(None, Some("zh-CN,zh;q=0.9,en;q=0.5"), Some("en")), "zh-CN");
    assert_eq!(i.negotiate(None, Some("zh"), None), "zh-CN", "a bare language finds its regional locale");
    assert_eq!(
        i.negotiate(None, Some("fr-FR,de;q=0.8"), Some("zh-CN")),
        "zh-CN",
        "tenant default when the browser's are unavailable"
    );
    assert_eq!(i.negotiate(None, None, None), "en");
    assert_eq!(i.negotiate(Some("xx"), Some("garbage;;;"), Some("yy")), "en");
}

async fn console_speaks_the_negotiated_language(app: TestApp) {
    let (tenant, email, pw) = app.seed_tenant_with("huanan", "zh-CN", Role::Owner);
    let c = app.client();
    let html = c
        .get(app.url("/login"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("登录"), "{html}");
    // Signed in with no preference and no header: the tenant's default (zh-CN).
    let (client, csrf) = app.signed_in("huanan", &email, &pw).await;
    let inbox = client.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("收件箱") && inbox.contains("还没有工单"), "{inbox}");
    // The agent's own preference beats the browser's and the tenant's.
    client
        .post(app.url("/profile"))
        .form(&[("name", "Wang"), ("locale", "en"), ("time_zone", ""), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let inbox =
        client.get(app.url("/inbox")).header("accept-language", "zh-CN").send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("No tickets yet"), "{inbox}");
    // Error pages are translated too.
    let (_, e2, p2) = app.add_agent(&tenant, "Li", Role::Agent);
    let (c2, _) = app.signed_in("huanan", &e2, &p2).await;
    let forbidden = c2.get(app.url("/admin/agents")).send().await.unwrap();
    assert_eq!(forbidden.status(), 403);
    assert!(forbidden.text().await.unwrap().contains("无权操作"));
}
both!(console_speaks_the_negotiated_language);
