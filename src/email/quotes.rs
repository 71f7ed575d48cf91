//! What the timeline shows of a mail's text part: the sender's own words, without the quoted
//! conversation under them, their signature or their phone's footer. Pure and line-based, so
//! it is cheap, never fails and can be tested against other projects' reply corpora.
//!
//! The text is cut at the first *hard* quote boundary (an Outlook `-----Original Message-----`
//! line, an Outlook or Apple `From:`/`Sent:`/`To:` header block, a quote header such as
//! `On … wrote:` that is not followed by `>` lines). Before it, `>`-quoted blocks stay when the
//! sender wrote below them (inline and bottom posts), and the tail is trimmed of quoted blocks
//! with their headers, a `-- ` signature, list footers and mobile footers. When that would leave
//! nothing, the whole text is kept: showing too much is better than showing nothing.

use super::forwards::{block_is_forward, is_forward_separator};

/// Words that end a quote header in the languages mail clients write them in ("On … wrote:",
/// "Le … a écrit :", "Am … schrieb …:", "…写道："). Lowercase; matched inside the header.
const WROTE: &[&str] = &[
    "wrote",
    "writes",
    "a écrit",
    "schrieb",
    "geschrieben",
    "schreef",
    "skrev",
    "skrifaði",
    "escribió",
    "escreveu",
    "scritto",
    "scrisse",
    "napisał",
    "napisala",
    "napisała",
    "napsal",
    "kirjoitti",
    "написал",
    "написала",
    "írta",
    "yazdı",
    "menulis",
    "写道",
    "寫道",
    "が書きました",
    "작성",
];

/// Field names that open a forwarded or quoted header block (Outlook, Apple Mail), in the
/// languages they are written in.
const FROM_FIELDS: &[&str] =
    &["from", "de", "von", "van", "da", "od", "fra", "från", "lähettäjä", "от", "发件人", "寄件者", "差出人"];
/// Field names that follow `From:` in such a block.
const OTHER_FIELDS: &[&str] = &[
    "sent",
    "date",
    "to",
    "cc",
    "subject",
    "envoyé",
    "à",
    "objet",
    "gesendet",
    "datum",
    "an",
    "betreff",
    "verzonden",
    "aan",
    "onderwerp",
    "inviato",
    "data",
    "a",
    "oggetto",
    "enviado",
    "fecha",
    "para",
    "asunto",
    "assunto",
    "sendt",
    "til",
    "emne",
    "skickat",
    "till",
    "ämne",
    "lähetetty",
    "vastaanottaja",
    "aihe",
    "wysłano",
    "do",
    "temat",
    "отправлено",
    "дата",
    "кому",
    "тема",
    "发送时间",
    "日期",
    "收件人",
    "主题",
    "送信日時",
    "宛先",
    "件名",
    "reply-to",
    "sent at",
    "sujet",
    "copie à",
    "envoyé le",
    "date de",
];

/// Longest quote header, in characters (longer text is prose, not a header).
const MAX_HEADER_CHARS: usize = 400;
/// How far from the end a loose signature delimiter (`--`, `____`) may stand.
const SIGNATURE_LINES: usize = 15;
/// Most lines a wrapped quote header spans.
const MAX_HEADER_LINES: usize = 4;

/// The visible part of `full` (see the module doc); the whole text when nothing is stripped.
pub fn visible(full: &str) -> String {
    let text = full.replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let cut = hard_cut(&lines).unwrap_or(lines.len());
    let mut end = trim_tail(&lines[..cut]);
    if end == 0 {
        // Everything before the cut was quoting or a signature: the sender wrote nothing of
        // their own above it, so the timeline shows all of it rather than an empty message.
        end = cut;
    }
    let kept = lines[..end].join("\n");
    let kept = kept.trim_matches('\n').trim_end();
    if kept.trim().is_empty() {
        return full.trim().to_string();
    }
    kept.to_string()
}

/// The label of a `----- label -----` line, if the line is one.
pub(super) fn dashed_label(line: &str) -> Option<&str> {
    let t = line.trim();
    let lead = t.len() - t.trim_start_matches(['-', '—', '–']).len();
    let trail = t.len() - t.trim_end_matches(['-', '—', '–']).len();
    if lead < 2 || trail < 2 || lead + trail >= t.len() {
        return None;
    }
    Some(t[lead..t.len() - trail].trim())
}

