//! Who the client is behind a load balancer: the peer's address, unless the
//! peer is a trusted proxy, in which case the address that proxy (and any
//! trusted proxies before it) says it received the request from. Headers
//! from an untrusted peer are ignored, so a client cannot choose its own
//! address, and addresses a client wrote into the header itself, left of
//! the first untrusted hop, are never believed.

use crate::target::Network;
use std::net::IpAddr;

/// The proxies whose `Forwarded` / `X-Forwarded-For` headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// From address blocks such as `10.0.0.0/8`; none trusts no header.
    pub fn from_blocks(blocks: &[String]) -> Result<Self, String> {
        blocks.iter().map(|b| b.parse()).collect::<Result<Vec<Network>, String>>().map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(ip))
    }

    /// The client's address: `peer` itself, or, when `peer` is trusted, the
    /// nearest hop of the forwarding chain (read right to left) that is not
    /// a trusted proxy. `forwarded` holds the `Forwarded` header values and
    /// `x_forwarded_for` the `X-Forwarded-For` ones, in the order received;
    /// `Forwarded` wins when both are present. A chain that cannot be read
    /// leaves the peer's address.
    pub fn client(&self, peer: IpAddr, forwarded: &[&str], x_forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain = if forwarded.is_empty() { x_forwarded_for_hops(x_forwarded_for) } else { forwarded_hops(forwarded) };
        let Some(chain) = chain else {
            return peer;
        };
        let mut client = peer;
        for hop in chain.into_iter().rev() {
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

/// `X-Forwarded-For: a, b, c` over one or more header lines.
fn x_forwarded_for_hops(values: &[&str]) -> Option<Vec<IpAddr>> {
    values.iter().flat_map(|v| v.split(',')).map(|hop| hop_address(hop.trim())).collect()
}

/// `Forwarded: for=a;proto=https, for="[2001:db8::1]:4711"` (RFC 7239):
/// the `for` of each element.
fn forwarded_hops(values: &[&str]) -> Option<Vec<IpAddr>> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|element| {
            let value = element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"'))
            })?;
            hop_address(value)
        })
        .collect()
}

/// One hop: an address, with or without a port (`1.2.3.4:80`, `[::1]:80`).
fn hop_address(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    hop.rsplit_once(':').and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::from_blocks(&["10.0.0.0/8".into()]).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_writes() {
        assert_eq!(proxies().client(ip("203.0.113.9"), &[], &["198.51.100.1"]), ip("203.0.113.9"));
        assert_eq!(TrustedProxies::default().client(ip("10.0.0.2"), &[], &["198.51.100.1"]), ip("10.0.0.2"), "none trusted by default");
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let p = proxies();
        assert_eq!(p.client(ip("10.0.0.2"), &[], &["198.51.100.1"]), ip("198.51.100.1"));
        assert_eq!(p.client(ip("10.0.0.2"), &[], &["198.51.100.1, 10.0.0.7"]), ip("198.51.100.1"), "two proxies");
        assert_eq!(
            p.client(ip("10.0.0.2"), &[], &["6.6.6.6, 198.51.100.1"]),
            ip("198.51.100.1"),
            "a hop the client wrote itself, left of its real address, is not believed"
        );
        assert_eq!(p.client(ip("10.0.0.2"), &[], &["1.1.1.1", "198.51.100.1"]), ip("198.51.100.1"), "several header lines");
        assert_eq!(p.client(ip("10.0.0.2"), &[], &[]), ip("10.0.0.2"), "no header: the proxy itself");
        assert_eq!(p.client(ip("10.0.0.2"), &[], &["not an address"]), ip("10.0.0.2"), "unreadable: the proxy itself");
    }

    #[test]
    fn forwarded_is_read_and_wins_over_x_forwarded_for() {
        let p = proxies();
        assert_eq!(p.client(ip("10.0.0.2"), &["for=198.51.100.1;proto=https"], &["1.1.1.1"]), ip("198.51.100.1"));
        assert_eq!(p.client(ip("10.0.0.2"), &["for=\"[2001:db8::1]:4711\""], &[]), ip("2001:db8::1"));
        assert_eq!(p.client(ip("10.0.0.2"), &["for=198.51.100.1:8080, for=10.0.0.9"], &[]), ip("198.51.100.1"));
    }
}
