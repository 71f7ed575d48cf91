//! The table of contents edited in the console (categories and sections created, renamed and
//! deleted; refusals shown in place with what was typed), deleting an article from its editor,
//! and another tenant's ids on every one of those forms.

use meridian::kb::structure::{self, NameIn};

use super::console::{desk, get as page, post};
use super::{public_search, settle};
use crate::harness::TestApp;

/// A category or section: its id and names.
type Entry = (String, Vec<NameIn>);

fn tree(app: &TestApp, t: &meridian::tenancy::Tenant) -> Vec<(String, Vec<NameIn>, Vec<Entry>)> {
    let tid = t.tenant_id();
    app.state
        .db
        .write_blocking(move |c| {
            let secs = structure::list_sections(c, &tid, None)?;
            Ok(structure::list_categories(c, &tid)?
                .into_iter()
                .map(|cat| {
                    let mine =
                        secs.iter().filter(|s| s.category_id == cat.id).map(|s| (s.id.clone(), s.names())).collect();
                    (cat.id.clone(), cat.names(), mine)
                })
                .collect())
        })
        .unwrap()
}

async fn editing_the_table_of_contents(app: TestApp) {
    let (t, c, csrf) = desk(&app, "alpha").await;
    let (s, loc, _) = post(&app, &c, "/kb/categories/new", &csrf, &[("name", "Billing")]).await;
    assert_eq!((s, loc.as_str()), (303, "/kb/structure"));
    assert_eq!(post(&app, &c, "/kb/categories/new", &csrf, &[("name", "Accounts")]).await.0, 303);
    // New categories go last.
    let cats = tree(&app, &t);
    assert_eq!(cats.iter().map(|c| c.1[0].name.as_str()).collect::<Vec<_>>(), ["Billing", "Accounts"]);
    let billing = cats[0].0.clone();

    // A name that cannot be stored: the page again, the message beside the form, the text kept.
    let long = "B".repeat(201);
    let (s, _, html) = post(&app, &c, "/kb/categories/new", &csrf, &[("name", &long)]).await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"refusal-new\"") && html.contains(&long), "{html}");
    assert!(html.contains("Use 1 to 200 characters on one line."));
    assert_eq!(post(&app, &c, "/kb/categories/new", &csrf, &[("name", "   ")]).await.0, 422);
    assert_eq!(post(&app, &c, "/kb/categories/new", &csrf, &[("name", "a\0b")]).await.0, 422);
    assert_eq!(tree(&app, &t).len(), 2, "nothing stored by a refusal");

    // Sections inside a category; a rename keeps the names other languages were given.
    assert_eq!(
        post(&app, &c, &format!("/kb/categories/{billing}/sections/new"), &csrf, &[("name", "Invoices")]).await.0,
        303
    );
    let (s, _, html) = post(&app, &c, &format!("/kb/categories/{billing}/sections/new"), &csrf, &[("name", "")]).await;
    assert_eq!(s, 422);
    assert!(html.contains(&format!("id=\"refusal-{billing}\"")), "the message sits at that category");
    let tid = t.tenant_id();
    let b2 = billing.clone();
    app.state
        .db
        .write_blocking(move |conn| {
            let names = [
                NameIn { locale: "en".into(), name: "Billing".into(), description: None },
                NameIn { locale: "de".into(), name: "Abrechnung".into(), description: None },
            ];
            structure::update_category(conn, &tid, &b2, None, Some(&names))
        })
        .unwrap();
    let (s, loc, _) = post(&app, &c, &format!("/kb/categories/{billing}/rename"), &csrf, &[("name", "Payments")]).await;
    assert_eq!((s, loc), (303, format!("/kb/structure#{billing}")));
    let cats = tree(&app, &t);
    let names = &cats[0].1;
    assert!(names.iter().any(|n| n.locale == "en" && n.name == "Payments"), "{names:?}");
    assert!(names.iter().any(|n| n.locale == "de" && n.name == "Abrechnung"), "{names:?}");
    let section = cats[0].2[0].0.clone();
    assert_eq!(post(&app, &c, &format!("/kb/sections/{section}/rename"), &csrf, &[("name", "Receipts")]).await.0, 303);
    let (_, html) = page(&app, &c, "/kb/structure").await;
    assert!(html.contains("Payments") && html.contains("Receipts") && !html.contains("Invoices"));
    let (_, home) = page(&app, &app.client(), "/h/alpha/en").await;
    assert!(home.contains("Payments"), "the help center shows the new name");
    assert_eq!(post(&app, &c, &format!("/kb/sections/{section}/rename"), &csrf, &[("name", "")]).await.0, 422);

    // Deleting: refused while something is inside, with the reason at the entry.
    let sec2 = section.clone();
    let tid = t.tenant_id();
    let article = app
        .state
        .db
        .write_blocking(move |conn| {
            let new = meridian::kb::articles::NewArticle {
                section_id: Some(sec2),
                visibility: meridian::kb::Visibility::Public,
                translations: vec![meridian::kb::articles::TranslationIn {
                    locale: Some("en".into()),
                    title: "Where is my receipt".into(),
                    body_markdown: "In the billing page.".into(),
                    keywords: vec![],
                    status: Some(meridian::kb::Status::Published),
                }],
            };
            meridian::kb::articles::create(conn, &tid, &meridian::types::Actor::System, &new)
        })
        .unwrap();
    let (s, _, html) = post(&app, &c, &format!("/kb/categories/{billing}/delete"), &csrf, &[]).await;
    assert_eq!(s, 409);
    assert!(html.contains("This category still has sections"), "{html}");
    let (s, _, html) = post(&app, &c, &format!("/kb/sections/{section}/delete"), &csrf, &[]).await;
    assert_eq!(s, 409);
    assert!(html.contains("This section still has articles") && html.contains(&format!("id=\"refusal-{section}\"")));

    // Deleting the article from its editor takes it off the help center and out of search.
    settle(&app).await;
    assert_eq!(public_search(&app, "alpha", "receipt", "en").await.0, vec![article.id.clone()]);
    let (_, editor) = page(&app, &c, &format!("/kb/articles/{}", article.id)).await;
    assert!(editor.contains(&format!("action=\"/kb/articles/{}/delete\"", article.id)));
    let (s, loc, _) = post(&app, &c, &format!("/kb/articles/{}/delete", article.id), &csrf, &[]).await;
    assert_eq!((s, loc.as_str()), (303, "/kb?deleted=1"));
    let (_, list) = page(&app, &c, "/kb?deleted=1").await;
    assert!(list.contains("data-testid=\"kb-deleted\""));
    assert_eq!(page(&app, &c, &format!("/kb/articles/{}", article.id)).await.0, 404);
    assert_eq!(page(&app, &app.client(), &format!("/h/alpha/en/articles/{}", article.id)).await.0, 404);
    settle(&app).await;
    assert!(public_search(&app, "alpha", "receipt", "en").await.0.is_empty());
    assert_eq!(post(&app, &c, &format!("/kb/articles/{}/delete", article.id), &csrf, &[]).await.0, 404, "twice");

    // Now empty: the section, then the category, go.
    assert_eq!(post(&app, &c, &format!("/kb/sections/{section}/delete"), &csrf, &[]).await.0, 303);
    assert_eq!(post(&app, &c, &format!("/kb/categories/{billing}/delete"), &csrf, &[]).await.0, 303);
    let cats = tree(&app, &t);
    assert_eq!(cats.len(), 1);
    assert_eq!(cats[0].1[0].name, "Accounts");
    // Without the CSRF token nothing happens.
    let res = c.post(app.url("/kb/categories/new")).form(&[("name", "Forged")]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(tree(&app, &t).len(), 1);
}
both!(editing_the_table_of_contents);

