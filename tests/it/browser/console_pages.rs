//! Every console page in headless Chromium, at 1366×900 and 390×844, in English and Chinese: no
//! text outside the Fluent catalogue, no pill or header broken per character, no sideways scroll,
//! and no serious or critical axe-core violation.

use std::path::PathBuf;

use anyhow::{bail, ensure, Context, Result};
use meridian::accounts::Role;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};
use serde_json::{json, Value};

use super::console::WAIT;
use super::{launch, Browser, Until};
use crate::harness::{Backend, TestApp};

/// A requester address long enough to push any layout that does not break or truncate it.
pub(super) const LONG_EMAIL: &str =
    "wang.fang.accounts.payable.department.head.office@a-very-long-customer-domain-name.example.com";

/// Words that stay as they are in every language: the product, protocol and format names that are
/// not all capitals (those always pass), and the endonym of English in the language picker.
const ALLOWED: &[&str] =
    &["Meridian", "OpenAPI", "Webhook", "Webhooks", "Cookie", "Bearer", "Authorization", "English", "Markdown", "WebP"];

/// Finds text on the page that no Fluent message produced. Text inside `code`, `pre`, `kbd`,
/// `bdi` or `dir=auto` is user or technical data, as is anything marked `lang="en"` (the OpenAPI
/// document's own English); `userData` strings are removed before the scan, and so are technical
/// tokens a translation keeps (addresses, URLs, paths, zone names, identifiers with `_`, `data-`
/// attributes, names in capitals). What is left may not hold a run of three or more ASCII letters
/// unless it is an allowed word: any English sentence or label in a template is caught.
const UNTRANSLATED_JS: &str = r#"
const [allowed, userData] = arguments;
const skip = "code, pre, kbd, samp, bdi, [dir=auto], script, style, datalist, [lang]:not(html)";
const found = [];
const scan = (text, where) => {
  let t = text;
  for (const u of userData) t = t.split(u).join(" ");
  for (const re of [/[\w.+-]+@[\w.-]+/g, /[a-z][a-z0-9+.-]*:\/\/\S*/gi, /(^|[\s(（])\/\S*/g,
                    /\b[A-Z][a-z]+\/[A-Za-z_\/+-]+/g, /\b\w*_[\w:]*\b/g, /\bdata-[\w-]+/g, /\b[A-Z][A-Z0-9-]+\b/g]) {
    t = t.replace(re, " ");
  }
  for (const m of t.matchAll(/[A-Za-z]{3,}/g)) {
    if (!allowed.includes(m[0])) found.push(`${where}: ${m[0]} in ${JSON.stringify(text.trim().slice(0, 80))}`);
  }
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (n.parentElement && !n.parentElement.closest(skip)) scan(n.textContent, n.parentElement.tagName.toLowerCase());
}
for (const el of document.querySelectorAll("[title], [placeholder], [aria-label], img[alt], input[type=submit][value]")) {
  if (el.closest(skip)) continue;
  for (const a of ["title", "placeholder", "aria-label", "alt"]) if (el.hasAttribute(a)) scan(el.getAttribute(a), `@${a}`);
}
scan(document.title, "title");
return found;
"#;

/// Pills, headers, buttons and nav entries with a piece of text that runs over more than one line
/// (code such as API paths may wrap; screen-reader-only text is not laid out for the eye).
const WRAPPED_JS: &str = r#"
const out = [];
for (const el of document.querySelectorAll(".status, .badge, th, .views a, button, a.button, nav a, .chips > span, .pager a")) {
  if (!el.getBoundingClientRect().width) continue;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim() || n.parentElement.closest("code, .sr")) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const tops = new Set([...range.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
    if (tops.size > 1) out.push(`${el.tagName.toLowerCase()}.${el.className}: ${JSON.stringify(n.textContent.trim())} on ${tops.size} lines`);
  }
}
return out;
"#;

/// The page's horizontal overflow: scroll width against the viewport, and what sticks out.
pub(super) const OVERFLOW_JS: &str = r#"
const w = document.documentElement.clientWidth;
const sw = document.documentElement.scrollWidth;
if (sw <= w + 1) return null;
const culprits = [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== "absolute")
  .slice(-3).map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`);
return `page is ${sw} px wide in a ${w} px viewport: ${culprits.join(", ")}`;
"#;

/// Runs axe-core (already injected) and reports serious and critical violations.
pub(super) const AXE_JS: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"] }).then((r) => {
  done(r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) =>
    `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`));
}).catch((e) => done([`axe failed: ${e}`]));
"#;

/// The axe-core script `.ci/run` installs (pinned), or `None` outside CI when it is missing.
pub(super) fn axe_source() -> Option<String> {
    let path = std::env::var_os("MERIDIAN_AXE").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/meridian-axe/node_modules/axe-core/axe.min.js")
    });
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("axe-core must be installed in CI ({}): {e}", path.display())
        }
        Err(_) => {
            eprintln!("skipping the axe-core checks: {} not found (bash .ci/run installs it)", path.display());
            None
        }
    }
}

/// The text on the current page that is not from the catalogue (see `UNTRANSLATED_JS`).
pub(super) async fn untranslated(b: &Browser, user_data: &[&str]) -> Result<Vec<String>> {
    let v = b.execute_with(UNTRANSLATED_JS, vec![json!(ALLOWED), json!(user_data)]).await?;
    Ok(strings(&v))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Sign in through the form and wait for the inbox (which may hold tickets).
/// A desk with a Chinese-speaking owner, a second agent, a team and tickets with Chinese text.
async fn chinese_desk(app: &TestApp) -> Result<(i64, String, String, String)> {
    let (t, email, pw) = app.seed_tenant_with("shop", "zh-CN", Role::Owner);
    app.add_agent(&t, "Li", Role::Agent);
    app.state.db.write_blocking(|c| meridian::tickets::teams::create(c, &t.tenant_id(), "售后团队")).expect("team");
    let input = meridian::tickets::macros::MacroInput {
        name: Some("退款说明".into()),
        bodies: Some([("zh-CN".to_string(), "{{requester.name}}您好，退款将在三个工作日内到账。".to_string())].into()),
        status: Some(Some("pending".into())),
        add_tags: Some(vec!["退款".into()]),
        ..Default::default()
    };
    app.state.db.write_blocking(|c| meridian::tickets::macros::create(c, &t.tenant_id(), &input)).expect("macro");
    let mut first = 0;
    for (i, subject) in ["打印机着火了，请尽快派人", "发票抬头需要修改", "退款还没有到账"].iter().enumerate()
    {
        let tk = app.open_ticket(
            &t,
            NewTicket {
                subject: subject.to_string(),
                body_text: "您好，我们的订单有问题，请帮忙处理。".into(),
                body_html: None,
                requester: Requester::Email { email: LONG_EMAIL.into(), name: Some("王芳".into()) },
                priority: [Priority::Urgent, Priority::Normal, Priority::Low][i],
                tags: vec!["发票".into()],
                language: Some("zh-CN".into()),
                channel: Channel::Email,
                assignee_id: None,
                team_id: None,
            },
        );
        if i == 0 {
            first = tk.number;
        }
    }
    let article = meridian::kb::articles::NewArticle {
        section_id: None,
        visibility: meridian::kb::Visibility::Internal,
        translations: vec![meridian::kb::articles::TranslationIn {
            locale: Some("zh-CN".into()),
            title: "订单有问题时的处理流程".into(),
            body_markdown: "先核对**订单号**，再联系仓库。".into(),
            keywords: vec![],
            status: Some(meridian::kb::Status::Published),
        }],
    };
    let id = app
        .state
        .db
        .write_blocking(move |c| {
            meridian::kb::articles::create(c, &t.tenant_id(), &meridian::tickets::Actor::System, &article)
        })
        .expect("article")
        .id;
    Ok((first, email, pw, id))
}

/// The organisation of [`LONG_EMAIL`].
const LONG_DOMAIN: &str = "a-very-long-customer-domain-name.example.com";

/// The console pages an owner can open, with something on each; `contact` is the requester of
/// the tickets and `other` a second contact to preview a merge with.
fn pages(ticket: i64, article: &str, contact: &str, other: &str) -> Vec<String> {
    let mut p: Vec<String> = [
        "/inbox",
        "/inbox?view=all_open",
        "/inbox?view=pending",
        "/tickets/new",
        "/profile",
        "/api-reference",
        "/admin/agents",
        "/admin/teams",
        "/admin/macros",
        "/admin/routing",
        "/admin/tokens",
        "/admin/jobs",
        "/admin/email",
        "/admin/chat",
        "/admin/webhooks",
        "/admin/email/failed",
        "/tickets/999999",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    p.insert(3, format!("/tickets/{ticket}"));
    // The search over everything: ticket hits quoting a message, and an article hit.
    p.push("/search?q=%E8%AE%A2%E5%8D%95%E6%9C%89%E9%97%AE%E9%A2%98".into());
    p.push("/search".into());
    p.push(format!("/kb/articles/{article}/read"));
    p.extend([
        "/contacts".to_string(),
        format!("/contacts/{contact}"),
        format!("/contacts/{contact}/merge?q=%E6%9D%8E"),
        format!("/contacts/{contact}/merge?with={other}"),
        "/organizations".to_string(),
        format!("/organizations/{LONG_DOMAIN}"),
    ]);
    p
}

/// The knowledge-base pages, with a category, a section and an article written in Chinese and
/// translated into English (so the editor shows a source beside the form, and an outdated flag).
fn kb_pages(app: &TestApp) -> Result<Vec<String>> {
    use meridian::kb::articles::{self, NewArticle, TranslationIn};
    use meridian::kb::structure::{self, NameIn};
    let id = app.state.db.write_blocking(|c| {
        let tid = meridian::tenancy::by_slug(c, "shop")?.tenant_id();
        let name = |n: &str| vec![NameIn { locale: "zh-CN".into(), name: n.into(), description: None }];
        let cat = structure::create_category(c, &tid, None, &name("账单与付款"))?;
        structure::create_category(c, &tid, None, &name("账户"))?;
        let sec = structure::create_section(c, &tid, &cat.id, None, &name("发票"))?;
        structure::create_section(c, &tid, &cat.id, None, &name("退款"))?;
        let tr = |locale: &str, title: &str, body: &str| TranslationIn {
            locale: Some(locale.into()),
            title: title.into(),
            body_markdown: body.into(),
            keywords: vec!["发票".into()],
            status: None,
        };
        let new = NewArticle {
            section_id: Some(sec.id),
            visibility: meridian::kb::Visibility::Public,
            translations: vec![tr("zh-CN", "如何下载发票", "打开**账单**页面，选择月份。")],
        };
        let a = articles::create(c, &tid, &meridian::types::Actor::System, &new)?;
        articles::put_translation(
            c,
            &tid,
            &a.id,
            "en",
            &meridian::types::Actor::System,
            &tr("en", "如何下载发票 (en)", "打开账单页面。"),
        )?;
        let mut changed = tr("zh-CN", "如何下载发票", "打开**账单**页面，选择月份，然后下载。");
        changed.locale = None;
        articles::put_translation(c, &tid, &a.id, "zh-CN", &meridian::types::Actor::System, &changed)?;
        meridian::kb::editing::schedule(
            c,
            &tid,
            &a.id,
            "en",
            chrono::Utc::now().naive_utc() + chrono::Duration::days(3),
        )?;
        Ok(a.id)
    })?;
    Ok(vec![
        "/kb".into(),
        "/kb?status=draft".into(),
        "/kb/structure".into(),
        "/kb/articles/new".into(),
        format!("/kb/articles/{id}"),
        format!("/kb/articles/{id}?locale=en"),
        format!("/kb/articles/{id}?locale=pt-BR"),
        format!("/kb/articles/{id}/translations/zh-CN/versions/1/diff"),
    ])
}

/// The requester of the desk's tickets, and a second contact (both ids).
fn contacts_of_desk(app: &TestApp) -> Result<(String, String)> {
    Ok(app.state.db.write_blocking(|c| {
        let t = meridian::tenancy::by_slug(c, "shop")?.tenant_id();
        let first = meridian::accounts::contacts::by_email(c, &t, LONG_EMAIL)?.expect("requester");
        let other = meridian::accounts::contacts::create(c, &t, Some("li.na@qq.com"), "李娜", Some("zh-CN"))?;
        meridian::accounts::contacts::set_notes(c, &t, first.id.as_str(), "喜欢邮件联系。")?;
        Ok((first.id.to_string(), other.id.to_string()))
    })?)
}

/// The agent's interface language, set as an agent would (the profile form).
async fn set_locale(app: &TestApp, email: &str, pw: &str, name: &str, locale: &str) {
    let (c, csrf) = app.signed_in("shop", email, pw).await;
    let r = c
        .post(app.url("/profile"))
        .form(&[("_csrf", csrf.as_str()), ("name", name), ("locale", locale), ("time_zone", "Asia/Shanghai")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "setting the locale to {locale}");
}

#[actix_web::test]
async fn every_console_page_is_translated_fits_and_passes_axe() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (ticket, email, pw, article) = chinese_desk(&app).await?;
    let (contact, other) = contacts_of_desk(&app)?;
    // The page behind a password-reset link, for the owner (whose language it speaks).
    let reset = app.state.db.write_blocking(|c| {
        let t = meridian::tenancy::by_slug(c, "shop")?;
        let owner = meridian::accounts::agents::by_email(c, &t.tenant_id(), &email)?.expect("owner");
        let (_, secret) = meridian::accounts::links::issue(
            c,
            &t.tenant_id(),
            &owner.id,
            meridian::accounts::links::Purpose::Reset,
            None,
        )?;
        Ok(format!("/password/shop/{secret}"))
    })?;
    let kb = kb_pages(&app)?;
    let axe = axe_source();
    // User data the pages show as it is (the workspace's and agents' names, the address).
    let user_data = ["shop Support", "shop Owner", LONG_EMAIL, LONG_DOMAIN, "zh-CN"];
    let mut problems = Vec::new();
    super::tickets::sign_in(&b, &app, "shop", &email, &pw).await?;
    for locale in ["zh-CN", "en"] {
        set_locale(&app, &email, &pw, "shop Owner", locale).await;
        for (width, height) in [(1366u32, 900u32), (390, 844)] {
            b.set_window_size(width, height).await?;
            for path in
                pages(ticket, &article, &contact, &other).into_iter().chain(kb.iter().cloned()).chain([reset.clone()])
            {
                b.goto(&app.url(&path)).await?;
                b.wait_for(Until::Css("main"), WAIT).await.with_context(|| format!("opening {path}"))?;
                let at = format!("{locale} {width}px {path}");
                if locale == "zh-CN" {
                    for u in untranslated(&b, &user_data).await? {
                        problems.push(format!("{at}: not from the catalogue: {u}"));
                    }
                }
                for w in strings(&b.execute(WRAPPED_JS).await?) {
                    problems.push(format!("{at}: wraps: {w}"));
                }
                if let Some(o) = b.execute(OVERFLOW_JS).await?.as_str() {
                    problems.push(format!("{at}: {o}"));
                }
                if let Some(axe) = &axe {
                    b.execute(axe).await.context("injecting axe-core")?;
                    for v in strings(&b.execute_async(AXE_JS, vec![]).await?) {
                        problems.push(format!("{at}: axe: {v}"));
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        bail!("{} problems:\n{}", problems.len(), problems.join("\n"));
    }
    Ok(())
}

#[actix_web::test]
async fn the_catalogue_check_catches_hard_coded_english() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (ticket, email, pw, _) = chinese_desk(&app).await?;
    set_locale(&app, &email, &pw, "shop Owner", "zh-CN").await;
    super::tickets::sign_in(&b, &app, "shop", &email, &pw).await?;
    b.goto(&app.url(&format!("/tickets/{ticket}"))).await?;
    b.wait_for(Until::Css("#properties"), WAIT).await?;
    let user_data = ["shop Support", "shop Owner", LONG_EMAIL];
    let clean = untranslated(&b, &user_data).await?;
    ensure!(clean.is_empty(), "the Chinese ticket page should be clean: {clean:?}");
    // A string a template could have hard-coded, as text, as an attribute, and next to user data.
    b.execute(
        "document.querySelector('#properties').insertAdjacentHTML('afterbegin', \
         '<p>Save changes</p><input placeholder=\"Search tickets\"><span>王芳 waiting</span>');",
    )
    .await?;
    let found = untranslated(&b, &user_data).await?;
    for word in ["Save", "changes", "Search", "tickets", "waiting"] {
        ensure!(found.iter().any(|f| f.contains(&format!(": {word} in"))), "{word} not caught: {found:?}");
    }
    // The axe-core check fails on a page with a critical violation (a button without a name).
    if let Some(axe) = axe_source() {
        b.execute(axe.as_str()).await?;
        ensure!(strings(&b.execute_async(AXE_JS, vec![]).await?).is_empty(), "the page passes before the change");
        b.execute("document.querySelector('#properties').insertAdjacentHTML('afterbegin', '<button></button>')")
            .await?;
        let v = strings(&b.execute_async(AXE_JS, vec![]).await?);
        ensure!(v.iter().any(|v| v.starts_with("button-name (critical)")), "axe missed a nameless button: {v:?}");
    }
    Ok(())
}
