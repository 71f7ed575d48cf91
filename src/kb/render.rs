//! Article bodies: Markdown rendered to HTML and sanitised (ammonia) once, when a translation is
//! saved, so a page view only copies stored HTML; plain text for the search index and snippets.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// The body as sanitised HTML: raw HTML in the Markdown goes through the same allow-list as
/// the rest, so `<script>`, `<iframe>`, event handlers, `javascript:` links and SVG never survive.
pub fn to_html(markdown: &str) -> String {
    clean(Parser::new_ext(markdown, options()), markdown.len())
}

/// Markdown written in a ticket's composer as sanitised HTML, where HTML typed into it shows as
/// the text it is (an agent pasting `<b>` or a log line means those characters, not markup).
pub fn to_html_no_raw(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, options()).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    clean(events, markdown.len())
}

fn clean<'a>(events: impl Iterator<Item = Event<'a>>, len: usize) -> String {
    let mut raw = String::with_capacity(len * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// The body as plain text (what a reader sees, without markup), for indexing and snippets.
/// HTML tags in the Markdown are dropped (tags are not words); text between inline tags stays.
pub fn to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => out.push('\n'),
            Event::Start(Tag::Image { .. }) => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markup_is_removed() {
        let html = to_html(
            "Hi <script>alert(1)</script> [x](javascript:alert(2)) <iframe src=\"https://e.test\"></iframe>\n\n<svg onload=alert(3)><a href=\"#\">s</a></svg> <img src=x onerror=alert(4)>",
        );
        for bad in ["<script", "javascript:", "<iframe", "<svg", "onerror", "onload"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("Hi"));
    }

    #[test]
    fn text_keeps_words_only() {
        assert_eq!(to_text("# Title\n\nSome *bold* `code` <b>x</b>"), "Title\nSome bold code x");
    }
}
