//! The rating links of the solved notice: a token naming a tenant, a ticket and an expiry,
//! signed with the server's link key (derived from its secret), so the help center can trust it
//! without a table of issued links. URL-safe (base64url, one dot).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::accounts::sessions::SessionKeys;

/// The purpose the token's MAC is bound to.
const PURPOSE: &str = "csat";

/// What a valid token says.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub tenant_id: String,
    pub ticket_id: String,
    /// Unix seconds after which the link no longer rates.
    pub expires: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refused {
    /// Not one we signed (or altered).
    Forged,
    /// Ours, but past its expiry.
    Expired,
}

/// Constant-time equality, so a MAC cannot be guessed byte by byte from response times.
fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token for `link`.
pub fn sign(keys: &SessionKeys, link: &Link) -> String {
    let payload = format!("v1\n{}\n{}\n{}", link.tenant_id, link.ticket_id, link.expires);
    let mac = keys.link_mac(PURPOSE, payload.as_bytes());
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(mac))
}

/// The link a token names, checked at `now` (unix seconds).
pub fn verify(keys: &SessionKeys, token: &str, now: i64) -> Result<Link, Refused> {
    if token.len() > 512 {
        return Err(Refused::Forged);
    }
    let (payload, mac) = token.split_once('.').ok_or(Refused::Forged)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| Refused::Forged)?;
    let expected = URL_SAFE_NO_PAD.encode(keys.link_mac(PURPOSE, &payload));
    if !secrets_equal(&expected, mac) {
        return Err(Refused::Forged);
    }
    let text = String::from_utf8(payload).map_err(|_| Refused::Forged)?;
    let mut parts = text.split('\n');
    let (Some("v1"), Some(tenant), Some(ticket), Some(exp), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Forged);
    };
    let expires: i64 = exp.parse().map_err(|_| Refused::Forged)?;
    if now > expires {
        return Err(Refused::Expired);
    }
    Ok(Link { tenant_id: tenant.to_string(), ticket_id: ticket.to_string(), expires })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(expires: i64) -> Link {
        Link { tenant_id: "t1".into(), ticket_id: "k1".into(), expires }
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let keys = SessionKeys::new(b"secret");
        let token = sign(&keys, &link(100));
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
        assert_eq!(verify(&keys, &token, 100), Ok(link(100)));
        assert_eq!(verify(&keys, &token, 101), Err(Refused::Expired));
    }

    #[test]
    fn altered_or_foreign_tokens_are_forged() {
        let keys = SessionKeys::new(b"secret");
        let token = sign(&keys, &link(100));
        assert_eq!(verify(&SessionKeys::new(b"other"), &token, 0), Err(Refused::Forged));
        let (_, mac) = token.split_once('.').unwrap();
        let later = URL_SAFE_NO_PAD.encode("v1\nt1\nk1\n999");
        assert_eq!(verify(&keys, &format!("{later}.{mac}"), 0), Err(Refused::Forged));
        assert_eq!(verify(&keys, "nonsense", 0), Err(Refused::Forged));
        assert_eq!(verify(&keys, "", 0), Err(Refused::Forged));
    }
}
