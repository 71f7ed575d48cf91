//! Inbound addresses: `{slug}@{domain}` reaches a tenant, `{slug}+{reply token}@{domain}` one of
//! its tickets. Parsed once at the door; everything after works with [`Recipient`].

/// A recipient that names a tenant, and maybe one of its tickets by reply token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The tenant's slug (lowercase).
    pub slug: String,
    /// The reply token of the plus address, if any.
    pub token: Option<String>,
    /// The whole address, lowercase.
    pub address: String,
}

/// Longest reply token accepted (ours are 20 characters).
const MAX_TOKEN: usize = 64;

/// Parse an address at our inbound `domain`; `None` when it is not one of ours.
pub fn parse_recipient(address: &str, domain: &str) -> Option<Recipient> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>').to_ascii_lowercase();
    let (local, host) = address.rsplit_once('@')?;
    if host.trim_end_matches('.') != domain {
        return None;
    }
    let (slug, token) = match local.split_once('+') {
        Some((s, t)) => (s, Some(t)),
        None => (local, None),
    };
    crate::tenancy::validate_slug(slug).ok()?;
    let token = match token {
        Some(t) if valid_token(t) => Some(t.to_string()),
        Some(_) => return None,
        None => None,
    };
    Some(Recipient { slug: slug.to_string(), token, address: address.clone() })
}

/// Tokens are short runs of letters and digits (what [`new_token`] makes), so nothing else in a
/// plus address is mistaken for one.
pub fn valid_token(t: &str) -> bool {
    !t.is_empty() && t.len() <= MAX_TOKEN && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A new random reply token: 20 characters of a-z and 0-9 (about 103 bits).
pub fn new_token() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// Whether `address` is at our inbound domain (such addresses are never participants).
pub fn is_ours(address: &str, domain: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(_, host)| host.eq_ignore_ascii_case(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_and_plus_addresses() {
        let r = parse_recipient("<Acme@Mail.Test>", "mail.test").unwrap();
        assert_eq!((r.slug.as_str(), r.token), ("acme", None));
        let r = parse_recipient("acme+abc123@mail.test", "mail.test").unwrap();
        assert_eq!(r.token.as_deref(), Some("abc123"));
        assert!(parse_recipient("acme@other.test", "mail.test").is_none());
        assert!(parse_recipient("acme+bad!tok@mail.test", "mail.test").is_none());
        assert!(parse_recipient("no-at-sign", "mail.test").is_none());
        assert!(parse_recipient("-x@mail.test", "mail.test").is_none());
        assert!(valid_token(&new_token()));
    }
}
