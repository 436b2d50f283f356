//! Who the client is: the TCP peer, or, when the peer is one of the
//! operator's trusted reverse proxies (`[proxy] trusted`), the address the
//! proxies wrote into `X-Forwarded-For`. Anyone can send that header, so it
//! is believed only from a trusted peer, and only as far as the chain of
//! trusted proxies goes: the client is the right-most address in it that is
//! not itself a trusted proxy (an address further left was written by the
//! client and may be anything).
//!
//! `serve` resolves it once per request into a [`ClientAddr`] extension;
//! the rate limits, the access log and the audit read that, never the peer.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A block of addresses, `10.0.0.0/8` or `::1/128` (a bare address is its
/// own block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// A CIDR block that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a CIDR block; write e.g. \"10.0.0.0/8\" or \"::1/128\"")]
pub struct BadCidr(String);

impl FromStr for Cidr {
    type Err = BadCidr;

    fn from_str(text: &str) -> Result<Self, BadCidr> {
        let bad = || BadCidr(text.to_string());
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().map_err(|_| bad())?,
            None => max,
        };
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Cidr {
    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The address a request came from, as far as the RA can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ClientAddr {
    /// The client of a request from `peer` with `headers`, given the
    /// `trusted` proxies.
    pub fn resolve(peer: SocketAddr, headers: &HeaderMap, trusted: &[Cidr]) -> Self {
        let peer = peer.ip().to_canonical();
        let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
        if !is_trusted(peer) {
            return Self(peer);
        }
        // Every X-Forwarded-For line, in order, each a comma-separated list
        // with the nearest hop last.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // Garbage where an address should be: the last trusted
                // proxy is as far as the chain can be followed.
                break;
            };
            client = ip;
            if !is_trusted(ip) {
                break;
            }
        }
        Self(client)
    }
}

/// One `X-Forwarded-For` entry: an address, or an address with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`), as some proxies write.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = crate::api::Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .ok_or_else(|| {
                tracing::error!("a request without its client address: not served by serve::serve");
                crate::api::Problem::internal()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn resolve(peer: &str, xff: &[&str], trusted: &[&str]) -> String {
        let peer: SocketAddr = peer.parse().unwrap();
        ClientAddr::resolve(peer, &headers(xff), &cidrs(trusted)).to_string()
    }

    #[test]
    fn cidr_blocks_parse_and_contain() {
        let block: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(block.contains("10.200.1.2".parse().unwrap()));
        assert!(block.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!block.contains("11.0.0.1".parse().unwrap()));
        assert!(!block.contains("::1".parse().unwrap()));
        let one: Cidr = "::1/128".parse().unwrap();
        assert!(one.contains("::1".parse().unwrap()));
        assert!(!one.contains("::2".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        let bare: Cidr = "192.0.2.7".parse().unwrap();
        assert_eq!(bare.to_string(), "192.0.2.7/32");
        for bad in ["10.0.0.0/33", "::/129", "ten/8", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        // An untrusted peer's header is ignored.
        assert_eq!(
            resolve("203.0.113.5:1", &["198.51.100.1"], &["10.0.0.0/8"]),
            "203.0.113.5"
        );
        // No proxies configured: always the peer.
        assert_eq!(resolve("10.0.0.1:1", &["198.51.100.1"], &[]), "10.0.0.1");
        // One trusted proxy.
        assert_eq!(
            resolve("10.0.0.1:1", &["198.51.100.1"], &["10.0.0.0/8"]),
            "198.51.100.1"
        );
        // The client spoofs a left part; two trusted hops on the right.
        assert_eq!(
            resolve(
                "10.0.0.1:1",
                &["1.2.3.4, 198.51.100.1", "10.0.0.2"],
                &["10.0.0.0/8"]
            ),
            "198.51.100.1"
        );
        // Garbage in the chain stops at the last trusted hop.
        assert_eq!(
            resolve("10.0.0.1:1", &["1.2.3.4, junk, 10.0.0.9"], &["10.0.0.0/8"]),
            "10.0.0.9"
        );
        // Ports and IPv6.
        assert_eq!(
            resolve("[::1]:1", &["[2001:db8::1]:4711"], &["::1/128"]),
            "2001:db8::1"
        );
        // A trusted peer without the header is the client itself.
        assert_eq!(resolve("10.0.0.1:1", &[], &["10.0.0.0/8"]), "10.0.0.1");
    }
}
