//! What changed between two versions of an article's text: a line diff (the longest common
//! subsequence of lines), the words that changed within a changed line, and the unchanged runs
//! folded down to a little context, as a unified diff shows them.
//!
//! The work is bounded. A body may hold `MAX_BODY_CHARS` characters, hence up to that many lines,
//! and the table of the longest common subsequence grows with the product of both line counts: two
//! 20,000-line bodies would take 400 million cells and seconds of CPU on a request any agent can
//! send. Past [`MAX_CELLS`] the changed middle (what lies between the common first and last lines)
//! is shown as removed whole and added whole instead, which is still right, only coarser. Within
//! the bound the table takes at most 16 MB (4-byte cells) for the time of one request. A page
//! shows at most [`MAX_SHOWN_LINES`] lines of the diff, so a body of 200,000 short lines does not
//! become a page of hundreds of megabytes either.

/// Most cells of a longest-common-subsequence table, for lines and for the words of all the
/// changed lines together; past it the result is coarse (see the module's comment).
pub const MAX_CELLS: usize = 4_000_000;
/// Most lines of a diff shown; the rest are counted in [`Diff::cut`].
pub const MAX_SHOWN_LINES: usize = 5_000;
/// Unchanged lines kept on each side of a change.
pub const CONTEXT: usize = 2;

/// What happened to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// In both texts.
    Same,
    /// Only in the older text.
    Removed,
    /// Only in the newer text.
    Added,
}

/// A run of a line's text, `changed` when it is not in the line it pairs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub changed: bool,
}

/// One line of the diff, with its number in the older and the newer text (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub change: Change,
    pub old: Option<usize>,
    pub new: Option<usize>,
    /// The line's text; more than one piece only when words within it are marked.
    pub pieces: Vec<Piece>,
}

impl Line {
    /// The whole line.
    pub fn text(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect()
    }

    /// Whether the line was removed.
    pub fn is_removed(&self) -> bool {
        self.change == Change::Removed
    }

    /// Whether the line was added.
    pub fn is_added(&self) -> bool {
        self.change == Change::Added
    }
}

/// Lines around one or more changes, after `skipped` unchanged lines not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub skipped: usize,
    pub lines: Vec<Line>,
}

/// The difference between two texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub hunks: Vec<Hunk>,
    /// Unchanged lines after the last hunk, not shown.
    pub skipped_after: usize,
    /// The texts were too long to compare line by line: the changed middle is shown replaced.
    pub coarse: bool,
    /// Lines of the diff past [`MAX_SHOWN_LINES`], not shown (0 when all are).
    pub cut: usize,
}

impl Diff {
    /// Whether the texts are the same.
    pub fn is_empty(&self) -> bool {
        self.hunks.is_empty()
    }
}

/// CRLF and lone CR (old Mac, some pasted text) are line breaks like LF.
fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The lines of `a` and `b` compared, with [`CONTEXT`] lines around each change.
pub fn diff(a: &str, b: &str) -> Diff {
    diff_with(a, b, MAX_CELLS)
}

/// [`diff`] with another bound on the work, in cells.
pub fn diff_with(a: &str, b: &str, max_cells: usize) -> Diff {
    let (a, b) = (normalise(a), normalise(b));
    let old: Vec<&str> = a.lines().collect();
    let new: Vec<&str> = b.lines().collect();
    let (ops, coarse) = line_ops(&old, &new, max_cells);
    let mut budget = max_cells;
    let lines = with_words(&ops, &old, &new, &mut budget);
    let (mut hunks, mut skipped_after) = fold(lines);
    let cut = cut_to(&mut hunks, MAX_SHOWN_LINES);
    if cut > 0 {
        skipped_after = 0;
    }
    Diff { hunks, skipped_after, coarse, cut }
}

/// Each line of the diff as (change, index in old, index in new).
type Op = (Change, usize, usize);

fn line_ops(old: &[&str], new: &[&str], max_cells: usize) -> (Vec<Op>, bool) {
    // The common first and last lines cost nothing to find and take most of a usual edit out
    // of the table.
    let head = old.iter().zip(new).take_while(|(x, y)| x == y).count();
    let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (mid_a, mid_b) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);
    let mut ops: Vec<Op> = (0..head).map(|i| (Change::Same, i, i)).collect();
    let cells = (mid_a.len() + 1).saturating_mul(mid_b.len() + 1);
    let coarse = cells > max_cells;
    if coarse {
        ops.extend((0..mid_a.len()).map(|i| (Change::Removed, head + i, head)));
        ops.extend((0..mid_b.len()).map(|j| (Change::Added, head + mid_a.len(), head + j)));
    } else {
        ops.extend(lcs(mid_a, mid_b).into_iter().map(|(c, i, j)| (c, head + i, head + j)));
    }
    let (oa, ob) = (old.len() - tail, new.len() - tail);
    ops.extend((0..tail).map(|k| (Change::Same, oa + k, ob + k)));
    (ops, coarse)
}

