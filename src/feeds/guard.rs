//! The address guard: which IP addresses a feed fetch may connect to.
//!
//! Owns the classification of addresses (loopback, private, link-local, CGNAT,
//! multicast, documentation, reserved, and the IPv6 forms that embed such an IPv4
//! address) and the DNS resolver that refuses to hand a blocked address to the HTTP
//! client. Because the client connects only to addresses this resolver returned,
//! there is no window between "checked" and "connected" (no DNS rebinding).
//!
//! It must not do HTTP, know about feeds, or decide retries; `fetch` maps a
//! [`Blocked`] found in an error's `source()` chain to its own error.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A connection to `addr` (which `host` named or resolved to) was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The host as written in the URL (a name or an IP literal).
    pub host: String,
    /// The address that is not allowed.
    pub addr: IpAddr,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves to {}, a loopback, private or reserved address",
            self.host, self.addr
        )
    }
}

impl StdError for Blocked {}

/// Resolution found no address at all for a host name.
#[derive(Debug)]
struct NoAddresses(String);

impl fmt::Display for NoAddresses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no address found for {}", self.0)
    }
}

impl StdError for NoAddresses {}

/// The policy: which addresses may be reached.
///
/// By default every address that [`is_forbidden`] flags is refused. `allow_private`
/// turns the guard off; [`Guard::exempting`] lets through a few exact addresses
/// (an operator's one internal feed server, or a test server) while the rest of
/// the private space stays closed.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    allow_private: bool,
    exempt: Arc<[IpAddr]>,
}

impl Guard {
    /// A guard that refuses forbidden addresses unless `allow_private` is set.
    pub fn new(allow_private: bool) -> Guard {
        Guard {
            allow_private,
            exempt: Arc::from(Vec::new()),
        }
    }

    /// The same guard, also letting through exactly these addresses.
    pub fn exempting(self, addrs: impl IntoIterator<Item = IpAddr>) -> Guard {
        let mut exempt: Vec<IpAddr> = self.exempt.iter().copied().collect();
        exempt.extend(addrs.into_iter().map(canonical));
        Guard {
            allow_private: self.allow_private,
            exempt: Arc::from(exempt),
        }
    }

    /// Whether every address is allowed.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Refuses `addr` (named by `host`) unless the policy allows it.
    pub fn check(&self, host: &str, addr: IpAddr) -> Result<(), Blocked> {
        if self.allow_private || !is_forbidden(addr) || self.exempt.contains(&canonical(addr)) {
            Ok(())
        } else {
            Err(Blocked {
                host: host.to_owned(),
                addr,
            })
        }
    }

    /// The DNS resolver for the HTTP client: resolves with the system resolver and
    /// fails the whole lookup with [`Blocked`] if any address it returns is refused.
    pub fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver {
            guard: self.clone(),
        })
    }
}