/// The first line from which everything is quoted history, if any.
fn hard_cut(lines: &[&str]) -> Option<usize> {
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_forward_separator(line) {
            // A forward is the sender's to show; skip its header block.
            i += 1 + header_block_len(lines, i + 1).unwrap_or(0);
            continue;
        }
        let standalone = |k: usize| k == 0 || lines[k - 1].trim().is_empty();
        if is_mobile_footer(line) && standalone(i) && lines[..i].iter().any(|l| !l.trim().is_empty()) {
            // Phones put their footer under the answer and the original, often unmarked, below.
            return Some(i);
        }
        if quote_depth(line) == 0 {
            if let Some(label) = dashed_label(&line.to_lowercase()) {
                // Zoho: `---- On Wed, 24 Feb 2021 … wrote ----`.
                if WROTE.iter().any(|w| label.ends_with(w)) {
                    return Some(i);
                }
                if !label.is_empty() && label.chars().any(char::is_alphabetic) && label.chars().count() <= 40 {
                    // `-----Original Message-----`, `--- Oprindelig meddelelse ---` and the like.
                    return Some(i);
                }
            }
            if let Some(len) = header_block_len(lines, i) {
                if !block_is_forward(&lines[i..i + len]) {
                    return Some(back_over_rule(lines, i));
                }
                i += len;
                continue;
            }
            if let Some(len) = quote_header_len(lines, i) {
                // Followed by `>` lines it is the caption of a quoted block, which the tail
                // trimming handles (the sender may answer below it); otherwise the quoted
                // text follows unmarked and everything from here is history.
                let next = (i + len..lines.len()).find(|&j| !lines[j].trim().is_empty());
                if next.is_none_or(|j| quote_depth(lines[j]) == 0) {
                    return Some(i);
                }
                i += len;
                continue;
            }
        }
        i += 1;
    }
    None
}

/// Step back over the blank lines and the `____` rule Outlook puts above its header block.
/// Also over a dated caption line directly above the block ("Message du : 12/12/2016").
fn back_over_rule(lines: &[&str], at: usize) -> usize {
    let mut at = at;
    if at > 0 && field_name(lines[at - 1]).is_some() && lines[at - 1].chars().any(|c| c.is_ascii_digit()) {
        at -= 1;
    }
    let mut j = at;
    while j > 0 && lines[j - 1].trim().is_empty() {
        j -= 1;
    }
    let dashes = |l: &str| l.trim().len() >= 10 && l.trim().chars().all(|c| c == '-');
    if j > 0 && (is_rule(lines[j - 1]) || dashes(lines[j - 1])) {
        return j - 1;
    }
    at
}

/// A line of only underscores or only `=`/`*`, as clients and lists draw above footers.
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.chars().count() >= 4 && (t.chars().all(|c| c == '_') || t.chars().all(|c| c == '='))
}

/// How many `>` a line is quoted with (`> > x` is two).
fn quote_depth(line: &str) -> usize {
    let mut depth = 0;
    for c in line.trim_start().chars() {
        match c {
            '>' => depth += 1,
            ' ' | '\t' => {}
            _ => break,
        }
    }
    depth
}

/// The field name of a `Name: value` header line, lowercase, without Markdown/Outlook bold.
pub(super) fn field_name(line: &str) -> Option<String> {
    let t = line.trim().trim_start_matches('*');
    let (name, rest) = t.split_once([':', '：'])?;
    let name = name.trim().trim_end_matches('*').trim().to_lowercase();
    if name.is_empty() || name.chars().count() > 20 {
        return None;
    }
    // "From: our database" in prose has no value shape; a header names someone or a date.
    let _ = rest;
    Some(name)
}

/// The length of an Outlook/Apple header block starting at `at` (`From:` then at least two of
/// `Sent:`, `To:`, `Subject:`… within the next lines), if one starts there.
pub(super) fn header_block_len(lines: &[&str], at: usize) -> Option<usize> {
    let first = field_name(lines.get(at)?)?;
    if !FROM_FIELDS.contains(&first.as_str()) {
        return None;
    }
    let value = lines[at].split_once([':', '：']).map_or("", |(_, v)| v).trim();
    if value.is_empty() && lines.get(at + 1).is_none_or(|l| l.trim().is_empty()) {
        return None;
    }
    let mut others = 0;
    let mut len = 1;
    for (k, line) in lines.iter().enumerate().skip(at + 1).take(8) {
        if line.trim().is_empty() {
            break;
        }
        match field_name(line) {
            Some(n) if OTHER_FIELDS.contains(&n.as_str()) => {
                others += 1;
                len = k - at + 1;
            }
            // A wrapped value (a long To: list) continues the block.
            _ if others > 0 || k == at + 1 => len = k - at + 1,
            _ => break,
        }
    }
    (others >= 2).then_some(len)
}

