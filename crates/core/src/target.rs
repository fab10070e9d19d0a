//! Where jiuzhu may send requests of its own (webhook deliveries): public
//! internet addresses, and the networks an operator allows (the government
//! intranet). Loopback, private, link-local (cloud metadata), shared,
//! documentation, multicast and reserved ranges are refused by default, in
//! every spelling a resolver accepts (`127.1`, `2130706433`, `0x7f000001`,
//! `[::ffff:127.0.0.1]`), as are `localhost` names.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address block such as `10.0.0.0/8` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, canonical(ip)) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(base)), 32, self.prefix) == masked(u128::from(u32::from(ip)), 32, self.prefix)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => masked(u128::from(base), 128, self.prefix) == masked(u128::from(ip), 128, self.prefix),
            _ => false,
        }
    }
}

fn masked(value: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 { 0 } else { value >> (width - prefix) }
}

impl FromStr for Network {
    type Err = String;

    /// `a.b.c.d/n`, `x::y/n`, or a single address (a /32 or /128).
    fn from_str(text: &str) -> Result<Self, String> {
        let (address, prefix) = text.trim().split_once('/').map_or((text.trim(), None), |(a, p)| (a, Some(p)));
        let base: IpAddr = address.parse().map_err(|_| format!("{text:?} is not an address block such as 10.0.0.0/8"))?;
        let width = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= width).ok_or_else(|| format!("{text:?} has a bad prefix length"))?,
        };
        Ok(Self { base: canonical(base), prefix })
    }
}

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A name or number that is no host.
    Malformed,
    /// An address (or `localhost` name) outside the public internet and the allowed networks.
    NotPublic(String),
}

/// The public internet plus the operator's allowed networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    pub allowed: Vec<Network>,
}

impl TargetPolicy {
    /// Parses a list of address blocks (configuration).
    pub fn allowing(networks: &[String]) -> Result<Self, String> {
        Ok(Self { allowed: networks.iter().map(|n| n.parse()).collect::<Result<_, _>>()? })
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.allowed.iter().any(|n| n.contains(ip))
    }

    /// Judges a URL's host before any lookup: an address in any spelling is
    /// judged as the address it means; `localhost` names are loopback.
    /// Other names are judged again by every address they resolve to.
    pub fn check_host(&self, host: &str) -> Result<(), Refusal> {
        match literal_address(host)? {
            Some(ip) if self.allows(ip) => Ok(()),
            Some(ip) => Err(Refusal::NotPublic(format!("{ip} is not a public address"))),
            None => {
                let name = host.trim_end_matches('.').to_ascii_lowercase();
                let loopback_name = name == "localhost" || name.ends_with(".localhost");
                if loopback_name && !self.allows(IpAddr::V4(Ipv4Addr::LOCALHOST)) {
                    Err(Refusal::NotPublic(format!("{host} names this machine")))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// IPv4-mapped and IPv4-compatible IPv6 addresses are their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// True for an address on the public internet (IANA's special-purpose
/// registries subtracted).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    if ip.is_unspecified() || ip.is_loopback() {
        return false;
    }
    match segments[0] {
        // IPv4-compatible (deprecated) ::a.b.c.d
        0 if segments[1..6].iter().all(|s| *s == 0) => public_v4(embedded_v4(segments[6], segments[7])),
        // NAT64 64:ff9b::/96 reaches the embedded IPv4 address.
        0x0064 if segments[1] == 0xff9b => public_v4(embedded_v4(segments[6], segments[7])),
        // 6to4 2002::/16 reaches the embedded IPv4 address.
        0x2002 => public_v4(embedded_v4(segments[1], segments[2])),
        // Teredo, benchmarking, ORCHID and documentation inside 2001::/16.
        0x2001 => !(segments[1] == 0 || segments[1] == 2 || (0x10..0x40).contains(&segments[1]) || segments[1] == 0x0db8),
        s if s & 0xfe00 == 0xfc00 => false, // unique local fc00::/7
        s if s & 0xffc0 == 0xfe80 => false, // link-local fe80::/10
        s if s & 0xff00 == 0xff00 => false, // multicast ff00::/8
        s => s & 0xe000 == 0x2000,          // only 2000::/3 is global unicast
    }
}

/// The address a host spells, if it spells one: dotted IPv4 in the forms
/// `inet_aton` reads (1 to 4 parts, each decimal, `0x` hex or `0` octal),
/// or a bracketed IPv6 address. A host that looks numeric but means no
/// address is malformed; a name answers `None`.
pub fn literal_address(host: &str) -> Result<Option<IpAddr>, Refusal> {
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(Refusal::Malformed)?;
        let v6: Ipv6Addr = inner.split('%').next().unwrap_or("").parse().map_err(|_| Refusal::Malformed)?;
        return Ok(Some(IpAddr::V6(v6)));
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Ok(Some(IpAddr::V6(v6)));
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or("");
    // A name's last label is never numeric; a host whose last label is, is an address or nothing.
    let numeric_label = |label: &str| {
        let label = label.to_ascii_lowercase();
        !label.is_empty()
            && (label.bytes().all(|b| b.is_ascii_digit())
                || label.strip_prefix("0x").is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())))
    };
    if !numeric_label(last) {
        return Ok(None);
    }
    inet_aton(host).map(|v4| Some(IpAddr::V4(v4))).ok_or(Refusal::Malformed)
}

fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u64> = text.split('.').map(number_part).collect::<Option<_>>()?;
    let (last, leading) = parts.split_last()?;
    if leading.len() > 3 || leading.iter().any(|p| *p > 255) {
        return None;
    }
    let remaining_bits = 8 * (4 - leading.len() as u32);
    if *last >= 1u64 << remaining_bits {
        return None;
    }
    let value = leading.iter().fold(0u64, |acc, p| (acc << 8) | p) << remaining_bits | last;
    Some(Ipv4Addr::from(u32::try_from(value).ok()?))
}

