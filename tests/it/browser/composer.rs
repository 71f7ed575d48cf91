//! The Markdown composer in a real browser, in English and Chinese at laptop and phone widths:
//! typed Markdown previews formatted (rendered by the server), an image pasted and one dropped
//! go into the text and show in the preview, a file that is not an image is refused beside the
//! draft without losing it, and the sent message shows formatted with its image in the timeline;
//! axe-core finds nothing serious on the way.

use anyhow::{ensure, Context, Result};
use meridian::accounts::Role;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};
use serde_json::Value;

use super::console::WAIT;
use super::console_pages::{axe_source, AXE_JS, OVERFLOW_JS};
use super::tickets::{sign_in, wait_js};
use super::{launch, Browser, Until};
use crate::harness::{Backend, TestApp};

/// Hands `#body` a file as the clipboard or a drop would: `arguments[0]` is the event, then the
/// file's base64 bytes, name and type.
const GIVE_FILE_JS: &str = r#"
const [how, b64, name, type] = arguments;
const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const dt = new DataTransfer();
dt.items.add(new File([bytes], name, { type }));
const body = document.getElementById("body");
body.focus();
body.setSelectionRange(body.value.length, body.value.length);
const ev = how === "paste"
  ? new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true })
  : new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true });
body.dispatchEvent(ev);
return ev.defaultPrevented;
"#;

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn give(b: &Browser, how: &str, bytes: &[u8], name: &str, mime: &str) -> Result<()> {
    let taken = b.execute_with(GIVE_FILE_JS, vec![how.into(), b64(bytes).into(), name.into(), mime.into()]).await?;
    ensure!(taken == Value::Bool(true), "the composer did not take the {how}ed file");
    Ok(())
}

async fn axe(b: &Browser, axe: &Option<String>, at: &str) -> Result<()> {
    let Some(src) = axe else { return Ok(()) };
    b.execute(src).await.context("injecting axe-core")?;
    let found = b.execute_async(AXE_JS, vec![]).await?;
    ensure!(found.as_array().is_some_and(|a| a.is_empty()), "{at}: axe: {found}");
    Ok(())
}

async fn set_locale(app: &TestApp, email: &str, pw: &str, locale: &str) {
    let (c, csrf) = app.signed_in("acme", email, pw).await;
    let form = [("_csrf", csrf.as_str()), ("name", "acme Owner"), ("locale", locale), ("time_zone", "UTC")];
    let r = c.post(app.url("/profile")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303, "setting the locale to {locale}");
}

