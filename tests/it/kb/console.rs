//! The knowledge base in the console, through its forms with a signed-in session: writing,
//! translating and publishing (seen on the help center), outdated translations, stale saves,
//! history, scheduled publishing, the sanitised preview, refused forms, the table of contents'
//! order, and another tenant's ids.

use chrono::TimeZone;
use meridian::kb::structure::{self, NameIn};
use reqwest::Client;

use crate::harness::{field_value, TestApp};

/// A signed-in owner of a new tenant `slug` (zone Europe/Lisbon); (client, csrf).
pub(super) async fn desk(app: &TestApp, slug: &str) -> (meridian::tenancy::Tenant, Client, String) {
    let (t, email, pw) = app.seed_tenant(slug);
    let (c, csrf) = app.signed_in(slug, &email, &pw).await;
    (t, c, csrf)
}

/// POST a console form; (status, Location or "", body).
pub(super) async fn post(
    app: &TestApp,
    c: &Client,
    path: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf)];
    form.extend_from_slice(fields);
    let res = c.post(app.url(path)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

pub(super) async fn get(app: &TestApp, c: &Client, path: &str) -> (u16, String) {
    let res = c.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// A public page of the help center: its status.
async fn help(app: &TestApp, path: &str) -> (u16, String) {
    get(app, &app.client(), path).await
}

/// Create an article in the console; its id.
pub(super) async fn new_article(
    app: &TestApp,
    c: &Client,
    csrf: &str,
    title: &str,
    body: &str,
    status: &str,
) -> String {
    let (s, loc, html) = post(
        app,
        c,
        "/kb/articles/new",
        csrf,
        &[
            ("locale", "en"),
            ("title", title),
            ("body_markdown", body),
            ("keywords", "password, login"),
            ("status", status),
            ("section_id", ""),
            ("visibility", "public"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    let id = loc.strip_prefix("/kb/articles/").and_then(|l| l.strip_suffix("?saved=1")).expect("editor address");
    id.to_string()
}

/// The version the editor's text form was read at.
pub(super) async fn version(app: &TestApp, c: &Client, id: &str, locale: &str) -> String {
    let (s, html) = get(app, c, &format!("/kb/articles/{id}?locale={locale}")).await;
    assert_eq!(s, 200, "{html}");
    field_value(&html, "version").expect("version field")
}

pub(super) fn text<'a>(title: &'a str, body: &'a str, status: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("body_markdown", body),
        ("keywords", ""),
        ("status", status),
        ("version", version),
        ("action", "save"),
    ]
}

/// The translation badges of one article's row in the list.
fn row<'a>(list: &'a str, id: &str) -> &'a str {
    let start = list.find(&format!("data-article=\"{id}\"")).expect("the article's row");
    let rest = &list[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

async fn authoring(app: TestApp) {
    let (_t, c, csrf) = desk(&app, "alpha").await;
    let (s, html) = get(&app, &c, "/kb").await;
    assert_eq!(s, 200);
    assert!(html.contains("data-testid=\"kb-empty\"") && html.contains("href=\"/kb\" aria-current=\"page\""), "{html}");

    // Written as a draft: agents see it, readers do not; published: readers do.
    let id = new_article(&app, &c, &csrf, "Reset your password", "Open **Settings**.", "draft").await;
    assert_eq!(help(&app, &format!("/h/alpha/en/articles/{id}")).await.0, 404);
    let (s, loc, _) =
        post(&app, &c, &format!("/kb/articles/{id}/translations/en/status"), &csrf, &[("status", "published")]).await;
    assert_eq!((s, loc.as_str()), (303, format!("/kb/articles/{id}?locale=en&saved=1").as_str()));
    let (s, page) = help(&app, &format!("/h/alpha/en/articles/{id}")).await;
    assert!(s == 200 && page.contains("<strong>Settings</strong>"), "{s} {page}");

    // A translation beside its source.
    let (s, html) = get(&app, &c, &format!("/kb/articles/{id}?locale=pt-br")).await;
    assert_eq!(s, 200);
    let source = &html[html.find("data-testid=\"kb-source\"").expect("the source beside the form")..];
    assert!(source.contains("Reset your password") && source.contains("<strong>Settings</strong>"), "{source}");
    assert!(html.contains("action=\"/kb/articles/") && html.contains("/translations/pt-BR\""), "the tag is canonical");
    let form = text("Redefinir a senha", "Abra **Configurações**.", "published", "0");
    let (s, loc, body) = post(&app, &c, &format!("/kb/articles/{id}/translations/pt-BR"), &csrf, &form).await;
    assert_eq!(s, 303, "{body}");
    assert_eq!(loc, format!("/kb/articles/{id}?locale=pt-BR&saved=1"));
    let (s, page) = help(&app, &format!("/h/alpha/pt-BR/articles/{id}")).await;
    assert!(s == 200 && page.contains("Redefinir a senha"), "{s}");
    let (_, list) = get(&app, &c, "/kb").await;
    let r = row(&list, &id);
    assert!(r.contains("data-locale=\"pt-BR\" data-status=\"published\"") && !r.contains("outdated"), "{r}");
    assert!(r.contains("Reset your password"), "the row is titled in the source: {r}");

    // Publishing the source again changes no text: nothing becomes outdated.
    post(&app, &c, &format!("/kb/articles/{id}/translations/en/status"), &csrf, &[("status", "draft")]).await;
    post(&app, &c, &format!("/kb/articles/{id}/translations/en/status"), &csrf, &[("status", "published")]).await;
    assert!(!row(&get(&app, &c, "/kb").await.1, &id).contains("outdated"));

    // The source's text changes: the translation is outdated, on the list and in its editor.
    let v = version(&app, &c, &id, "en").await;
    assert_eq!(v, "4", "created, published, unpublished, published");
    let form = text("Reset your password", "Open **Settings**, then **Security**.", "published", &v);
    let (s, _, body) = post(&app, &c, &format!("/kb/articles/{id}/translations/en"), &csrf, &form).await;
    assert_eq!(s, 303, "{body}");
    let (_, list) = get(&app, &c, "/kb").await;
    assert!(row(&list, &id).contains("data-testid=\"outdated\""), "{}", row(&list, &id));
    let (_, pt) = get(&app, &c, &format!("/kb/articles/{id}?locale=pt-BR")).await;
    assert!(pt.contains("data-testid=\"outdated-notice\"") && pt.contains("<strong>Security</strong>"), "{pt}");
    let (_, en) = get(&app, &c, &format!("/kb/articles/{id}?locale=en")).await;
    assert!(!en.contains("data-testid=\"outdated-notice\""), "the source is never outdated");

    // A save from a form read before someone else's save is refused, the typed text kept.
    let stale = text("Reset your password", "My stale edit", "published", &v);
    let (s, _, body) = post(&app, &c, &format!("/kb/articles/{id}/translations/en"), &csrf, &stale).await;
    assert_eq!(s, 412);
    assert!(body.contains("data-testid=\"kb-error\"") && body.contains(">My stale edit</textarea>"), "{body}");
    assert!(help(&app, &format!("/h/alpha/en/articles/{id}")).await.1.contains("Security"), "not saved");

    // Saving the translation brings it up to date.
    let pv = version(&app, &c, &id, "pt-BR").await;
    let form = text("Redefinir a senha", "Abra **Configurações** e **Segurança**.", "published", &pv);
    assert_eq!(post(&app, &c, &format!("/kb/articles/{id}/translations/pt-BR"), &csrf, &form).await.0, 303);
    assert!(!row(&get(&app, &c, "/kb").await.1, &id).contains("outdated"));

    // History: restoring the first version brings its text back (and the source changed again).
    let (_, en) = get(&app, &c, &format!("/kb/articles/{id}?locale=en")).await;
    for n in 1..=5 {
        assert!(en.contains(&format!("data-version=\"{n}\"")), "version {n} listed");
    }
    let (s, _, _) = post(&app, &c, &format!("/kb/articles/{id}/translations/en/versions/1/restore"), &csrf, &[]).await;
    assert_eq!(s, 303);
    let (_, en) = get(&app, &c, &format!("/kb/articles/{id}?locale=en")).await;
    assert!(en.contains(">Open **Settings**.</textarea>") && en.contains("data-version=\"6\""), "{en}");
    assert!(row(&get(&app, &c, "/kb").await.1, &id).contains("data-testid=\"outdated\""));

    // Settings: internal articles leave the help center.
    let (s, _, _) = post(
        &app,
        &c,
        &format!("/kb/articles/{id}/settings"),
        &csrf,
        &[("section_id", ""), ("visibility", "internal"), ("locale", "pt-BR")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(help(&app, &format!("/h/alpha/pt-BR/articles/{id}")).await.0, 404);
    let (s, _, body) = post(
        &app,
        &c,
        &format!("/kb/articles/{id}/settings"),
        &csrf,
        &[("section_id", "nope"), ("visibility", "public"), ("locale", "pt-BR")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("id=\"section_id-error\""), "{body}");

    // Filters and pages.
    let other = new_article(&app, &c, &csrf, "Change your email", "Profile.", "draft").await;
    let (_, list) = get(&app, &c, "/kb?locale=pt-BR&status=published").await;
    assert!(list.contains(&id) && !list.contains(&other));
    let (_, list) = get(&app, &c, "/kb?status=draft").await;
    assert!(list.contains(&other) && list.contains(&id), "the restored source is a draft");
    let (_, list) = get(&app, &c, "/kb?locale=de").await;
    assert!(list.contains("data-testid=\"kb-empty\""));
    assert_eq!(get(&app, &c, "/kb?status=gone").await.0, 422);
    assert_eq!(get(&app, &c, "/kb?page=0").await.0, 422);
    assert_eq!(get(&app, &c, "/kb?locale=%3Cscript%3E").await.0, 422);
    let (_, p2) = get(&app, &c, "/kb?page=2").await;
    assert!(p2.contains("data-testid=\"kb-empty\"") && p2.contains("rel=\"prev\""), "{p2}");
}
both!(authoring);

async fn deflection_counts(app: TestApp) {
    let (t, c, csrf) = desk(&app, "alpha").await;
    let id = new_article(&app, &c, &csrf, "Reset your password", "Open settings.", "published").await;
    let tid = t.tenant_id();
    for _ in 0..2 {
        let (i, tid) = (id.clone(), tid.clone());
        app.state
            .db
            .write_blocking(move |conn| {
                let (v, _) = meridian::chat::visitors::create(conn, &tid)?;
                meridian::chat::suggestions::record_deflection(conn, &tid, &v.id, &i, "en")
            })
            .unwrap();
    }
    let (_, list) = get(&app, &c, "/kb").await;
    assert!(row(&list, &id).contains("data-testid=\"deflections\">2</span>"), "{}", row(&list, &id));
}
both!(deflection_counts);

/// `at` in Europe/Lisbon as a `datetime-local` value.
fn lisbon(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Lisbon).format("%Y-%m-%dT%H:%M").to_string()
}

async fn scheduled_publish(app: TestApp) {
    let (t, c, csrf) = desk(&app, "alpha").await;
    let id = new_article(&app, &c, &csrf, "Holiday hours", "We close at noon.", "draft").await;
    let path = format!("/kb/articles/{id}/translations/en/schedule");

    // Refused times keep what was typed.
    let (s, _, body) = post(&app, &c, &path, &csrf, &[("publish_at", "tomorrow"), ("action", "schedule")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("data-testid=\"schedule-error\"") && body.contains("value=\"tomorrow\""), "{body}");
    // 01:30 on 28 March 2027 does not happen in Lisbon (the clocks go from 01:00 to 02:00).
    let (s, _, _) = post(&app, &c, &path, &csrf, &[("publish_at", "2027-03-28T01:30"), ("action", "schedule")]).await;
    assert_eq!(s, 422);

    // Two days ahead, read in the agent's zone and stored in UTC: nothing is published yet.
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    let (s, _, _) = post(&app, &c, &path, &csrf, &[("publish_at", &lisbon(later)), ("action", "schedule")]).await;
    assert_eq!(s, 303);
    let stored =
        app.state.db.write_blocking(|conn| meridian::kb::articles::translations(conn, &t.tenant_id(), &id)).unwrap()[0]
            .publish_at
            .expect("a schedule");
    let want = chrono_tz::Europe::Lisbon
        .from_local_datetime(&chrono::NaiveDateTime::parse_from_str(&lisbon(later), "%Y-%m-%dT%H:%M").unwrap())
        .unwrap()
        .naive_utc();
    assert_eq!(stored, want, "stored in UTC");
    let (_, ed) = get(&app, &c, &format!("/kb/articles/{id}")).await;
    assert!(ed.contains("data-testid=\"kb-scheduled\""), "{ed}");
    assert!(row(&get(&app, &c, "/kb").await.1, &id).contains("data-status=\"draft\""));
    assert_eq!(help(&app, &format!("/h/alpha/en/articles/{id}")).await.0, 404);
    let future_stamp = meridian::kb::editing::stamp(&stored);

    // A minute ago: the job publishes it at its next turn.
    let earlier = chrono::Utc::now() - chrono::Duration::minutes(1);
    let (s, _, _) = post(&app, &c, &path, &csrf, &[("publish_at", &lisbon(earlier)), ("action", "schedule")]).await;
    assert_eq!(s, 303);
    let mut seen = 0;
    for _ in 0..200 {
        seen = help(&app, &format!("/h/alpha/en/articles/{id}")).await.0;
        if seen == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 200, "published by the job");
    let (_, ed) = get(&app, &c, &format!("/kb/articles/{id}")).await;
    assert!(!ed.contains("data-testid=\"kb-scheduled\""), "the schedule is done");
    // The replaced schedule's job, when its time comes, finds the schedule gone and does nothing.
    let (tid, i) = (t.tenant_id(), id.clone());
    let ran = app
        .state
        .db
        .write_blocking(move |conn| meridian::kb::editing::publish_due(conn, &tid, &i, "en", &future_stamp))
        .unwrap();
    assert!(!ran);
    // A published translation cannot be scheduled; a cancelled schedule publishes nothing.
    let (s, _, _) = post(&app, &c, &path, &csrf, &[("publish_at", &lisbon(later)), ("action", "schedule")]).await;
    assert_eq!(s, 422);
    let other = new_article(&app, &c, &csrf, "Winter hours", "Shorter days.", "draft").await;
    let opath = format!("/kb/articles/{other}/translations/en/schedule");
    post(&app, &c, &opath, &csrf, &[("publish_at", &lisbon(later)), ("action", "schedule")]).await;
    let (s, _, _) = post(&app, &c, &opath, &csrf, &[("publish_at", ""), ("action", "cancel")]).await;
    assert_eq!(s, 303);
    let (_, ed) = get(&app, &c, &format!("/kb/articles/{other}")).await;
    assert!(!ed.contains("data-testid=\"kb-scheduled\""));
}
both!(scheduled_publish);

const HOSTILE: &str = "Hi <script>alert(1)</script> [x](javascript:alert(2)) <iframe src=\"https://e.test\"></iframe>\n\n<svg onload=alert(3)><a href=\"#\">s</a></svg> <img src=x onerror=alert(4)> **bold**";

fn assert_inert(html: &str) {
    for bad in ["<script", "javascript:", "<iframe", "<svg", "onerror", "onload"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("<strong>bold</strong>"), "{html}");
}

async fn hostile_preview(app: TestApp) {
    let (_t, c, csrf) = desk(&app, "alpha").await;
    // The script's preview: server-rendered and sanitised.
    let res = c
        .post(app.url("/kb/preview"))
        .header("x-csrf-token", &csrf)
        .form(&[("body_markdown", HOSTILE)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_inert(&res.text().await.unwrap());
    let res = c.post(app.url("/kb/preview")).form(&[("body_markdown", HOSTILE)]).send().await.unwrap();
    assert_eq!(res.status(), 403, "no CSRF token, no preview");

    // The no-script "Preview" button: the form again, as typed, with the preview under it.
    let (s, _, html) = post(
        &app,
        &c,
        "/kb/articles/new",
        &csrf,
        &[
            ("locale", "en"),
            ("title", "Hostile"),
            ("body_markdown", HOSTILE),
            ("status", "draft"),
            ("action", "preview"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let start = html.find("data-testid=\"kb-preview\">").expect("the preview");
    let preview = &html[start..];
    assert_inert(&preview[..preview.find("</div>\n  </section>").unwrap()]);
    let area = &html[html.find("name=\"body_markdown\"").unwrap()..];
    assert!(area.contains("&#60;script&#62;alert(1)"), "the typed text is kept, escaped: {}", &area[..300]);
    assert!(html.contains("value=\"Hostile\""));

    // Saved, the editor and the help center show the same sanitised body.
    let id = new_article(&app, &c, &csrf, "Hostile", HOSTILE, "published").await;
    let (_, ed) = get(&app, &c, &format!("/kb/articles/{id}")).await;
    let preview = &ed[ed.find("data-testid=\"kb-preview\">").unwrap()..];
    assert_inert(&preview[..preview.find("</div>\n  </section>").unwrap()]);
    let (_, page) = help(&app, &format!("/h/alpha/en/articles/{id}")).await;
    assert!(!page.contains("<script>alert") && !page.contains("onload") && page.contains("<strong>bold</strong>"));
}
both!(hostile_preview);

async fn refused_forms_keep_what_was_typed(app: TestApp) {
    let (_t, c, csrf) = desk(&app, "alpha").await;
    let (s, _, html) = post(
        &app,
        &c,
        "/kb/articles/new",
        &csrf,
        &[
            ("locale", "pt-BR"),
            ("title", "   "),
            ("body_markdown", "My **draft** text"),
            ("keywords", "a, b"),
            ("status", "published"),
            ("visibility", "internal"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("data-testid=\"title-error\"") && html.contains("aria-describedby=\"title-error\""),
        "{html}"
    );
    assert!(html.contains(">My **draft** text</textarea>") && html.contains("value=\"a, b\""), "{html}");
    assert!(html.contains("value=\"pt-BR\"") && html.contains("<option value=\"internal\" selected>"), "{html}");
    assert!(html.contains("<option value=\"published\" selected>"));
    let (s, _, html) = post(
        &app,
        &c,
        "/kb/articles/new",
        &csrf,
        &[("locale", "not a tag"), ("title", "Fine"), ("body_markdown", "kept"), ("action", "save")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"locale-error\"") && html.contains("value=\"not a tag\""), "{html}");
    let (_, list) = get(&app, &c, "/kb").await;
    assert!(list.contains("data-testid=\"kb-empty\""), "nothing was created");

    // An existing translation.
    let id = new_article(&app, &c, &csrf, "Kept title", "Kept body", "draft").await;
    let v = version(&app, &c, &id, "en").await;
    let form = text("", "A new body I typed", "draft", &v);
    let (s, _, html) = post(&app, &c, &format!("/kb/articles/{id}/translations/en"), &csrf, &form).await;
    assert_eq!(s, 422);
    assert!(html.contains("data-testid=\"title-error\"") && html.contains(">A new body I typed</textarea>"), "{html}");
    let long = "k".repeat(61);
    let mut form = text("Kept title", "x", "draft", &v);
    form[2] = ("keywords", long.as_str());
    let (s, _, html) = post(&app, &c, &format!("/kb/articles/{id}/translations/en"), &csrf, &form).await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"keywords-error\""), "{html}");
    assert!(get(&app, &c, &format!("/kb/articles/{id}")).await.1.contains(">Kept body</textarea>"), "unchanged");
}
both!(refused_forms_keep_what_was_typed);

fn names(name: &str) -> Vec<NameIn> {
    vec![NameIn { locale: "en".into(), name: name.into(), description: None }]
}

async fn structure_order(app: TestApp) {
    let (t, c, csrf) = desk(&app, "alpha").await;
    let tid = t.tenant_id();
    let (a, b, s1, s2) = app
        .state
        .db
        .write_blocking(|conn| {
            let a = structure::create_category(conn, &tid, None, &names("Billing"))?;
            let b = structure::create_category(conn, &tid, None, &names("Accounts"))?;
            let s1 = structure::create_section(conn, &tid, &a.id, None, &names("Invoices"))?;
            let s2 = structure::create_section(conn, &tid, &a.id, None, &names("Refunds"))?;
            Ok((a.id, b.id, s1.id, s2.id))
        })
        .unwrap();
    let (s, html) = get(&app, &c, "/kb/structure").await;
    assert_eq!(s, 200);
    assert!(html.find("Billing").unwrap() < html.find("Accounts").unwrap());
    assert!(html.find("Invoices").unwrap() < html.find("Refunds").unwrap());
    let (s, loc, _) = post(&app, &c, &format!("/kb/categories/{b}/move"), &csrf, &[("direction", "up")]).await;
    assert_eq!((s, loc), (303, format!("/kb/structure#{b}")));
    let (s, _, _) = post(&app, &c, &format!("/kb/sections/{s1}/move"), &csrf, &[("direction", "down")]).await;
    assert_eq!(s, 303);
    let (_, html) = get(&app, &c, "/kb/structure").await;
    assert!(html.find("Accounts").unwrap() < html.find("Billing").unwrap(), "{html}");
    assert!(html.find("Refunds").unwrap() < html.find("Invoices").unwrap(), "{html}");
    // The help center's table of contents follows.
    let (_, home) = help(&app, "/h/alpha/en").await;
    assert!(home.find("Accounts").unwrap() < home.find("Billing").unwrap(), "{home}");
    // Moving the first up (or the last down) changes nothing; a bad direction is refused.
    assert_eq!(post(&app, &c, &format!("/kb/categories/{b}/move"), &csrf, &[("direction", "up")]).await.0, 303);
    assert_eq!(post(&app, &c, &format!("/kb/sections/{s1}/move"), &csrf, &[("direction", "down")]).await.0, 303);
    let (_, again) = get(&app, &c, "/kb/structure").await;
    assert!(again.find("Accounts").unwrap() < again.find("Billing").unwrap());
    assert!(again.find("Refunds").unwrap() < again.find("Invoices").unwrap());
    assert_eq!(post(&app, &c, &format!("/kb/categories/{a}/move"), &csrf, &[("direction", "sideways")]).await.0, 422);
    assert_eq!(post(&app, &c, &format!("/kb/sections/{s2}/move"), &csrf, &[]).await.0, 422);
}
both!(structure_order);

async fn other_tenants_ids_are_not_found(app: TestApp) {
    let (alpha, ac, acsrf) = desk(&app, "alpha").await;
    let id = new_article(&app, &ac, &acsrf, "Alpha secret", "Alpha body", "draft").await;
    let form = text("Alpha pt", "corpo", "draft", "0");
    assert_eq!(post(&app, &ac, &format!("/kb/articles/{id}/translations/pt-BR"), &acsrf, &form).await.0, 303);
    let tid = alpha.tenant_id();
    let (cat, sec) = app
        .state
        .db
        .write_blocking(|conn| {
            let c = structure::create_category(conn, &tid, None, &names("Alpha category"))?;
            let s = structure::create_section(conn, &tid, &c.id, None, &names("Alpha section"))?;
            Ok((c.id, s.id))
        })
        .unwrap();

    let (_beta, c, csrf) = desk(&app, "beta").await;
    let future = lisbon(chrono::Utc::now() + chrono::Duration::days(1));
    for path in [
        format!("/kb/articles/{id}"),
        format!("/kb/articles/{id}?locale=pt-BR"),
        format!("/kb/articles/{id}?locale=de"),
    ] {
        let (s, body) = get(&app, &c, &path).await;
        assert_eq!(s, 404, "GET {path}");
        assert!(!body.contains("Alpha"), "GET {path}");
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/kb/articles/{id}/translations/en"), text("Taken", "over", "published", "1")),
        (format!("/kb/articles/{id}/translations/en"), text("", "refused", "draft", "1")),
        (format!("/kb/articles/{id}/translations/de"), text("Neu", "neu", "draft", "0")),
        (
            format!("/kb/articles/{id}/translations/en"),
            vec![("title", "x"), ("body_markdown", "y"), ("action", "preview")],
        ),
        (format!("/kb/articles/{id}/settings"), vec![("section_id", ""), ("visibility", "internal")]),
        (format!("/kb/articles/{id}/settings"), vec![("section_id", ""), ("visibility", "bogus")]),
        (format!("/kb/articles/{id}/translations/en/status"), vec![("status", "published")]),
        (
            format!("/kb/articles/{id}/translations/en/schedule"),
            vec![("publish_at", future.as_str()), ("action", "schedule")],
        ),
        (format!("/kb/articles/{id}/translations/en/schedule"), vec![("publish_at", "never"), ("action", "schedule")]),
        (format!("/kb/articles/{id}/translations/en/schedule"), vec![("action", "cancel")]),
        (format!("/kb/articles/{id}/translations/en/versions/1/restore"), vec![]),
        (format!("/kb/categories/{cat}/move"), vec![("direction", "up")]),
        (format!("/kb/sections/{sec}/move"), vec![("direction", "down")]),
    ];
    for (path, fields) in posts {
        let (s, _, body) = post(&app, &c, &path, &csrf, &fields).await;
        assert_eq!(s, 404, "POST {path} {fields:?}");
        assert!(!body.contains("Alpha"), "POST {path}");
    }
    // Beta's own pages show nothing of alpha's.
    for path in ["/kb", "/kb/structure", "/kb/articles/new"] {
        let (s, body) = get(&app, &c, path).await;
        assert_eq!(s, 200);
        assert!(!body.contains("Alpha"), "{path}");
    }
    let section_form =
        [("locale", "en"), ("title", "Mine"), ("body_markdown", "x"), ("section_id", sec.as_str()), ("action", "save")];
    assert_eq!(post(&app, &c, "/kb/articles/new", &csrf, &section_form).await.0, 422, "alpha's section is unknown");
    // Alpha's article is as alpha left it.
    let (_, ed) = get(&app, &ac, &format!("/kb/articles/{id}")).await;
    assert!(
        ed.contains(">Alpha body</textarea>")
            && ed.contains("data-version=\"1\"")
            && !ed.contains("data-version=\"2\"")
    );
    assert!(!ed.contains("data-testid=\"kb-scheduled\""));
}
both!(other_tenants_ids_are_not_found);