/// The number of lines of a quote header (`On … wrote:`, possibly wrapped) starting at `at`.
fn quote_header_len(lines: &[&str], at: usize) -> Option<usize> {
    let first = lines[at].trim();
    if first.is_empty() {
        return None;
    }
    let mut joined = String::new();
    for n in 1..=MAX_HEADER_LINES {
        let line = lines.get(at + n - 1)?.trim();
        // Gmail wraps `<address\n>:` so that the colon line looks quoted.
        let closing = matches!(line, ">:" | "> :");
        if line.is_empty() || (n > 1 && quote_depth(line) > 0 && !closing) {
            return None;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(line);
        if joined.chars().count() > MAX_HEADER_CHARS {
            return None;
        }
        if n > 1 && !wraps_into_next(first) {
            return None;
        }
        if is_quote_header(&joined) {
            return Some(n);
        }
    }
    None
}

/// Whether a line may be the first of a wrapped quote header: it reads like the start of one
/// (a lead word or a date), not like a sentence that ended.
fn wraps_into_next(first: &str) -> bool {
    if first.ends_with(['.', '!', '?', '。']) {
        return false;
    }
    starts_like_header(&first.to_lowercase()) || first.contains('@')
}

/// Whether lowercase text opens like a quote header: a lead word ("On", "Le", "Am" …) or a date.
fn starts_like_header(lower: &str) -> bool {
    let lead = ["on ", "le ", "am ", "el ", "il ", "op ", "den ", "w dniu", "dnia ", "em ", "no dia", "在", "pe "];
    lead.iter().any(|l| lower.starts_with(l)) || lower.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Whether one (joined) line is a quote header.
fn is_quote_header(line: &str) -> bool {
    let t = line.trim().trim_start_matches('*').trim();
    let lower = t.to_lowercase();
    let colon = t.ends_with([':', '：']);
    // A few clients drop the colon ("On … John <j@x> wrote"); then it must read like a header.
    let bare = WROTE.iter().any(|w| lower.ends_with(w)) && starts_like_header(&lower);
    if !colon && !bare {
        return false;
    }
    let dated = lower.chars().any(|c| c.is_ascii_digit()) || lower.contains('@');
    if !dated {
        return false;
    }
    // Gmail in languages without a "wrote" word (Russian): a date, then `Name <address>:`.
    if lower.trim_end_matches([':', '：', ' ']).ends_with('>') && lower.contains('@') {
        return true;
    }
    WROTE.iter().any(|w| {
        lower.rfind(w).is_some_and(|at| {
            // The marker ends the header, give or take the writer's name and address.
            let after = lower[at + w.len()..].trim_start_matches(|c: char| c.is_alphabetic() || c == '(' || c == ')');
            let after = after.trim();
            after.chars().count() <= 90 && !after.contains("http") && !lower[..at].contains("http")
        })
    })
}

/// Where the quoted history starts in an HTML body, by the markup clients wrap it in (Gmail's
/// `gmail_quote`, Outlook's `divRplyFwdMsg` and `appendonsend`, Thunderbird's `moz-cite-prefix`,
/// Yahoo's `yahoo_quoted`, Apple Mail's `<blockquote type="cite">`, any `<blockquote>`): the
/// offset of the tag that opens it. For HTML-only mail, whose text the parser makes without
/// line breaks between blocks, so the text rules alone cannot find the boundary.
pub fn html_quote_start(html: &str) -> Option<usize> {
    // ASCII lowercase keeps byte offsets; the markers are ASCII.
    let lower = html.to_ascii_lowercase();
    let markers = [
        "class=\"gmail_quote",
        "id=\"divrplyfwdmsg\"",
        "id=\"appendonsend\"",
        "id=\"mail-editor-reference-message-container\"",
        "class=\"moz-cite-prefix\"",
        "class=\"yahoo_quoted\"",
        "<blockquote",
    ];
    let at = markers.iter().filter_map(|m| lower.find(m)).min()?;
    // The tag the marker sits in (a `<blockquote` is its own start).
    Some(lower[..=at].rfind('<').unwrap_or(at))
}

/// Whether a line is a phone's or mail app's footer ("Sent from my iPhone").
fn is_mobile_footer(line: &str) -> bool {
    // Outlook's footer links its app: "Get Outlook for iOS<https://…>".
    let t = line.trim();
    let t = match t.find('<') {
        Some(i) if t.ends_with('>') && t[i..].contains("http") => t[..i].trim(),
        _ => t,
    };
    let lower = t.to_lowercase();
    let words = lower.split_whitespace().count();
    if words == 0 || words > 7 || t.ends_with(['.', ',', '!', '?']) || t.contains(',') {
        return false;
    }
    let starts = [
        "sent from ",
        "sent via ",
        "get outlook for",
        "envoyé de mon",
        "envoyé à partir de",
        "obtenir outlook pour",
        "holen sie sich outlook",
        "envoyé depuis",
        "von meinem",
        "gesendet von",
        "enviado desde mi",
        "enviado do meu",
        "inviato da",
        "verzonden vanaf",
        "skickat från",
        "sendt fra min",
        "发自我的",
        "从我的",
        "寄件者",
    ];
    starts.iter().any(|s| lower.starts_with(s)) || lower.ends_with("gesendet") && lower.starts_with("von ")
}

/// Where the sender's own text ends in `lines` (exclusive): trailing blank lines, `>` blocks
/// with their quote headers, signatures and footers are trimmed, repeatedly.
fn trim_tail(lines: &[&str]) -> usize {
    // A line right under a quoted one, with no blank between, is the quote hard-wrapped by a
    // client that did not re-mark it, not an answer.
    let mut quoted = vec![false; lines.len()];
    for (k, line) in lines.iter().enumerate() {
        quoted[k] = quote_depth(line) > 0 || (k > 0 && quoted[k - 1] && !line.trim().is_empty());
    }
    let mut end = lines.len();
    loop {
        let before = end;
        while end > 0 && lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        // A quoted block at the end, with the header that introduces it.
        if end > 0 && quoted[end - 1] {
            while end > 0 && (quoted[end - 1] || lines[end - 1].trim().is_empty()) {
                end -= 1;
            }
            end = strip_header_above(lines, end);
        }
        if end > 0 && is_mobile_footer(lines[end - 1]) {
            end -= 1;
        }
        if let Some(sig) = signature_start(&lines[..end]).or_else(|| sign_off_start(&lines[..end])) {
            end = sig;
        }
        if end == before {
            return end;
        }
    }
}

/// `end` moved above a quote header that ends right there (so the header goes with its quote).
fn strip_header_above(lines: &[&str], end: usize) -> usize {
    // The longest match: a wrapped header's last line may read as a header by itself.
    for n in (1..=MAX_HEADER_LINES.min(end)).rev() {
        // At least `n`: the header's closing `>:` line may have gone with the quote.
        if quote_header_len(lines, end - n).is_some_and(|len| len >= n) {
            return end - n;
        }
    }
    end
}

/// Where a trailing signature starts: the standard `-- ` line anywhere, or a bare `--` or a
/// list footer's `____` rule among the last lines.
fn signature_start(lines: &[&str]) -> Option<usize> {
    let near = lines.len().saturating_sub(SIGNATURE_LINES);
    (0..lines.len()).rev().find(|&i| {
        let t = lines[i];
        let standard = t.trim_end_matches('\r') == "-- ";
        let loose = i >= near && {
            let t = t.trim();
            t == "--" || t == "__" || (is_rule(t) && t.starts_with('_'))
        };
        (standard || loose) && lines[..i].iter().any(|l| !l.trim().is_empty())
    })
}

/// Formal closings that start a signature when only a name and title follow them.
const SIGN_OFFS: &[&str] = &[
    "regards",
    "best regards",
    "kind regards",
    "warm regards",
    "with regards",
    "best wishes",
    "cordialement",
    "bien cordialement",
    "mit freundlichen grüßen",
    "viele grüße",
    "saludos",
    "saludos cordiales",
    "atenciosamente",
    "cordiali saluti",
    "met vriendelijke groet",
    "此致",
    "祝好",
];

/// Where a closing such as "Regards," starts, when at most a few short lines (a name, a title)
/// follow it to the end.
fn sign_off_start(lines: &[&str]) -> Option<usize> {
    let from = lines.len().saturating_sub(6);
    let i = (from..lines.len()).find(|&i| {
        let t = lines[i].trim().trim_end_matches([',', '.', '!', '，']).trim().to_lowercase();
        SIGN_OFFS.contains(&t.as_str())
    })?;
    let short = lines[i + 1..].iter().all(|l| l.trim().chars().count() <= 60);
    (short && lines[..i].iter().any(|l| !l.trim().is_empty())).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_quote_headers_in_several_languages() {
        for header in [
            "On Tue, Mar 3, 2026 at 10:01 AM, Ann <ann@example.com> wrote:",
            "Le mar. 3 mars 2026 à 10:01, Ann <ann@example.com> a écrit :",
            "Am 03.03.2026 um 10:01 schrieb Ann <ann@example.com>:",
            "在 2026年3月3日周二 10:01，Ann <ann@example.com> 写道：",
            "El mar, 3 mar 2026 a las 10:01, Ann (<ann@example.com>) escribió:",
        ] {
            let text = format!("Thanks, that fixed it.\n\n{header}\n> Try restarting.\n> Bob\n");
            assert_eq!(visible(&text), "Thanks, that fixed it.", "{header}");
        }
    }

    #[test]
    fn cuts_what_each_client_writes() {
        let cases = [
            // Apple Mail
            "On 2 Mar 2026, at 10:01, Ann <ann@example.com> wrote:\n\n> Try restarting.",
            // Thunderbird, English and German
            "On 02/03/2026 10:01, Ann wrote:\n> Try restarting.",
            "Am 02.03.26 um 10:01 schrieb Ann:\n> Try restarting.",
            // Gmail in Chinese and Japanese (the latter has no "wrote" word)
            "Ann <ann@example.com> 于2026年3月2日周一 10:01写道：\n> Try restarting.",
            "2026年3月2日(月) 10:01 Ann <ann@example.com>:\n> Try restarting.",
            // Outlook in Chinese, and a phone footer in Chinese
            "发件人: Ann <ann@example.com>\n发送时间: 2026年3月2日 10:01\n收件人: Desk\n主题: 回复: 打印机\n\nTry restarting.",
            "发自我的iPhone\n\n------------------ 原始邮件 ------------------\nTry restarting.",
            // Outlook's unmarked quote under "-----Original Message-----"
            "-----Original Message-----\nFrom: Ann\nSent: Monday\nTo: Desk\nSubject: RE: printer\n\nTry restarting.",
        ];
        for tail in cases {
            let text = format!("Fixed, thanks.\n\n{tail}\n");
            assert_eq!(visible(&text), "Fixed, thanks.", "{tail}");
        }
    }

    #[test]
    fn cuts_outlook_blocks_and_footers() {
        let text = "Works now.\r\n\r\nSent from my iPhone\r\n\r\n-----Original Message-----\r\nFrom: Desk <d@x.example>\r\nSent: Monday\r\nTo: Ann\r\nSubject: Re: help\r\n\r\nOld text\r\n";
        assert_eq!(visible(text), "Works now.");
        let text = "Works now.\n\n________________________________\nFrom: Desk <d@x.example>\nSent: Monday\nTo: Ann\nSubject: Re: help\n\nOld text";
        assert_eq!(visible(text), "Works now.");
        let text = "Works now.\n\n-- \nAnn Smith\nACME Ltd\n";
        assert_eq!(visible(text), "Works now.");
    }

    #[test]
    fn keeps_inline_answers_and_prose_that_looks_like_headers() {
        let text =
            "On Mon, Ann <a@x.example> wrote:\n> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two.\n";
        assert_eq!(visible(text), text.trim());
        let text = "On the other hand, 3 things: a, b and c:\n\nfine.";
        assert_eq!(visible(text), text);
        let text = "Sent from my desk, which is easier than my phone.";
        assert_eq!(visible(text), text);
    }

    #[test]
    fn forwards_stay_visible() {
        let text = "FYI\n\n---------- Forwarded message ---------\nFrom: Ann <ann@example.com>\nDate: Mon, 2 Mar 2026\nSubject: Broken\nTo: <me@x.example>\n\nIt is broken.\n";
        assert!(visible(text).ends_with("It is broken."));
    }

    #[test]
    fn finds_quoted_history_in_html() {
        let html = "<div>Fixed.</div><div class=\"gmail_quote\"><blockquote>old</blockquote></div>";
        assert_eq!(&html[..html_quote_start(html).unwrap()], "<div>Fixed.</div>");
        let html = "<p>Fixed.</p><hr><DIV ID=\"divRplyFwdMsg\"><b>From:</b> Desk</DIV>";
        assert_eq!(&html[..html_quote_start(html).unwrap()], "<p>Fixed.</p><hr>");
        assert_eq!(html_quote_start("<p>No history here.</p>"), None);
    }

    #[test]
    fn only_quoting_is_shown_whole() {
        let text = "> just a quote\n> nothing else\n";
        assert_eq!(visible(text), text.trim());
        assert_eq!(visible(""), "");
    }
}