/// The longest common subsequence of `a` and `b`, as the steps that turn `a` into `b`; removals
/// come before additions where both are at one place, so a changed line reads old, then new.
fn lcs<T: PartialEq>(a: &[T], b: &[T]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    // `len[i * w + j]`: the length of the longest common subsequence of `a[i..]` and `b[j..]`.
    let mut len = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i * w + j] =
                if a[i] == b[j] { len[(i + 1) * w + j + 1] + 1 } else { len[(i + 1) * w + j].max(len[i * w + j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(n + m));
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push((Change::Same, i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || len[(i + 1) * w + j] >= len[i * w + j + 1]) {
            out.push((Change::Removed, i, j));
            i += 1;
        } else {
            out.push((Change::Added, i, j));
            j += 1;
        }
    }
    out
}

/// The diff's lines, with the changed words marked where a removed line and an added line pair
/// up (the k-th removed with the k-th added of one changed run), while the budget lasts.
fn with_words(ops: &[Op], old: &[&str], new: &[&str], budget: &mut usize) -> Vec<Line> {
    let whole = |text: &str| vec![Piece { text: text.to_string(), changed: false }];
    let mut out = Vec::with_capacity(ops.len());
    let mut k = 0;
    while k < ops.len() {
        let (c, i, j) = ops[k];
        if c == Change::Same {
            out.push(Line { change: c, old: Some(i + 1), new: Some(j + 1), pieces: whole(old[i]) });
            k += 1;
            continue;
        }
        let removed: Vec<usize> = ops[k..].iter().take_while(|o| o.0 == Change::Removed).map(|o| o.1).collect();
        let added: Vec<usize> =
            ops[k + removed.len()..].iter().take_while(|o| o.0 == Change::Added).map(|o| o.2).collect();
        k += removed.len() + added.len();
        let mut marked_old = Vec::new();
        let mut marked_new = Vec::new();
        for (&i, &j) in removed.iter().zip(&added) {
            let (p, q) = words(old[i], new[j], budget);
            marked_old.push(p);
            marked_new.push(q);
        }
        for (n, &i) in removed.iter().enumerate() {
            let pieces = marked_old.get(n).cloned().unwrap_or_else(|| whole(old[i]));
            out.push(Line { change: Change::Removed, old: Some(i + 1), new: None, pieces });
        }
        for (n, &j) in added.iter().enumerate() {
            let pieces = marked_new.get(n).cloned().unwrap_or_else(|| whole(new[j]));
            out.push(Line { change: Change::Added, old: None, new: Some(j + 1), pieces });
        }
    }
    out
}

/// Chinese, Japanese and Korean text, and Thai, have no spaces between words: each character is
/// a word of its own for the marks.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0E7F          // Thai
        | 0x3000..=0x303F        // CJK symbols and punctuation
        | 0x3040..=0x30FF        // Hiragana, Katakana
        | 0x3400..=0x4DBF        // CJK extension A
        | 0x4E00..=0x9FFF        // CJK unified ideographs
        | 0xAC00..=0xD7AF        // Hangul syllables
        | 0xF900..=0xFAFF        // CJK compatibility ideographs
        | 0xFF00..=0xFFEF        // Full-width forms
        | 0x20000..=0x3FFFF) // CJK extensions B and on
}

