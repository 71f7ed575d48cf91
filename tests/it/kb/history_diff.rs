//! The editor's version diff: what changed between a version and the current text (or two
//! versions), escaped; restoring from it; another tenant's article and versions that are not.

use super::console::{desk, get, new_article, post, text, version};
use crate::harness::TestApp;

/// The part of `html` from the element marked `data-testid="{id}"` to the end of its table or
/// list item (enough to tell one region from another).
fn region<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("data-testid=\"{id}\"")).unwrap_or_else(|| panic!("{id} in {html}"));
    let rest = &html[start..];
    let end = ["</table>", "</dd>", "</p>"].iter().filter_map(|e| rest.find(e)).min().unwrap_or(rest.len());
    &rest[..end]
}

/// The rows of a body diff with class `class` (`del` or `ins`), joined.
fn rows(html: &str, class: &str) -> String {
    html.split(&format!("<tr class=\"{class}\">")).skip(1).map(|r| &r[..r.find("</tr>").unwrap()]).collect()
}

async fn diff_restore_and_escaping(app: TestApp) {
    let (t, c, csrf) = desk(&app, "alpha").await;
    let v1 = "Line one\n<script>alert('old')</script>\nLine three";
    let id = new_article(&app, &c, &csrf, "Reset your password", v1, "draft").await;
    let save = |title: &'static str, body: &'static str| {
        let (c, csrf, id, app) = (&c, &csrf, &id, &app);
        async move {
            let v = version(app, c, id, "en").await;
            let (s, _, html) =
                post(app, c, &format!("/kb/articles/{id}/translations/en"), csrf, &text(title, body, "published", &v))
                    .await;
            assert_eq!(s, 303, "{html}");
        }
    };
    save("Reset <img src=x onerror=alert(1)>", "Line one\n<script>alert('new')</script>\nLine three\nLine four").await;
    save(
        "Reset <img src=x onerror=alert(1)>",
        "Line one\n<script>alert('new')</script>\nLine three\nLine four\nLine five",
    )
    .await;

    // The history links every earlier version to its diff with the current text.
    let (_, ed) = get(&app, &c, &format!("/kb/articles/{id}?locale=en")).await;
    for n in [1, 2] {
        assert!(ed.contains(&format!("href=\"/kb/articles/{id}/translations/en/versions/{n}/diff\"")), "{n}: {ed}");
    }
    assert!(!ed.contains("/versions/3/diff"), "the current version has nothing to compare");

    let base = format!("/kb/articles/{id}/translations/en");
    let (s, html) = get(&app, &c, &format!("{base}/versions/1/diff")).await;
    assert_eq!(s, 200, "{html}");
    assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "nothing typed is markup: {html}");
    let title = region(&html, "kb-diff-title");
    assert!(title.contains("<del>") && title.contains("Reset your password"), "{title}");
    assert!(title.contains("<ins>") && title.contains("Reset &#60;img src=x onerror=alert(1)&#62;"), "{title}");
    let keywords = region(&html, "kb-diff-keywords");
    assert!(
        keywords.contains("<bdi>password</bdi></del>") && keywords.contains("<bdi>login</bdi></del>"),
        "{keywords}"
    );
    let status = region(&html, "kb-diff-status");
    assert!(status.contains("<del>") && status.contains("Draft") && status.contains("Published"), "{status}");
    let (removed, added) = (rows(&html, "del"), rows(&html, "ins"));
    assert!(removed.contains("&#60;script&#62;alert(") && removed.contains("<strong>old</strong>"), "{removed}");
    assert!(added.contains("<strong>new</strong>") && added.contains("Line four") && added.contains("Line five"));
    assert!(!removed.contains("Line one") && !added.contains("Line three"), "unchanged lines are neither");
    assert!(removed.contains("<span class=\"sr\">removed: </span>"), "not by colour alone");
    assert!(html.contains(&format!("action=\"{base}/versions/1/restore\"")), "restore beside the diff");

    // Two versions: 2 against 3, by the pickers' form and by the version's own address.
    for path in [format!("{base}/diff?from=2&to=3"), format!("{base}/versions/2/diff?to=3")] {
        let (s, html) = get(&app, &c, &path).await;
        assert_eq!(s, 200, "{path}");
        let added = rows(&html, "ins");
        assert!(added.contains("Line five") && !added.contains("Line four"), "{path}: {added}");
        assert!(rows(&html, "del").is_empty(), "{path}");
        assert!(region(&html, "kb-diff-title").contains("unchanged"), "{path}");
    }
    // An empty `to` is the current text (the pickers' "current").
    assert_eq!(get(&app, &c, &format!("{base}/diff?from=1&to=")).await.0, 200);

    // Restoring from the diff page: a new version whose text is version 1's.
    let (s, loc, _) = post(&app, &c, &format!("{base}/versions/1/restore"), &csrf, &[]).await;
    assert_eq!((s, loc.as_str()), (303, format!("/kb/articles/{id}?locale=en&saved=1").as_str()));
    let (tid, aid) = (t.tenant_id(), id.clone());
    let now = app
        .state
        .db
        .write_blocking(move |c| Ok(meridian::kb::articles::translations(c, &tid, &aid)?.remove(0)))
        .unwrap();
    assert_eq!((now.version, now.title.as_str(), now.body_markdown.as_str()), (4, "Reset your password", v1));
    let (s, html) = get(&app, &c, &format!("{base}/versions/1/diff")).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-testid=\"kb-diff-same\"") && region(&html, "kb-diff-title").contains("unchanged"));
    let (s, html) = get(&app, &c, &format!("{base}/versions/4/diff")).await;
    assert!(s == 200 && !html.contains("data-testid=\"kb-diff-restore\""), "the current version restores nothing");
}
both!(diff_restore_and_escaping);

