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

/// The label of a `----- label -----` line, if the line is one.
fn dashed_label(line: &str) -> Option<&str> {
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
fn field_name(line: &str) -> Option<String> {
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
fn header_block_len(lines: &[&str], at: usize) -> Option<usize> {
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

/// Whether a header block's `Subject:` marks a forward.
fn block_is_forward(block: &[&str]) -> bool {
    block.iter().any(|l| {
        field_name(l)
            .is_some_and(|n| matches!(n.as_str(), "subject" | "objet" | "betreff" | "asunto" | "主题" | "oggetto"))
            && l.split_once([':', '：']).is_some_and(|(_, v)| is_forward_subject(v))
    })
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
        assert!(is_forward_subject("Fwd: Broken") && is_forward_subject("WG: x") && !is_forward_subject("Re: x"));
    }

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
    fn only_quoting_is_shown_whole() {
        let text = "> just a quote\n> nothing else\n";
        assert_eq!(visible(text), text.trim());
        assert_eq!(visible(""), "");
    }
}