/// A [`Resolve`] that applies a [`Guard`] to every resolved address.
#[derive(Debug)]
pub struct GuardedResolver {
    guard: Guard,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(Box::new(NoAddresses(host)) as Box<dyn StdError + Send + Sync>);
            }
            for addr in &addrs {
                guard.check(&host, addr.ip())?;
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it maps;
/// every other address unchanged.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Whether a feed fetch must not connect to `addr` (unless private addresses are
/// allowed): every address that is not ordinary public unicast.
pub fn is_forbidden(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", 0.0.0.0/8 (includes unspecified)
        || a == 10 // private
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local
        || (a == 172 && (16..32).contains(&b)) // private 172.16.0.0/12
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0.0/24
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast (deprecated)
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18.0.0/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224 // multicast 224/4, reserved 240/4, broadcast
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    // Forms that carry an IPv4 address: judge the IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_forbidden_v4(v4);
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 well-known prefix 64:ff9b::/96
        return is_forbidden_v4(embedded_v4(seg[6], seg[7]));
    }
    if seg[0] == 0x2002 {
        // 6to4 2002::/16 carries the IPv4 address in bits 16..48
        return is_forbidden_v4(embedded_v4(seg[1], seg[2]));
    }
    seg[..6] == [0, 0, 0, 0, 0, 0] // ::/96: unspecified, loopback, IPv4-compatible (deprecated)
        || seg[..4] == [0x0100, 0, 0, 0] // discard-only 100::/64
        || seg[..2] == [0x64, 0xff9b] && seg[2] == 1 // local-use NAT64 64:ff9b:1::/48
        || seg[0] == 0x2001 && seg[1] == 0 // Teredo 2001::/32 (tunnels to any IPv4)
        || seg[0] == 0x2001 && seg[1] == 0x0db8 // documentation 2001:db8::/32
        || seg[0] == 0x3fff && seg[1] < 0x1000 // documentation 3fff::/20
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (seg[0] & 0xff00) == 0xff00 // multicast ff00::/8
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(addr: &str, forbidden: bool) {
        let ip: IpAddr = addr.parse().expect("test address parses");
        assert_eq!(is_forbidden(ip), forbidden, "{addr}");
    }

    #[test]
    fn classifies_ipv4() {
        for addr in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.10",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            check(addr, true);
        }
        for addr in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "192.169.0.1",
            "192.88.98.1",
            "192.89.99.1",
            "1.88.99.1",
            "9.9.100.9",
            "198.51.101.1",
            "198.20.0.1",
            "203.0.114.1",
            "223.255.255.254",
        ] {
            check(addr, false);
        }
    }

    #[test]
    fn classifies_ipv6() {
        for addr in [
            "::",
            "::1",
            "::127.0.0.1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff05::1:3",
        ] {
            check(addr, true);
        }
        for addr in [
            "2001:4860:4860::8888",
            "2606:4700:4700::1111",
            "2a00:1450::1",
            "fbff::1",
            "4000::1",
            "2a00:1450:1::1",
            "3fff:1000::1",
        ] {
            check(addr, false);
        }
    }

    #[test]
    fn classifies_ipv6_forms_of_ipv4() {
        // IPv4-mapped
        check("::ffff:127.0.0.1", true);
        check("::ffff:10.1.2.3", true);
        check("::ffff:169.254.169.254", true);
        check("::ffff:100.64.0.1", true);
        check("::ffff:0.0.0.0", true);
        check("::ffff:8.8.8.8", false);
        // NAT64 well-known prefix
        check("64:ff9b::192.168.0.1", true);
        check("64:ff9b::127.0.0.1", true);
        check("64:ff9b::8.8.8.8", false);
        check("64:ff9b:1::1", true);
        // 6to4
        check("2002:7f00:0001::1", true);
        check("2002:0a00:0001::1", true);
        check("2002:0808:0808::1", false);
    }

    #[test]
    fn guard_policy() {
        let loopback: IpAddr = "127.0.0.1".parse().expect("parses");
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().expect("parses");
        let public: IpAddr = "8.8.8.8".parse().expect("parses");

        let strict = Guard::new(false);
        assert_eq!(
            strict.check("localhost", loopback),
            Err(Blocked {
                host: "localhost".into(),
                addr: loopback
            })
        );
        assert!(strict.check("example.org", public).is_ok());

        assert!(Guard::new(true).check("localhost", loopback).is_ok());
        assert!(Guard::new(true).allows_private());
        assert!(!strict.allows_private());
        assert_eq!(
            strict.check("localhost", loopback).unwrap_err().to_string(),
            "localhost resolves to 127.0.0.1, a loopback, private or reserved address"
        );
        assert_eq!(
            NoAddresses("partner.example".into()).to_string(),
            "no address found for partner.example"
        );

        let exempt = Guard::new(false).exempting([loopback]);
        assert!(exempt.check("127.0.0.1", loopback).is_ok());
        assert!(exempt.check("x", mapped).is_ok());
        assert!(
            exempt
                .check("x", "127.0.0.2".parse().expect("parses"))
                .is_err()
        );
        assert!(exempt.check("x", "::1".parse().expect("parses")).is_err());
    }

    #[tokio::test]
    async fn resolver_refuses_names_that_resolve_to_loopback() {
        let name: Name = "localhost".parse().expect("valid name");
        let err = match Guard::new(false).resolver().resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(err) => err,
        };
        let blocked = err.downcast_ref::<Blocked>().expect("a Blocked error");
        assert_eq!(blocked.host, "localhost");
        assert!(blocked.addr.is_loopback());

        let name: Name = "localhost".parse().expect("valid name");
        let addrs: Vec<SocketAddr> = Guard::new(true)
            .resolver()
            .resolve(name)
            .await
            .expect("allowed")
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
        assert!(!addrs.is_empty());
    }
}