async fn unknown_versions_and_other_tenants(app: TestApp) {
    let (_alpha, ac, acsrf) = desk(&app, "alpha").await;
    let id = new_article(&app, &ac, &acsrf, "Alpha secret", "Alpha body", "draft").await;
    let v = version(&app, &ac, &id, "en").await;
    let form = text("Alpha secret 2", "Alpha body 2", "draft", &v);
    assert_eq!(post(&app, &ac, &format!("/kb/articles/{id}/translations/en"), &acsrf, &form).await.0, 303);
    let base = format!("/kb/articles/{id}/translations/en");
    assert_eq!(get(&app, &ac, &format!("{base}/versions/1/diff")).await.0, 200);

    for (path, want) in [
        (format!("{base}/versions/9/diff"), 404),
        (format!("{base}/versions/0/diff"), 404),
        (format!("{base}/versions/abc/diff"), 404),
        (format!("{base}/versions/99999999999/diff"), 404),
        (format!("{base}/versions/1/diff?to=9"), 404),
        (format!("{base}/versions/1/diff?to=two"), 422),
        (format!("{base}/diff?from=abc"), 422),
        (format!("{base}/diff"), 422),
        (format!("{base}/diff?from=9"), 404),
        (format!("/kb/articles/{id}/translations/de/versions/1/diff"), 404),
        (format!("/kb/articles/{id}/translations/%3Cx%3E/versions/1/diff"), 404),
        ("/kb/articles/nope/translations/en/versions/1/diff".to_string(), 404),
    ] {
        let (s, body) = get(&app, &ac, &path).await;
        assert_eq!(s, want, "GET {path}: {body}");
    }

    // Another tenant's agent finds nothing of alpha's article, whatever the version.
    let (_beta, c, _) = desk(&app, "beta").await;
    for path in [
        format!("{base}/versions/1/diff"),
        format!("{base}/versions/2/diff"),
        format!("{base}/versions/1/diff?to=2"),
        format!("{base}/diff?from=1&to=2"),
        format!("{base}/diff?from=1"),
    ] {
        let (s, body) = get(&app, &c, &path).await;
        assert_eq!(s, 404, "GET {path}");
        assert!(!body.contains("Alpha"), "GET {path}");
    }
}
both!(unknown_versions_and_other_tenants);

async fn long_bodies_are_compared_coarsely(app: TestApp) {
    let (_t, c, csrf) = desk(&app, "alpha").await;
    // 2,600 distinct lines each side: past the line-by-line bound, and past the lines a page shows.
    let old: String = (0..2_600).map(|i| format!("old {i}\n")).collect();
    let new: String = (0..2_600).map(|i| format!("new {i}\n")).collect();
    let id = new_article(&app, &c, &csrf, "Long", &old, "draft").await;
    let v = version(&app, &c, &id, "en").await;
    let form = text("Long", &new, "draft", &v);
    assert_eq!(post(&app, &c, &format!("/kb/articles/{id}/translations/en"), &csrf, &form).await.0, 303);
    let (s, html) = get(&app, &c, &format!("/kb/articles/{id}/translations/en/versions/1/diff")).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-testid=\"kb-diff-coarse\"") && html.contains("data-testid=\"kb-diff-cut\""));
    assert!(html.contains("200 more lines of the diff are not shown"), "5,200 lines, 5,000 shown");
}
both!(long_bodies_are_compared_coarsely);