/// A line cut into words: runs of letters and digits, runs of spaces, and every other character
/// (punctuation, and each character of unspaced scripts) alone.
fn tokens(s: &str) -> Vec<&str> {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Word,
        Space,
        Single,
    }
    let kind = |c: char| {
        if unspaced(c) {
            Kind::Single
        } else if c.is_alphanumeric() || c == '_' {
            Kind::Word
        } else if c.is_whitespace() {
            Kind::Space
        } else {
            Kind::Single
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut last: Option<Kind> = None;
    for (at, c) in s.char_indices() {
        let k = kind(c);
        if let Some(l) = last {
            if l != k || k == Kind::Single {
                out.push(&s[start..at]);
                start = at;
            }
        }
        last = Some(k);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The pieces of a removed line `a` and the added line `b` it pairs with, the words each does
/// not share with the other marked; unmarked whole lines once the budget is spent.
fn words(a: &str, b: &str, budget: &mut usize) -> (Vec<Piece>, Vec<Piece>) {
    let (ta, tb) = (tokens(a), tokens(b));
    let cells = (ta.len() + 1).saturating_mul(tb.len() + 1);
    let plain = |s: &str| vec![Piece { text: s.to_string(), changed: false }];
    if cells > *budget {
        *budget = 0;
        return (plain(a), plain(b));
    }
    *budget -= cells;
    let (mut pa, mut pb) = (Vec::new(), Vec::new());
    for (c, i, j) in lcs(&ta, &tb) {
        match c {
            Change::Same => {
                push(&mut pa, ta[i], false);
                push(&mut pb, tb[j], false);
            }
            Change::Removed => push(&mut pa, ta[i], true),
            Change::Added => push(&mut pb, tb[j], true),
        }
    }
    (pa, pb)
}

/// Append `text` to the last piece when its mark is the same.
fn push(pieces: &mut Vec<Piece>, text: &str, changed: bool) {
    match pieces.last_mut() {
        Some(p) if p.changed == changed => p.text.push_str(text),
        _ => pieces.push(Piece { text: text.to_string(), changed }),
    }
}

/// Group the lines into hunks: each change with up to [`CONTEXT`] unchanged lines either side;
/// and the unchanged lines after the last hunk. A run that would hide a single line is shown
/// whole: a line saying "1 unchanged line" takes the place of that line for nothing.
fn fold(lines: Vec<Line>) -> (Vec<Hunk>, usize) {
    let n = lines.len();
    if lines.iter().all(|l| l.change == Change::Same) {
        return (Vec::new(), 0);
    }
    // Whether each line is shown.
    let mut shown = vec![true; n];
    let mut i = 0;
    while i < n {
        if lines[i].change != Change::Same {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && lines[i].change == Change::Same {
            i += 1;
        }
        let keep_head = if start == 0 { 0 } else { CONTEXT };
        let keep_tail = if i == n { 0 } else { CONTEXT };
        let len = i - start;
        if len >= keep_head + keep_tail + 2 {
            shown[start + keep_head..i - keep_tail].iter_mut().for_each(|s| *s = false);
        }
    }
    let mut hunks: Vec<Hunk> = Vec::new();
    let (mut skipped, mut open) = (0, false);
    for (line, show) in lines.into_iter().zip(shown) {
        if !show {
            skipped += 1;
            open = false;
        } else if open {
            hunks.last_mut().expect("a hunk is open").lines.push(line);
        } else {
            hunks.push(Hunk { skipped, lines: vec![line] });
            (skipped, open) = (0, true);
        }
    }
    (hunks, skipped)
}

/// Keep the first `max` lines of the hunks; how many lines (shown or folded) were dropped.
fn cut_to(hunks: &mut Vec<Hunk>, max: usize) -> usize {
    let mut left = max;
    let mut cut = 0;
    let mut keep = 0;
    for h in hunks.iter_mut() {
        if left == 0 {
            cut += h.skipped + h.lines.len();
            continue;
        }
        keep += 1;
        if h.lines.len() > left {
            cut += h.lines.len() - left;
            h.lines.truncate(left);
        }
        left -= h.lines.len();
    }
    hunks.truncate(keep);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diff as text: "  same", "- removed", "+ added", "@ 3" for three lines skipped; changed
    /// words in brackets.
    fn show(d: &Diff) -> Vec<String> {
        let mut out = Vec::new();
        for h in &d.hunks {
            if h.skipped > 0 {
                out.push(format!("@ {}", h.skipped));
            }
            for l in &h.lines {
                let sign = match l.change {
                    Change::Same => ' ',
                    Change::Removed => '-',
                    Change::Added => '+',
                };
                let text: String =
                    l.pieces.iter().map(|p| if p.changed { format!("[{}]", p.text) } else { p.text.clone() }).collect();
                out.push(format!("{sign} {text}"));
            }
        }
        if d.skipped_after > 0 {
            out.push(format!("@ {}", d.skipped_after));
        }
        out
    }

    #[test]
    fn identical_texts_have_no_changes() {
        let d = diff("one\ntwo\nthree", "one\ntwo\nthree");
        assert!(d.is_empty() && !d.coarse);
        assert_eq!(d.skipped_after, 0);
        assert!(diff("", "").is_empty());
    }

    #[test]
    fn an_inserted_line() {
        let d = diff("a\nb\nc", "a\nb\nnew\nc");
        assert_eq!(show(&d), ["  a", "  b", "+ new", "  c"]);
        let added = &d.hunks[0].lines[2];
        assert_eq!((added.old, added.new), (None, Some(3)));
    }

    #[test]
    fn a_deleted_line() {
        let d = diff("a\nb\ngone\nc", "a\nb\nc");
        assert_eq!(show(&d), ["  a", "  b", "- gone", "  c"]);
        assert_eq!(d.hunks[0].lines[2].old, Some(3));
    }

    #[test]
    fn a_changed_line_marks_its_words() {
        let d = diff("Open the billing page.", "Open the invoices page.");
        assert_eq!(show(&d), ["- Open the [billing] page.", "+ Open the [invoices] page."]);
    }

    #[test]
    fn cjk_words_are_characters() {
        let d = diff("打开账单页面，选择月份。", "打开发票页面，选择月份。");
        assert_eq!(show(&d), ["- 打开[账单]页面，选择月份。", "+ 打开[发票]页面，选择月份。"]);
        let d = diff("請求書を開く", "領収書を開く");
        assert_eq!(show(&d), ["- [請求]書を開く", "+ [領収]書を開く"]);
    }

    #[test]
    fn crlf_is_a_line_break() {
        assert!(diff("a\r\nb\r\n", "a\nb\n").is_empty());
        assert!(diff("a\rb", "a\nb").is_empty());
        assert_eq!(show(&diff("a\r\nb", "a\nc")), ["  a", "- [b]", "+ [c]"]);
    }

    #[test]
    fn long_unchanged_runs_fold_to_context() {
        let old: Vec<String> = (1..=20).map(|i| format!("line {i}")).collect();
        let mut new = old.clone();
        new[9] = "changed".into();
        let d = diff(&old.join("\n"), &new.join("\n"));
        assert_eq!(
            show(&d),
            ["@ 7", "  line 8", "  line 9", "- [line 10]", "+ [changed]", "  line 11", "  line 12", "@ 8"]
        );
        // Two changes close together share one hunk; far apart, two.
        new[12] = "again".into();
        assert_eq!(diff(&old.join("\n"), &new.join("\n")).hunks.len(), 1);
        let mut longer: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
        longer[12] = "again".into();
        longer[24] = "far".into();
        let old: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
        let d = diff(&old.join("\n"), &longer.join("\n"));
        assert_eq!(d.hunks.len(), 2);
        assert_eq!((d.hunks[0].skipped, d.hunks[1].skipped, d.skipped_after), (10, 7, 3));
        // One unchanged line between two changes' context is shown, not folded.
        new[17] = "near".into();
        let d = diff(&old[..20].join("\n"), &new.join("\n"));
        assert_eq!(d.hunks.len(), 1);
    }

    #[test]
    fn past_the_bound_the_middle_is_replaced_whole() {
        let old: Vec<String> = (0..30).map(|i| format!("a{i}")).collect();
        let new: Vec<String> = (0..30).map(|i| if i % 2 == 0 { format!("a{i}") } else { format!("b{i}") }).collect();
        let (a, b) = (format!("top\n{}\nend", old.join("\n")), format!("top\n{}\nend", new.join("\n")));
        assert!(!diff(&a, &b).coarse);
        let d = diff_with(&a, &b, 100);
        assert!(d.coarse);
        let shown = show(&d);
        assert_eq!(shown.first().map(String::as_str), Some("  top"));
        assert_eq!(shown.last().map(String::as_str), Some("  end"));
        let removed = shown.iter().filter(|l| l.starts_with('-')).count();
        let added = shown.iter().filter(|l| l.starts_with('+')).count();
        assert_eq!((removed, added), (29, 29), "a0 is common, the rest of the middle replaced");
    }

    #[test]
    fn the_word_budget_runs_out_into_whole_lines() {
        let d = diff_with("x alpha beta gamma", "x alpha beta delta", 20);
        assert!(!d.coarse);
        assert_eq!(show(&d), ["- x alpha beta gamma", "+ x alpha beta delta"]);
    }

    #[test]
    fn a_body_at_the_limit_stays_within_the_bound() {
        // 200,000 characters of distinct lines each side: far past the bound, answered coarse.
        let a: String = (0..20_000).map(|i| format!("old {i:05}\n")).collect();
        let b: String = (0..20_000).map(|i| format!("new {i:05}\n")).collect();
        let d = diff(&a, &b);
        assert!(d.coarse);
        let lines: usize = d.hunks.iter().map(|h| h.lines.len()).sum();
        assert_eq!((lines, lines + d.cut), (MAX_SHOWN_LINES, 40_000));
    }

    #[test]
    fn a_long_diff_is_cut() {
        let a: String = (0..4_000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..4_000).map(|i| format!("b{i}\n")).collect();
        let d = diff(&a, &b);
        let shown: usize = d.hunks.iter().map(|h| h.lines.len()).sum();
        assert_eq!((shown, d.cut), (MAX_SHOWN_LINES, 8_000 - MAX_SHOWN_LINES));
        assert_eq!(diff("a\nb", "a\nc").cut, 0);
    }

    #[test]
    fn an_emptied_text() {
        assert_eq!(show(&diff("a\nb", "")), ["- a", "- b"]);
        assert_eq!(show(&diff("", "a")), ["+ a"]);
    }
}
