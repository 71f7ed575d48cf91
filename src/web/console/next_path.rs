//! Where a sign-in may send the browser next: a path on this site, never another origin.

/// Where to go when `next` is missing or unsafe.
pub const DEFAULT_NEXT: &str = "/inbox";

/// `next` when it is a same-origin path, else the inbox.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_same_origin_path(n) => n.to_string(),
        _ => DEFAULT_NEXT.to_string(),
    }
}

/// How many rounds of percent-decoding are looked through before giving up on a value.
const MAX_DECODINGS: usize = 4;

/// Whether `next` is an absolute path that every reader resolves on this origin.
///
/// Browsers drop tabs and newlines anywhere in a URL and read `\` as `/`, so `/<TAB>/evil.test`
/// and `/\evil.test` both mean `//evil.test`, another host. What we send back must therefore be
/// printable ASCII without backslashes. We also look through percent-decoding (a proxy or a
/// framework may decode once more, turning `/%2F` into `//`): no decoded form may start with two
/// slashes or hide a control character, whitespace or a backslash in its path.
pub fn is_same_origin_path(next: &str) -> bool {
    if !next.bytes().all(|b| b.is_ascii_graphic()) || next.contains('\\') {
        return false;
    }
    let mut form = next.to_string();
    for _ in 0..MAX_DECODINGS {
        let Some(rest) = form.strip_prefix('/') else { return false };
        if rest.starts_with(['/', '\\']) {
            return false;
        }
        let path = form.split(['?', '#']).next().unwrap_or_default();
        if path.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
            return false;
        }
        let decoded = percent_decode(&form);
        if decoded == form {
            return true;
        }
        form = decoded;
    }
    // Still changing after several rounds: nothing legitimate is encoded that deep.
    false
}

/// One round of `%XX` decoding; malformed escapes are kept as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_paths_pass() {
        for ok in ["/", "/inbox", "/tickets/0193-abc", "/inbox?view=mine&q=a%20b", "/tickets/1#reply", "/h/acme/"] {
            assert!(is_same_origin_path(ok), "{ok:?}");
            assert_eq!(safe_next(Some(ok)), ok);
        }
    }

    #[test]
    fn other_origins_and_tricks_go_to_the_inbox() {
        for bad in [
            "//evil.test",
            "/\t/evil.test",
            "/\n/evil.test",
            "/\r/evil.test",
            "/ /evil.test",
            "/\\evil.test",
            "/\\\\evil.test",
            "\\/evil.test",
            "/%2F/evil.test",
            "/%2f/evil.test",
            "/%5Cevil.test",
            "/%5cevil.test",
            "/%09/evil.test",
            "/%252F/evil.test",
            "/%25252F/evil.test",
            "/%2525252525252F/evil.test",
            "https://evil.test/",
            "evil.test",
            "",
            " /inbox",
            "/inbox\u{0}",
            "/inbox\u{7f}",
            "/caf\u{e9}",
            "/\u{3000}/evil.test",
            "/tickets/%00",
        ] {
            assert!(!is_same_origin_path(bad), "{bad:?}");
            assert_eq!(safe_next(Some(bad)), DEFAULT_NEXT, "{bad:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_NEXT);
    }

    #[test]
    fn decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("/a%2Fb%zz%4"), "/a/b%zz%4");
        assert_eq!(percent_decode("%41%"), "A%");
    }
}
