//! Addresses of CDN proxies that stand in front of a server and hide it.
//!
//! A name "proxied" by Cloudflare (the orange cloud) resolves to Cloudflare's addresses,
//! not the server's; the list below is the one Cloudflare publishes at
//! <https://www.cloudflare.com/ips/>.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Cloudflare's proxy ranges for IPv4: base address and prefix length.
const CLOUDFLARE_V4: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(173, 245, 48, 0), 20),
    (Ipv4Addr::new(103, 21, 244, 0), 22),
    (Ipv4Addr::new(103, 22, 200, 0), 22),
    (Ipv4Addr::new(103, 31, 4, 0), 22),
    (Ipv4Addr::new(141, 101, 64, 0), 18),
    (Ipv4Addr::new(108, 162, 192, 0), 18),
    (Ipv4Addr::new(190, 93, 240, 0), 20),
    (Ipv4Addr::new(188, 114, 96, 0), 20),
    (Ipv4Addr::new(197, 234, 240, 0), 22),
    (Ipv4Addr::new(198, 41, 128, 0), 17),
    (Ipv4Addr::new(162, 158, 0, 0), 15),
    (Ipv4Addr::new(104, 16, 0, 0), 13),
    (Ipv4Addr::new(104, 24, 0, 0), 14),
    (Ipv4Addr::new(172, 64, 0, 0), 13),
    (Ipv4Addr::new(131, 0, 72, 0), 22),
];

/// Cloudflare's proxy ranges for IPv6: base address and prefix length.
const CLOUDFLARE_V6: [(Ipv6Addr, u8); 7] = [
    (Ipv6Addr::new(0x2400, 0xcb00, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2606, 0x4700, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2803, 0xf800, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0xb500, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0x8100, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2a06, 0x98c0, 0, 0, 0, 0, 0, 0), 29),
    (Ipv6Addr::new(0x2c0f, 0xf248, 0, 0, 0, 0, 0, 0), 32),
];

/// The name of the proxy service `address` belongs to, if it belongs to one.
pub fn proxy_provider(address: IpAddr) -> Option<&'static str> {
    let proxied = match address {
        IpAddr::V4(address) => CLOUDFLARE_V4.iter().any(|&(base, prefix)| {
            in_range(address.to_bits().into(), base.to_bits().into(), 32, prefix)
        }),
        IpAddr::V6(address) => match address.to_ipv4_mapped() {
            Some(mapped) => return proxy_provider(IpAddr::V4(mapped)),
            None => CLOUDFLARE_V6
                .iter()
                .any(|&(base, prefix)| in_range(address.to_bits(), base.to_bits(), 128, prefix)),
        },
    };
    proxied.then_some("Cloudflare")
}

/// Whether `address` lies in `base/prefix`, for addresses `width` bits wide.
fn in_range(address: u128, base: u128, width: u32, prefix: u8) -> bool {
    let host_bits = width.saturating_sub(u32::from(prefix));
    address.checked_shr(host_bits).unwrap_or(0) == base.checked_shr(host_bits).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn every_range_base_is_aligned_to_its_prefix() {
        for (base, prefix) in CLOUDFLARE_V4 {
            let host_bits = 32 - u32::from(prefix);
            assert_eq!(
                base.to_bits() & ((1 << host_bits) - 1),
                0,
                "{base}/{prefix}"
            );
        }
        for (base, prefix) in CLOUDFLARE_V6 {
            let host_bits = 128 - u32::from(prefix);
            assert_eq!(
                base.to_bits() & ((1 << host_bits) - 1),
                0,
                "{base}/{prefix}"
            );
        }
    }

    #[test]
    fn addresses_inside_and_just_outside_the_ranges() {
        for inside in [
            "104.16.0.0",
            "104.16.132.229",
            "104.23.255.255",
            "172.67.1.1",
            "162.159.0.1",
            "198.41.255.255",
            "173.245.63.255",
            "2606:4700::6810:84e5",
            "2a06:98c7:ffff::1",
            "::ffff:104.21.2.3",
        ] {
            assert_eq!(proxy_provider(v4(inside)), Some("Cloudflare"), "{inside}");
        }
        for outside in [
            "104.15.255.255",
            "104.28.0.0",
            "172.72.0.0",
            "162.160.0.0",
            "198.41.127.255",
            "173.245.64.0",
            "198.51.100.7",
            "2606:4701::1",
            "2a06:98c8::1",
            "2001:db8::7",
        ] {
            assert_eq!(proxy_provider(v4(outside)), None, "{outside}");
        }
    }
}