fn number_part(part: &str) -> Option<u64> {
    let lower = part.to_ascii_lowercase();
    let (digits, radix) = match lower.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None if lower.len() > 1 && lower.starts_with('0') => (&lower[1..], 8),
        None => (lower.as_str(), 10),
    };
    if digits.is_empty() && radix == 16 {
        return Some(0);
    }
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(policy: &TargetPolicy, host: &str) -> bool {
        policy.check_host(host).is_err()
    }

    #[test]
    fn loopback_is_refused_in_every_spelling() {
        let policy = TargetPolicy::default();
        for host in [
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0x7f000001",
            "0x7f.1",
            "0177.0.0.1",
            "127.0.0.1.",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "[::ffff:7f00:1]",
            "[::127.0.0.1]",
            "[64:ff9b::7f00:1]",
            "[2002:7f00:1::]",
            "localhost",
            "LOCALHOST.",
            "api.localhost",
            "0",
            "0.0.0.0",
        ] {
            assert!(refused(&policy, host), "{host} must be refused");
        }
    }

    #[test]
    fn private_metadata_and_reserved_ranges_are_refused() {
        let policy = TargetPolicy::default();
        for host in [
            "169.254.169.254",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "[fd00::1]",
            "[fe80::1]",
            "[ff02::1]",
            "[2001:db8::1]",
        ] {
            assert!(refused(&policy, host), "{host} must be refused");
        }
    }

    #[test]
    fn public_addresses_and_names_pass() {
        let policy = TargetPolicy::default();
        for host in ["8.8.8.8", "172.32.0.1", "edu.example.gov.cn", "hooks.example.com.", "[2606:4700::1111]", "1.1.1.1"] {
            assert!(!refused(&policy, host), "{host} is public");
        }
    }

    #[test]
    fn numbers_that_are_no_address_are_malformed() {
        let policy = TargetPolicy::default();
        for host in ["999.1.1.1", "1.2.3.4.5", "4294967296", "[::1", "256.256"] {
            assert_eq!(policy.check_host(host), Err(Refusal::Malformed), "{host}");
        }
    }

    #[test]
    fn the_operator_may_allow_intranet_networks() {
        let policy = TargetPolicy::allowing(&["10.0.0.0/8".into(), "127.0.0.1".into(), "fd00::/8".into()]).unwrap();
        assert!(policy.allows("10.20.30.40".parse().unwrap()));
        assert!(!refused(&policy, "10.1.2.3"));
        assert!(!refused(&policy, "127.1"), "127.1 is 127.0.0.1");
        assert!(!refused(&policy, "localhost"), "allowed with loopback");
        assert!(refused(&policy, "127.0.0.2"));
        assert!(refused(&policy, "192.168.0.1"));
        assert!(policy.allows("fd12::1".parse().unwrap()));
        assert!(policy.allows("::ffff:10.0.0.1".parse().unwrap()), "a mapped address is its IPv4 address");
        assert!(TargetPolicy::allowing(&["10.0.0.0/33".into()]).is_err());
        assert!(TargetPolicy::allowing(&["intranet".into()]).is_err());
    }

    #[test]
    fn inet_aton_reads_every_form() {
        assert_eq!(inet_aton("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("10.1.256"), Some(Ipv4Addr::new(10, 1, 1, 0)));
        assert_eq!(inet_aton("0xc0.0250.1.1"), Some(Ipv4Addr::new(192, 168, 1, 1)));
        assert_eq!(inet_aton("1.2.3.256"), None);
    }
}
