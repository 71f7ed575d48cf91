//! Where a webhook may be delivered: the host is resolved here and every address checked, and
//! the request then connects to the checked address, so a DNS answer that changes between the
//! check and the connection (rebinding) cannot reach an internal service.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why an address is refused, or `None` when it may be used. Cloud metadata and link-local
/// addresses are refused always; loopback and private ranges unless `allow_private`.
pub fn refusal(ip: IpAddr, allow_private: bool) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4, allow_private),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refusal_v4(v4, allow_private);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|x| *x == 0) {
                let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return refusal_v4(v4, allow_private);
            }
            if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                return Some("cloud metadata address");
            }
            if v6.is_unspecified() || v6.is_multicast() {
                return Some("not a unicast address");
            }
            if (s[0] & 0xffc0) == 0xfe80 {
                return Some("link-local address");
            }
            if v6.is_loopback() && !allow_private {
                return Some("loopback address");
            }
            if (s[0] & 0xfe00) == 0xfc00 && !allow_private {
                return Some("private address");
            }
            None
        }
    }
}

fn refusal_v4(ip: Ipv4Addr, allow_private: bool) -> Option<&'static str> {
    let o = ip.octets();
    if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        return Some("cloud metadata address");
    }
    if ip.is_link_local() {
        return Some("link-local address");
    }
    if ip.is_unspecified() || o[0] == 0 || ip.is_broadcast() || ip.is_multicast() || o[0] >= 240 {
        return Some("not a unicast address");
    }
    if allow_private {
        return None;
    }
    if ip.is_loopback() {
        return Some("loopback address");
    }
    let shared = o[0] == 100 && (64..128).contains(&o[1]);
    let benchmarking = o[0] == 198 && (o[1] == 18 || o[1] == 19);
    let special = o[0] == 192 && o[1] == 0 && o[2] == 0;
    if ip.is_private() || shared || benchmarking || special {
        return Some("private address");
    }
    None
}

/// Resolve `host` and check every address; the first is where to connect.
pub async fn resolve(host: &str, port: u16, allow_private: bool) -> Result<SocketAddr, String> {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match literal.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            tokio::net::lookup_host((host, port)).await.map_err(|e| format!("cannot resolve {host}: {e}"))?.collect()
        }
    };
    let first = *addrs.first().ok_or_else(|| format!("{host} has no address"))?;
    // One refused address refuses the host: which one a connection would use is not ours to pick.
    for a in &addrs {
        if let Some(why) = refusal(a.ip(), allow_private) {
            return Err(format!("refused: {host} resolves to {} ({why})", a.ip()));
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_refused() {
        for a in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "::1", "fd12::1"] {
            assert!(refusal(ip(a), false).is_some(), "{a}");
            assert!(refusal(ip(a), true).is_none(), "{a} allowed with allow_private");
        }
        for a in
            ["169.254.169.254", "169.254.1.1", "fe80::1", "0.0.0.0", "::", "::ffff:169.254.169.254", "fd00:ec2::254"]
        {
            assert!(refusal(ip(a), true).is_some(), "{a} refused even with allow_private");
        }
        assert!(refusal(ip("::ffff:10.0.0.1"), false).is_some());
        assert!(refusal(ip("64:ff9b::a00:1"), false).is_some());
        for a in ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"] {
            assert!(refusal(ip(a), false).is_none(), "{a}");
        }
    }
}
