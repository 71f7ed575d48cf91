//! What the console's composer adds to a message: its Markdown rendered to sanitised HTML (the
//! knowledge base's renderer, so one allow-list guards both), the images pasted into it, and
//! the addresses a public reply on an email ticket is copied to.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{inbound_emails, messages};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::tickets::Ticket;

/// Most addresses one reply may be copied to.
pub const MAX_CC: usize = 20;

/// Where the console shows an image of a ticket (an attachment, or one uploaded for a draft).
pub const IMAGE_PREFIX: &str = "/attachments/";
/// What follows the id in an image's address.
pub const IMAGE_SUFFIX: &str = "/inline";

/// The message's HTML: Markdown rendered and sanitised by the knowledge base's renderer; HTML
/// typed into it shows as text, and `javascript:` links never survive.
pub fn render(markdown: &str) -> String {
    crate::kb::render::to_html_no_raw(markdown)
}

/// The images a draft shows from our store, as (id, the name in its alt text), in order and
/// without repeats. Ids are what [`crate::db::new_id`] makes (hex and dashes), so anything else
/// after the prefix is not one of ours.
pub fn image_refs(markdown: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in our_images(markdown) {
        if !out.iter().any(|(i, _)| *i == r.id) {
            out.push((r.id, r.alt.to_string()));
        }
    }
    out
}

/// The body as a plain-text mail part shows it: each of our images, whose address only the console
/// can open, becomes `label(alt)` (`[image: shot.png]`), the rest stays as typed.
pub fn plain_text(markdown: &str, label: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut from = 0;
    for r in our_images(markdown) {
        out.push_str(&markdown[from..r.span.start]);
        out.push_str(&label(r.alt));
        from = r.span.end;
    }
    out.push_str(&markdown[from..]);
    out
}

/// One `![alt](/attachments/<id>/inline)` of a body.
struct ImageRef<'a> {
    /// From `![` to the closing `)` (or the end of the address when the link goes on).
    span: std::ops::Range<usize>,
    id: String,
    alt: &'a str,
}

fn our_images(markdown: &str) -> Vec<ImageRef<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = markdown[at..].find("![") {
        let start = at + found;
        at = start + 2;
        let Some(close) = markdown[at..].find("](") else { break };
        let alt = &markdown[at..at + close];
        let target_at = at + close + 2;
        let Some(id) = markdown[target_at..].strip_prefix(IMAGE_PREFIX) else { continue };
        let id: String = id.chars().take_while(|c| c.is_ascii_hexdigit() || *c == '-').collect();
        let suffix_at = target_at + IMAGE_PREFIX.len() + id.len();
        if id.is_empty() || alt.contains('\n') || !markdown[suffix_at..].starts_with(IMAGE_SUFFIX) {
            continue;
        }
        let mut end = suffix_at + IMAGE_SUFFIX.len();
        if markdown[end..].starts_with(')') {
            end += 1;
        }
        at = end;
        out.push(ImageRef { span: start..end, id, alt });
    }
    out
}

/// The Cc field as typed: addresses separated by commas, semicolons or spaces, each checked
/// (and lowercased), without repeats; at most [`MAX_CC`].
pub fn parse_cc(input: &str) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for part in cc_parts(input) {
        let email = cc_address(part).ok_or_else(|| {
            AppError::invalid("cc", "composer-cc-invalid", format!("{part:?} is not an email address"))
        })?;
        if !out.contains(&email) {
            out.push(email);
        }
    }
    if out.len() > MAX_CC {
        return Err(AppError::invalid("cc", "composer-cc-too-many", format!("at most {MAX_CC} addresses")));
    }
    Ok(out)
}

/// The first entry of a Cc field that [`parse_cc`] refuses, for a message that names it.
pub fn first_invalid_cc(input: &str) -> Option<&str> {
    cc_parts(input).find(|part| cc_address(part).is_none())
}

fn cc_parts(input: &str) -> impl Iterator<Item = &str> {
    input.split([',', ';', ' ', '\n', '\r', '\t']).filter(|p| !p.is_empty())
}

/// One Cc entry as an address we can send to, lowercased.
fn cc_address(part: &str) -> Option<String> {
    let email = crate::accounts::normalize_email("cc", part).ok()?;
    // What the mail library cannot put in a header would only fail later, at sending.
    email.parse::<lettre::Address>().is_ok().then_some(email)
}

/// Record who a reply was copied to, in the transaction that stored it. They join the ticket's
/// mail participants, so that their answers join the ticket too.
pub fn set_cc(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
    message_id: &str,
    cc: &[String],
) -> AppResult<()> {
    diesel::update(messages::table.find((tenant.as_str(), message_id)))
        .set(messages::cc.eq(cc.join(" ")))
        .execute(conn)?;
    crate::email::threads::add_participants(conn, tenant, ticket_id, cc)
}