async fn composer_in_the_browser(backend: Backend) -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let Some(app) = TestApp::start(backend).await else { return Ok(()) };
    let (t, email, pw) = app.seed_tenant_with("acme", "en", Role::Owner);
    let axe_js = axe_source();
    sign_in(&b, &app, "acme", &email, &pw).await?;
    for (locale, width, height) in
        [("en", 1366u32, 900u32), ("en", 390, 844), ("zh-CN", 1366, 900), ("zh-CN", 390, 844)]
    {
        let at = format!("{locale} {width}px");
        set_locale(&app, &email, &pw, locale).await;
        b.set_window_size(width, height).await?;
        let tk = app.open_ticket(
            &t,
            NewTicket {
                subject: format!("Screenshot please ({at})"),
                body_text: "Where is the button?".into(),
                body_html: None,
                requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria".into()) },
                priority: Priority::Normal,
                tags: vec![],
                language: None,
                channel: Channel::Email,
                assignee_id: None,
                team_id: None,
            },
        );
        b.goto(&app.url(&format!("/tickets/{}", tk.number))).await?;
        b.wait_for(Until::Css("#composer"), WAIT).await?;
        b.send_keys(&b.find("#body").await?, "Press **Save** then:\n\n- open *Settings*\n- pick `Export`\n").await?;

        // The preview, from the keyboard: focus the button and press Enter.
        b.execute("document.getElementById('preview-toggle').focus()").await?;
        b.press_key("\u{E007}").await?;
        wait_js(
            &b,
            "the formatted preview",
            "const p = document.querySelector('#preview .body'); \
             return [!document.getElementById('preview').hidden && p.querySelector('strong')?.textContent === 'Save' \
               && p.querySelectorAll('li').length === 2 && p.querySelector('code')?.textContent === 'Export', p.innerHTML];",
            WAIT,
        )
        .await
        .with_context(|| at.clone())?;
        let expanded =
            b.execute("return document.getElementById('preview-toggle').getAttribute('aria-expanded')").await?;
        ensure!(expanded == "true", "{at}: aria-expanded is {expanded}");

        // A pasted image and a dropped one go into the text and show in the preview.
        give(&b, "paste", crate::composer::PNG, "shot.png", "image/png").await?;
        wait_js(
            &b,
            "the pasted image in the text",
            "const v = document.getElementById('body').value; return [v.includes('![shot.png](/attachments/'), v];",
            WAIT,
        )
        .await?;
        give(&b, "drop", crate::composer::PNG, "dropped.png", "image/png").await?;
        wait_js(
            &b,
            "the dropped image in the text",
            "const v = document.getElementById('body').value; return [v.includes('![dropped.png](/attachments/'), v];",
            WAIT,
        )
        .await?;
        wait_js(
            &b,
            "both images loaded in the preview",
            "const i = [...document.querySelectorAll('#preview img')]; return [i.length === 2 && i.every((x) => x.complete && x.naturalWidth === 1), i.length];",
            WAIT,
        )
        .await
        .with_context(|| at.clone())?;

        // Not an image: a clear error beside the draft, which stays as it was.
        let before = b.execute("return document.getElementById('body').value").await?;
        give(&b, "drop", b"plain words", "notes.txt", "text/plain").await?;
        wait_js(&b, "the refusal", "const e = document.getElementById('upload-error'); return [!e.hidden && e.textContent.length > 0, e.textContent];", WAIT).await?;
        let after = b.execute("return document.getElementById('body').value").await?;
        ensure!(before == after, "{at}: the draft changed: {before} → {after}");
        let msg = b.text("#upload-error").await?;
        let want = if locale == "en" { "Only PNG, JPEG, GIF or WebP" } else { "只能插入" };
        ensure!(msg.contains(want), "{at}: {msg}");

        axe(&b, &axe_js, &at).await?;
        if let Some(o) = b.execute(OVERFLOW_JS).await?.as_str() {
            anyhow::bail!("{at}: {o}");
        }

        // Sent: the timeline shows the formatted message with both images.
        b.click(&b.find("#composer button[type=submit]").await?).await?;
        b.wait_for(Until::Css("#sent-notice"), WAIT).await?;
        wait_js(
            &b,
            "the sent message formatted, with its images",
            "const m = [...document.querySelectorAll('#timeline .msg')].pop(); \
             const i = [...m.querySelectorAll('.body img')]; \
             return [m.querySelector('.body strong')?.textContent === 'Save' && i.length === 2 \
               && i.every((x) => x.complete && x.naturalWidth === 1), m.innerHTML.slice(0, 400)];",
            WAIT,
        )
        .await
        .with_context(|| at.clone())?;
        ensure!(
            b.execute("return document.getElementById('body').value").await? == "",
            "{at}: the sent draft came back"
        );
        axe(&b, &axe_js, &format!("{at} after sending")).await?;
        if let Some(o) = b.execute(OVERFLOW_JS).await?.as_str() {
            anyhow::bail!("{at} after sending: {o}");
        }
    }
    let log = b.browser_log().await?.unwrap_or_default();
    let errors: Vec<_> = log
        .iter()
        .filter(|e| e.level == "SEVERE" && !e.message.contains("/images"))
        .map(|e| e.message.clone())
        .collect();
    ensure!(errors.is_empty(), "console errors: {errors:?}");
    Ok(())
}

#[actix_web::test]
async fn composer_in_the_browser_sqlite() -> Result<()> {
    composer_in_the_browser(Backend::Sqlite).await
}

#[actix_web::test]
async fn composer_in_the_browser_postgres() -> Result<()> {
    composer_in_the_browser(Backend::Postgres).await
}
