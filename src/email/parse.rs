//! Reading a stored message: lenient MIME parsing (mail-parser) into what filing needs, the
//! automatic-mail verdict, and the dedupe key. Never panics on input; a message that yields no
//! sender is an error the filer quarantines.

use mail_parser::MimeHeaders;
use sha2::{Digest, Sha256};

/// Most attachments kept from one message; the raw message keeps them all.
const MAX_ATTACHMENTS: usize = 50;
/// Longest Message-ID kept (longer ones are junk, not references anyone will make).
const MAX_ID_LEN: usize = 250;
/// Most references followed for threading.
const MAX_REFERENCES: usize = 100;

/// A message as filing sees it.
#[derive(Debug, Clone, Default)]
pub struct ParsedMail {
    /// The Message-ID without `<>`.
    pub message_id: Option<String>,
    /// Keys to thread by, most telling first: In-Reply-To, then References newest first.
    pub references: Vec<String>,
    /// The sender's address (lowercase) and display name.
    pub from: Option<(String, Option<String>)>,
    /// Everyone on From, To and Cc (lowercase), for the ticket's participants.
    pub addresses: Vec<String>,
    /// The To and Cc headers: address (lowercase) and display name, as sent.
    pub to: Vec<(String, Option<String>)>,
    pub cc: Vec<(String, Option<String>)>,
    /// The Content-Language header, as sent.
    pub content_language: Option<String>,
    /// Who wrote the mail this one forwards (a message/rfc822 attachment, or the header block
    /// of a forward in the text), when it is a forward.
    pub forwarded_from: Option<(String, Option<String>)>,
    /// The forwarded message's own subject, when known.
    pub forwarded_subject: Option<String>,
    pub subject: Option<String>,
    /// The text part, or text from the HTML part; may be empty.
    pub body_text: String,
    /// What the timeline shows of it: the sender's own words (`quotes::visible`).
    pub body_visible: String,
    /// The HTML part, unsanitised (the message store sanitises it).
    pub body_html: Option<String>,
    /// Attachments: file name and decoded bytes.
    pub attachments: Vec<(String, Vec<u8>)>,
    /// Why this is automatic mail (auto-reply, bounce, list, loop), if it is.
    pub automatic: Option<String>,
    /// What dedupes it: the Message-ID, else `sha256:` of normalised headers and body.
    pub dedupe_key: String,
}

/// Message-IDs in a header value: every `<…>`; a bare token when there are none.
pub fn message_ids(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start + 1..].find('>') else { break };
        let id = rest[start + 1..start + 1 + len].trim();
        if !id.is_empty() && id.len() <= MAX_ID_LEN && !id.contains(char::is_whitespace) {
            out.push(id.replace('\0', ""));
        }
        rest = &rest[start + 1 + len + 1..];
    }
    if out.is_empty() {
        let bare = value.trim();
        if !bare.is_empty() && bare.len() <= MAX_ID_LEN && !bare.contains(char::is_whitespace) {
            out.push(bare.replace('\0', ""));
        }
    }
    out
}

/// The attachments' names and bytes, moved out of the parsed message: a decoded (base64 or
/// quoted-printable) attachment is already owned by the parser and is taken without a copy, so
/// a large message's attachments are held once, not twice.
fn take_attachments(msg: &mut mail_parser::Message<'_>) -> Vec<(String, Vec<u8>)> {
    use mail_parser::PartType;
    let mut out = Vec::new();
    for id in msg.attachments.clone() {
        if out.len() == MAX_ATTACHMENTS {
            break;
        }
        let Some(part) = msg.parts.get_mut(id as usize) else { continue };
        let name = part.attachment_name().map(clean).unwrap_or_else(|| "attachment".into());
        let bytes = match std::mem::take(&mut part.body) {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.into_owned(),
            PartType::Text(t) | PartType::Html(t) => t.into_owned().into_bytes(),
            PartType::Message(m) => m.raw_message.into_owned(),
            PartType::Multipart(_) => Vec::new(),
        };
        if !bytes.is_empty() {
            out.push((name, bytes));
        }
    }
    out
}

fn clean(text: &str) -> String {
    text.replace('\0', "")
}

/// The sender and subject of a message's start (its header block), when they parse; for lists
/// of mail that could not be filed, so both may be missing.
pub fn summary(head: &[u8]) -> (Option<String>, Option<String>) {
    let Some(msg) = mail_parser::MessageParser::default().parse_headers(head) else { return (None, None) };
    let line = |s: &str| -> String {
        let spaced: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        spaced.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(250).collect()
    };
    let from = msg.from().and_then(|a| a.first()).and_then(|a| a.address.as_deref()).map(line);
    let subject = msg.subject().map(line).filter(|s| !s.is_empty());
    (from.filter(|f| !f.is_empty()), subject)
}

