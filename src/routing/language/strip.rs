//! What is not the customer's own language in a support message: URLs, addresses, code,
//! identifiers, and English error text quoted into it. Detection reads what is left.

/// `text` without what says nothing about its language; falls back to `text` itself when
/// nothing would be left (a message that is all English terms is English).
pub fn strip(text: &str) -> String {
    let out = strip_marked(text);
    let kept = drop_neutral(&out);
    if kept.chars().any(char::is_alphabetic) {
        kept
    } else if out.chars().any(char::is_alphabetic) {
        out
    } else {
        text.to_string()
    }
}

/// Code, quoted ASCII and identifier-like tokens removed (each replaced by a space).
fn strip_marked(text: &str) -> String {
    let no_code = without_code(text);
    let unquoted = without_ascii_quotes(&no_code);
    let mut out = String::with_capacity(unquoted.len());
    for token in unquoted.split_whitespace() {
        if !is_identifier(token) {
            out.push_str(token);
            out.push(' ');
        }
    }
    out
}

/// Fenced blocks and inline spans between backticks.
fn without_code(text: &str) -> String {
    if !text.contains('`') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let fence = if rest[start..].starts_with("```") { "```" } else { "`" };
        let after = &rest[start + fence.len()..];
        match after.find(fence) {
            Some(end) => {
                out.push(' ');
                rest = &after[end + fence.len()..];
            }
            // An unclosed backtick is punctuation, not code.
            None => {
                out.push_str(&rest[start..start + fence.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Quote pairs: straight and typographic double quotes, guillemets, and single quotes that open
/// after a space (so apostrophes in "can't", "n'arrive", "з'являється" stay).
const QUOTES: &[(char, char)] =
    &[('"', '"'), ('“', '”'), ('„', '“'), ('«', '»'), ('‘', '’'), ('\'', '\''), ('「', '」')];

/// Quoted passages written in ASCII only (an English error message inside another language)
/// replaced by a space; quoted words in the writer's own language stay.
fn without_ascii_quotes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens_here = i == 0 || !chars[i - 1].is_alphanumeric();
        if let Some(&(_, close)) = QUOTES.iter().find(|(o, _)| *o == c).filter(|_| opens_here) {
            let closing = (i + 1..chars.len()).find(|&j| {
                // A Korean or Turkish suffix may follow a closing quote ("'Network error'라고").
                chars[j] == close && (j + 1 == chars.len() || !chars[j + 1].is_ascii_alphanumeric() || close != '\'')
            });
            if let Some(j) = closing {
                let inner = &chars[i + 1..j];
                if !inner.is_empty() && inner.iter().all(char::is_ascii) {
                    out.push(' ');
                    i = j + 1;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A token no language writes as a word: a URL, an address, a path, a number, `snake_case`,
/// `dotted.names`, `camelCase`, or an acronym (`CSV`, `ERR_CONNECTION_REFUSED`).
fn is_identifier(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric());
    if t.is_empty() {
        return !token.chars().any(char::is_alphabetic);
    }
    if token.contains("://") || t.starts_with("www.") || t.contains('@') {
        return true;
    }
    if t.chars().any(|c| c.is_ascii_digit() || matches!(c, '_' | '/' | '\\' | '=' | '<' | '>' | '{' | '}' | '#')) {
        return true;
    }
    let ascii = t.is_ascii();
    // `com.example.Main`, `main.rs`, but not "e.g" or a sentence's full stop (trimmed above).
    if ascii && t.split('.').filter(|p| !p.is_empty()).count() >= 2 && t.len() > 4 {
        return true;
    }
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    if ascii && letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase()) {
        return true;
    }
    // An upper-case letter after a lower-case one inside a word: `NullPointerException`, `iPhone`.
    ascii && t.chars().zip(t.chars().skip(1)).any(|(a, b)| a.is_lowercase() && b.is_uppercase())
}

/// English product and technical words that travel into every language's support mail; they
/// say nothing about which one it is.
const NEUTRAL: &[&str] = &[
    "account",
    "admin",
    "android",
    "api",
    "app",
    "apps",
    "browser",
    "bug",
    "cache",
    "calendar",
    "chat",
    "chrome",
    "click",
    "cloud",
    "dashboard",
    "download",
    "drive",
    "email",
    "e-mail",
    "error",
    "export",
    "file",
    "firefox",
    "gateway",
    "google",
    "import",
    "internal",
    "internet",
    "iphone",
    "link",
    "log",
    "login",
    "logout",
    "mail",
    "microsoft",
    "offline",
    "ok",
    "okay",
    "online",
    "outlook",
    "password",
    "safari",
    "server",
    "sms",
    "splash",
    "spam",
    "sync",
    "token",
    "update",
    "upload",
    "webhook",
    "wifi",
    "windows",
];

/// Words of [`NEUTRAL`] removed, unless that would leave no word at all.
fn drop_neutral(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in text.split_whitespace() {
        let word = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_lowercase();
        if !NEUTRAL.contains(&word.as_str()) {
            out.push_str(token);
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip;

    fn words(s: &str) -> Vec<String> {
        strip(s).split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn quoted_english_urls_and_identifiers_go() {
        assert_eq!(
            words("Nie mogę się zalogować, pokazuje się błąd 'Invalid token'"),
            ["Nie", "mogę", "się", "zalogować,", "pokazuje", "się", "błąd"]
        );
        assert_eq!(words("Veja https://app.example.com/x?a=1 e me@example.com agora"), ["Veja", "e", "agora"]);
        assert_eq!(
            words("Erro em com.example.MainActivity.onCreate: NullPointerException ERR_FAILED 404"),
            ["Erro", "em"]
        );
        assert_eq!(
            words("rode `cargo build` e depois ```\nfn main() {}\n``` de novo"),
            ["rode", "e", "depois", "de", "novo"]
        );
        assert_eq!(words("la app dice «Network error» en Chrome"), ["la", "dice", "en"]);
    }

    #[test]
    fn apostrophes_and_own_language_quotes_stay() {
        assert_eq!(words("je n'arrive pas, dov'è, can't"), ["je", "n'arrive", "pas,", "dov'è,", "can't"]);
        assert_eq!(words("Під час входу з'являється помилка"), ["Під", "час", "входу", "з'являється", "помилка"]);
        // Quoted words with the language's own letters are the customer's words.
        assert_eq!(words("o botão \"Não consigo\" sumiu"), ["o", "botão", "\"Não", "consigo\"", "sumiu"]);
    }

    #[test]
    fn an_all_english_message_keeps_its_words() {
        assert_eq!(words("login error"), ["login", "error"]);
        assert_eq!(words("'Invalid token'"), ["'Invalid", "token'"]);
        assert_eq!(words("password dimenticata"), ["dimenticata"]);
    }
}