async fn another_tenants_entries_are_not_found(app: TestApp) {
    let (alpha, _, _) = desk(&app, "alpha").await;
    let tid = alpha.tenant_id();
    let (cat, sec, article) = app
        .state
        .db
        .write_blocking(move |conn| {
            let n = |s: &str| vec![NameIn { locale: "en".into(), name: s.into(), description: None }];
            let cat = structure::create_category(conn, &tid, None, &n("Alpha category"))?;
            let sec = structure::create_section(conn, &tid, &cat.id, None, &n("Alpha section"))?;
            let new = meridian::kb::articles::NewArticle {
                section_id: None,
                visibility: meridian::kb::Visibility::Public,
                translations: vec![meridian::kb::articles::TranslationIn {
                    locale: Some("en".into()),
                    title: "Alpha article".into(),
                    body_markdown: "Alpha body".into(),
                    keywords: vec![],
                    status: None,
                }],
            };
            let a = meridian::kb::articles::create(conn, &tid, &meridian::types::Actor::System, &new)?;
            Ok((cat.id, sec.id, a.id))
        })
        .unwrap();
    let before = tree(&app, &alpha);

    let (_beta, c, csrf) = desk(&app, "beta").await;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/kb/categories/{cat}/rename"), vec![("name", "Taken")]),
        (format!("/kb/categories/{cat}/rename"), vec![("name", "")]),
        (format!("/kb/categories/{cat}/sections/new"), vec![("name", "Planted")]),
        (format!("/kb/categories/{cat}/sections/new"), vec![("name", "")]),
        (format!("/kb/categories/{cat}/delete"), vec![]),
        (format!("/kb/sections/{sec}/rename"), vec![("name", "Taken")]),
        (format!("/kb/sections/{sec}/delete"), vec![]),
        (format!("/kb/articles/{article}/delete"), vec![]),
        ("/kb/categories/nope/delete".to_string(), vec![]),
        ("/kb/sections/nope/rename".to_string(), vec![("name", "x")]),
    ];
    for (path, fields) in posts {
        let (s, _, body) = post(&app, &c, &path, &csrf, &fields).await;
        assert_eq!(s, 404, "POST {path} {fields:?}");
        assert!(!body.contains("Alpha"), "POST {path}");
    }
    assert_eq!(tree(&app, &alpha).len(), before.len());
    let after = tree(&app, &alpha);
    assert_eq!(after[0].1[0].name, "Alpha category");
    assert_eq!(after[0].2.len(), 1);
    assert_eq!(after[0].2[0].1[0].name, "Alpha section");
    let tid = alpha.tenant_id();
    assert!(app.state.db.write_blocking(move |conn| meridian::kb::articles::get(conn, &tid, &article)).is_ok());
}
both!(another_tenants_entries_are_not_found);