/// Parse raw bytes; `envelope_from` is SMTP's `MAIL FROM` (empty for bounces).
pub fn parse(raw: &[u8], envelope_from: Option<&str>) -> Result<ParsedMail, String> {
    let mut msg = mail_parser::MessageParser::default().parse(raw).ok_or("the message has no headers or body")?;
    let header =
        |name: &str| msg.headers_raw().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string());
    let message_id = header("Message-ID").and_then(|v| message_ids(&v).into_iter().next());
    let mut references = header("In-Reply-To").map(|v| message_ids(&v)).unwrap_or_default();
    let mut older = header("References").map(|v| message_ids(&v)).unwrap_or_default();
    older.reverse();
    references.extend(older);
    references.dedup();
    references.truncate(MAX_REFERENCES);
    let from = msg.from().and_then(|a| a.first()).and_then(|a| person(a.address.as_deref()?, a.name.as_deref()));
    let list = |l: Option<&mail_parser::Address<'_>>| -> Vec<(String, Option<String>)> {
        l.map(|l| l.iter().filter_map(|a| person(a.address.as_deref()?, a.name.as_deref())).collect())
            .unwrap_or_default()
    };
    let (to, cc) = (list(msg.to()), list(msg.cc()));
    let mut addresses = Vec::new();
    for list in [msg.from(), msg.to(), msg.cc()].into_iter().flatten() {
        for a in list.iter() {
            if let Some(e) = a.address.as_deref().and_then(|e| crate::accounts::normalize_email("to", e).ok()) {
                if !addresses.contains(&e) {
                    addresses.push(e);
                }
            }
        }
    }
    let subject = msg.subject().map(clean);
    let body_text = msg.body_text(0).map(|t| clean(&t)).unwrap_or_default();
    let body_html = html_part(&msg).map(|h| clean(&h));
    let body_visible = visible_text(&msg, &body_text, body_html.as_deref());
    let automatic = automatic(&header, from.as_ref().map(|(e, _)| e.as_str()), envelope_from);
    let (forwarded_from, forwarded_subject) = forwarded(&msg, subject.as_deref(), &body_text);
    let dedupe_key = match &message_id {
        Some(id) => id.clone(),
        None => content_key(raw, &header),
    };
    let content_language = header("Content-Language").map(|v| clean(&v));
    let attachments = take_attachments(&mut msg);
    Ok(ParsedMail {
        message_id,
        references,
        from,
        addresses,
        to,
        cc,
        content_language,
        forwarded_from,
        forwarded_subject,
        subject,
        body_text,
        body_visible,
        body_html,
        attachments,
        automatic,
        dedupe_key,
    })
}

/// An address (normalised) and its display name, when the address is valid.
fn person(address: &str, name: Option<&str>) -> Option<(String, Option<String>)> {
    let email = crate::accounts::normalize_email("from", address).ok()?;
    let name = name.map(|n| clean(n).trim().to_string()).filter(|n| crate::accounts::validate_name("name", n).is_ok());
    Some((email, name))
}

/// The author and subject of the mail a forward carries: an attached message/rfc822 first
/// (its own headers), else the forwarded header block in the text. Only for mail that says it
/// is a forward (subject prefix, separator line or attached message).
fn forwarded(
    msg: &mail_parser::Message<'_>,
    subject: Option<&str>,
    text: &str,
) -> (Option<(String, Option<String>)>, Option<String>) {
    for part in msg.attachments() {
        if let Some(inner) = part.message() {
            let author =
                inner.from().and_then(|a| a.first()).and_then(|a| person(a.address.as_deref()?, a.name.as_deref()));
            if author.is_some() {
                return (author, inner.subject().map(clean));
            }
        }
    }
    let says = subject.is_some_and(super::forwards::is_forward_subject);
    match super::forwards::forwarded_header(text, says) {
        Some(h) => (h.address.as_deref().and_then(|a| person(a, h.name.as_deref())), h.subject),
        None => (None, None),
    }
}

/// The visible part of the text: from the text part when there is one; for HTML-only mail,
/// from the HTML before its quoted history (its converted text has no block breaks to cut at).
fn visible_text(msg: &mail_parser::Message<'_>, text: &str, html: Option<&str>) -> String {
    let has_text_part = msg.text_part(0).is_some_and(|p| matches!(p.body, mail_parser::PartType::Text(_)));
    if !has_text_part {
        if let Some(cut) = html.and_then(|h| super::quotes::html_quote_start(h).map(|at| &h[..at])) {
            let own = super::quotes::visible(&clean(&mail_parser::decoders::html::html_to_text(cut)));
            if !own.trim().is_empty() {
                return own;
            }
        }
    }
    super::quotes::visible(text)
}

/// The HTML body, only when the message has a real HTML part (not one made from its text).
fn html_part(msg: &mail_parser::Message<'_>) -> Option<String> {
    match &msg.html_part(0)?.body {
        mail_parser::PartType::Html(h) => Some(h.to_string()),
        _ => None,
    }
}

