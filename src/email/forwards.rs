//! Forwards: whether a mail is one (its subject, a separator line) and who wrote the mail it
//! forwards, from the header block clients put above the forwarded text (Gmail, Apple Mail,
//! Outlook, in their languages). Pure, like `quotes`, whose line helpers it shares.

use super::quotes::{dashed_label, field_name, header_block_len};

/// Subject prefixes that mark a forward rather than a reply.
const FORWARD_PREFIXES: &[&str] = &["fwd", "fw", "wg", "tr", "rv", "vs", "i", "enc", "doorst", "转发", "轉寄"];

/// Words inside a `---- … ----` separator that mark a forward (which stays visible).
const FORWARD_WORDS: &[&str] = &[
    "forward",
    "weitergeleitet",
    "transféré",
    "doorgestuurd",
    "videresendt",
    "vidarebefordrat",
    "inoltrato",
    "reenviado",
    "encaminhada",
    "przekazana",
    "转发",
    "轉寄",
];

/// Whether `subject` says the message is a forward (`Fwd:`, `FW:`, `WG:`, `TR:` …).
pub fn is_forward_subject(subject: &str) -> bool {
    let s = subject.trim_start().to_lowercase();
    let Some((prefix, _)) = s.split_once([':', '：']) else { return false };
    let prefix = prefix.trim();
    FORWARD_PREFIXES.contains(&prefix)
}

/// Whether a line separates a forwarded message (`---------- Forwarded message ---------`,
/// `Begin forwarded message:`, `-------- Message transféré --------`).
pub fn is_forward_separator(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    if l.starts_with("begin forwarded message") || l.starts_with("anfang der weitergeleiteten") {
        return true;
    }
    dashed_label(&l).is_some_and(|label| FORWARD_WORDS.iter().any(|w| label.contains(w)))
}

/// The header block of a forwarded message in a text part: who wrote it and its subject.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForwardedHeader {
    /// The address on its `From:` line, as written (not yet validated).
    pub address: Option<String>,
    pub name: Option<String>,
    pub subject: Option<String>,
}

/// The first forwarded header block in `text`: the one after a forward separator, or, when
/// the subject already says the mail is a forward (`subject_says`), the first `From:`/`Sent:`
/// block (Outlook forwards under a rule or `-----Original Message-----`, with no separator).
pub fn forwarded_header(text: &str, subject_says: bool) -> Option<ForwardedHeader> {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let separator = is_forward_separator(lines[i]);
        let block = header_block_len(&lines, i).filter(|&len| subject_says || block_is_forward(&lines[i..i + len]));
        if let Some(len) = block {
            return Some(read_block(&lines[i..i + len]));
        }
        if separator {
            let mut j = i + 1;
            while j < lines.len() && lines[j].trim().is_empty() {
                j += 1;
            }
            if let Some(len) = header_block_len(&lines, j) {
                return Some(read_block(&lines[j..j + len]));
            }
        }
        i += 1;
    }
    None
}

fn read_block(block: &[&str]) -> ForwardedHeader {
    let mut out = ForwardedHeader::default();
    for (k, line) in block.iter().enumerate() {
        let Some(field) = field_name(line) else { continue };
        let value = line.split_once([':', '：']).map_or("", |(_, v)| v).trim().trim_matches('*').trim();
        if k == 0 {
            // Outlook may wrap a long From: value onto the next line.
            let value = match block.get(1) {
                Some(next) if field_name(next).is_none() => format!("{value} {}", next.trim()),
                _ => value.to_string(),
            };
            let (name, address) = split_person(&value);
            out.name = name;
            out.address = address;
        } else if matches!(
            field.as_str(),
            "subject"
                | "objet"
                | "betreff"
                | "asunto"
                | "assunto"
                | "oggetto"
                | "onderwerp"
                | "emne"
                | "ämne"
                | "aihe"
                | "temat"
                | "тема"
                | "主题"
                | "件名"
        ) {
            out.subject = Some(value.to_string()).filter(|v| !v.is_empty());
        }
    }
    out
}

/// A `From:` value as clients write it: `Name <a@b>`, `"Name" <a@b>`, `Name [mailto:a@b]`,
/// `a@b`, or a name alone (Outlook, which then has no address).
fn split_person(value: &str) -> (Option<String>, Option<String>) {
    let v = value.trim();
    let bracketed = |open: char, close: char| -> Option<(String, String)> {
        let start = v.rfind(open)?;
        let end = v[start..].find(close)? + start;
        let inner = v[start + 1..end].trim().trim_start_matches("mailto:").to_string();
        Some((v[..start].to_string(), inner))
    };
    let (name, address) = match bracketed('<', '>').or_else(|| bracketed('[', ']')) {
        Some((n, a)) if a.contains('@') => (n, Some(a)),
        _ if v.contains('@') && !v.contains(char::is_whitespace) => (String::new(), Some(v.to_string())),
        _ => (v.to_string(), v.split_whitespace().find(|w| w.contains('@')).map(str::to_string)),
    };
    let name = name.trim().trim_matches(['"', '\'', '*']).trim().to_string();
    let address =
        address.map(|a| a.trim_matches(['<', '>', '(', ')', '"', '*']).trim_start_matches("mailto:").to_string());
    ((!name.is_empty() && !name.contains('@')).then_some(name), address)
}

/// Whether a header block's `Subject:` marks a forward.
pub(super) fn block_is_forward(block: &[&str]) -> bool {
    block.iter().any(|l| {
        field_name(l)
            .is_some_and(|n| matches!(n.as_str(), "subject" | "objet" | "betreff" | "asunto" | "主题" | "oggetto"))
            && l.split_once([':', '：']).is_some_and(|(_, v)| is_forward_subject(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_author_of_forwarded_mail() {
        let gmail = "FYI\n\n---------- Forwarded message ---------\nFrom: Ann Lee <ann@example.com>\nDate: Mon, 2 Mar 2026 at 10:00\nSubject: Broken printer\nTo: <desk@acme.example>\n\nIt is broken.\n";
        let h = forwarded_header(gmail, false).unwrap();
        assert_eq!((h.address.as_deref(), h.name.as_deref()), (Some("ann@example.com"), Some("Ann Lee")));
        assert_eq!(h.subject.as_deref(), Some("Broken printer"));
        let outlook = "See below.\n\n________________________________\nFrom: Ann Lee [mailto:ann@example.com]\nSent: Monday, March 2, 2026 10:00 AM\nTo: Desk\nSubject: Broken printer\n\nIt is broken.";
        assert_eq!(forwarded_header(outlook, true).unwrap().address.as_deref(), Some("ann@example.com"));
        // Without a forward subject, the same block is a reply's quoted history.
        assert_eq!(forwarded_header(outlook, false), None);
        let apple = "Begin forwarded message:\n\nFrom: \"Ann\" <ann@example.com>\nSubject: Help\nDate: 2 March 2026\nTo: desk@acme.example\n\nHelp!";
        assert_eq!(forwarded_header(apple, false).unwrap().name.as_deref(), Some("Ann"));
    }

    #[test]
    fn forward_subjects() {
        assert!(is_forward_subject("Fwd: Broken") && is_forward_subject("WG: x") && is_forward_subject("转发：x"));
        assert!(!is_forward_subject("Re: x") && !is_forward_subject("Broken"));
    }
}