/// Who a message was copied to as its author chose; `None` when nobody chose.
pub fn cc_of(conn: &mut DbConnection, tenant: &TenantId, message_id: &str) -> AppResult<Option<Vec<String>>> {
    let cc: Option<Option<String>> =
        messages::table.find((tenant.as_str(), message_id)).select(messages::cc).first(conn).optional()?;
    Ok(cc.flatten().map(|c| c.split_whitespace().map(str::to_string).collect()))
}

/// The copied addresses of a ticket's messages, by message id (only messages that have some).
pub fn cc_by_message(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
) -> AppResult<HashMap<String, String>> {
    let rows: Vec<(String, Option<String>)> = messages::table
        .filter(messages::tenant_id.eq(tenant.as_str()))
        .filter(messages::ticket_id.eq(ticket_id))
        .filter(messages::cc.is_not_null())
        .select((messages::id, messages::cc))
        .load(conn)?;
    let shown = |c: String| c.split_whitespace().collect::<Vec<_>>().join(", ");
    Ok(rows.into_iter().filter_map(|(id, cc)| cc.filter(|c| !c.is_empty()).map(|c| (id, shown(c)))).collect())
}

/// What the composer's Cc field starts with: the Cc of the newest mail filed on the ticket
/// (the people the customer is keeping in the loop), without the requester and our own
/// addresses (`ours`); `None` when no mail filed on it kept its headers.
pub fn suggested_cc(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket: &Ticket,
    requester: Option<&str>,
    ours: impl Fn(&str) -> bool,
) -> AppResult<Option<Vec<String>>> {
    let last: Option<Option<String>> = inbound_emails::table
        .filter(inbound_emails::tenant_id.eq(tenant.as_str()))
        .filter(inbound_emails::ticket_id.eq(ticket.id.as_str()))
        .filter(inbound_emails::header_addresses.is_not_null())
        .order((inbound_emails::received_at.desc(), inbound_emails::id.desc()))
        .select(inbound_emails::header_addresses)
        .first(conn)
        .optional()?;
    let Some(json) = last.flatten() else { return Ok(None) };
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for p in v["cc"].as_array().into_iter().flatten() {
        let Some(e) = p["email"].as_str().map(str::to_lowercase) else { continue };
        let requester = requester.is_some_and(|r| r.eq_ignore_ascii_case(&e));
        if !requester && !ours(&e) && !out.contains(&e) {
            out.push(e);
        }
    }
    out.truncate(MAX_CC);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_are_ours_only() {
        let md = "a ![shot.png](/attachments/0190-ab/inline) b ![x](https://e.test/p.png) \
                  ![again](/attachments/0190-ab/inline) ![y](/attachments/zz/inline) ![z](/attachments/01cd)";
        assert_eq!(image_refs(md), vec![("0190-ab".to_string(), "shot.png".to_string())]);
    }

    #[test]
    fn plain_text_names_our_images_and_keeps_the_rest() {
        let md = "See ![shot.png](/attachments/0190-ab/inline) and ![x](https://e.test/p.png)\n\
                  ![](/attachments/01cd/inline)![y](/attachments/zz/inline) ünï";
        let text = plain_text(md, |alt| format!("[image: {alt}]"));
        assert_eq!(
            text,
            "See [image: shot.png] and ![x](https://e.test/p.png)\n[image: ]![y](/attachments/zz/inline) ünï"
        );
        assert_eq!(plain_text("no images", |_| unreachable!()), "no images");
    }

    #[test]
    fn cc_is_checked_and_deduplicated() {
        assert_eq!(parse_cc(" A@x.test, b@y.test;a@x.test ").unwrap(), vec!["a@x.test", "b@y.test"]);
        assert!(parse_cc("").unwrap().is_empty());
        for bad in ["nobody", "a@b", "x@y.test, <script>@z"] {
            assert!(matches!(parse_cc(bad), Err(AppError::Invalid { .. })), "{bad}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("p{i}@x.test")).collect();
        assert!(parse_cc(&many.join(",")).is_err());
    }

    #[test]
    fn hostile_markdown_is_sanitised() {
        let h = render("**hi** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)> <a href=\"#\" onclick=\"y()\">k</a>\n\n<div onmouseover=\"z()\">block</div>");
        assert!(h.contains("<strong>hi</strong>"), "{h}");
        assert!(h.contains("&lt;script&gt;") && h.contains("&lt;div"), "raw HTML shows as text: {h}");
        for bad in ["<script", "href=\"javascript", "<img", "<a href=\"#\"", "<div"] {
            assert!(!h.contains(bad), "{bad} in {h}");
        }
    }
}