/// Why a message is automatic (RFC 3834 Auto-Submitted, the common vendor headers, mailing
/// lists, loops, bounces and delivery reports), or `None` for mail a person wrote.
fn automatic(
    header: &dyn Fn(&str) -> Option<String>,
    from: Option<&str>,
    envelope_from: Option<&str>,
) -> Option<String> {
    let lower = |name: &str| header(name).map(|v| v.to_ascii_lowercase());
    if let Some(v) = lower("Auto-Submitted") {
        if !v.is_empty() && !v.starts_with("no") {
            return Some(format!("Auto-Submitted: {v}"));
        }
    }
    for name in ["X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Loop", "List-Id"] {
        if header(name).is_some() {
            return Some(format!("{name} header"));
        }
    }
    if let Some(v) = lower("Precedence") {
        if ["bulk", "junk", "list", "auto_reply"].iter().any(|p| v.starts_with(p)) {
            return Some(format!("Precedence: {v}"));
        }
    }
    if lower("Content-Type").is_some_and(|v| v.starts_with("multipart/report")) {
        return Some("delivery or disposition report".into());
    }
    let daemon = |addr: &str| {
        let local = addr.rsplit_once('@').map_or(addr, |(l, _)| l).to_ascii_lowercase();
        local == "mailer-daemon" || local == "postmaster"
    };
    if from.is_some_and(daemon) {
        return Some("sent by a mailer daemon".into());
    }
    if envelope_from.is_some_and(|f| f.is_empty() || daemon(f)) {
        return Some("bounce (empty envelope sender)".into());
    }
    None
}

/// The dedupe key of a message without a Message-ID: normalised From, To, Cc, Subject and Date,
/// and the raw body with line endings and trailing spaces normalised (a relay that adds headers
/// or rewrites line ends does not make it new).
fn content_key(raw: &[u8], header: &dyn Fn(&str) -> Option<String>) -> String {
    let mut h = Sha256::new();
    for name in ["From", "To", "Cc", "Subject", "Date"] {
        let v = header(name).unwrap_or_default();
        let normal: Vec<&str> = v.split_whitespace().collect();
        h.update(name.as_bytes());
        h.update(b":");
        h.update(normal.join(" ").to_lowercase().as_bytes());
        h.update(b"\n");
    }
    let body = body_start(raw).map_or(&raw[raw.len()..], |i| &raw[i..]);
    for line in body.split(|&b| b == b'\n') {
        let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
        h.update(&line[..end]);
        h.update(b"\n");
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// Where the body begins: after the first empty line.
fn body_start(raw: &[u8]) -> Option<usize> {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A `[#123]` ticket number in a subject.
pub fn subject_number(subject: &str) -> Option<i64> {
    let mut rest = subject;
    while let Some(i) = rest.find("[#") {
        let after = &rest[i + 2..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(']') {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_numbers() {
        assert_eq!(message_ids(" <a@b> <c@d>\r\n <e@f>"), vec!["a@b", "c@d", "e@f"]);
        assert_eq!(message_ids("bare@id"), vec!["bare@id"]);
        assert!(message_ids("   ").is_empty());
        assert_eq!(subject_number("Re: [#42] Printer"), Some(42));
        assert_eq!(subject_number("[#x] [#7]"), Some(7));
        assert_eq!(subject_number("#7"), None);
    }

    #[test]
    fn automatic_mail_is_recognised() {
        let raw =
            b"From: Bob <bob@example.com>\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nAway.\r\n";
        let p = parse(raw, Some("bob@example.com")).unwrap();
        assert!(p.automatic.is_some());
        assert!(p.dedupe_key.starts_with("sha256:"));
        let raw = b"From: Bob <bob@example.com>\r\nAuto-Submitted: no\r\nMessage-ID: <x@y>\r\n\r\nHi.\r\n";
        let p = parse(raw, Some("bob@example.com")).unwrap();
        assert_eq!((p.automatic, p.dedupe_key.as_str()), (None, "x@y"));
        let p = parse(b"From: a@b.example\r\n\r\nbounce", Some("")).unwrap();
        assert!(p.automatic.is_some());
    }

    #[test]
    fn html_only_replies_strip_like_text_ones() {
        let gmail = "From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div dir=\"ltr\">Fixed, thanks.</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, Mar 2, 2026 at 10:00 AM Desk &lt;desk@x.example&gt; wrote:<br></div><blockquote class=\"gmail_quote\">Try restarting.</blockquote></div>\r\n";
        let outlook = "From: a@b.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div>Fixed, thanks.</div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> Desk &lt;desk@x.example&gt;<br><b>Sent:</b> Monday, March 2, 2026 10:00<br><b>To:</b> Ann<br><b>Subject:</b> RE: printer</div><div>Try restarting.</div>\r\n";
        for raw in [gmail, outlook] {
            let p = parse(raw.as_bytes(), None).unwrap();
            assert_eq!(p.body_visible, "Fixed, thanks.", "{}", p.body_text);
        }
    }

    #[test]
    fn content_keys_ignore_line_endings() {
        let a = parse(b"From: a@b.example\r\nSubject: Hi\r\n\r\nLine one  \r\nLine two\r\n", None).unwrap();
        let b = parse(b"Received: by relay\nFrom: a@b.example\nSubject: Hi\n\nLine one\nLine two\n", None).unwrap();
        assert_eq!(a.dedupe_key, b.dedupe_key);
    }
}
