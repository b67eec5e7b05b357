//! Where the server and the domain's address records come from: a cloud provider that
//! Slipway asks for a server, a sandbox server on this machine, or the user.
//!
//! The spec names a provider by a short key (`digitalocean`, `hetzner`, `sandbox`;
//! `cloudflare`, `namecheap`, `manual` for DNS); the API tokens live in the keychain
//! under [`ServerProvider::token_name`] and [`DnsProvider::token_name`], never here.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::check::quote;
use crate::problem::Problems;

/// Who makes the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerProvider {
    /// A DigitalOcean droplet.
    DigitalOcean,
    /// A Hetzner Cloud server.
    Hetzner,
    /// A sandbox server on this machine (Linux, as root), to try Slipway without a
    /// cloud account.
    Sandbox,
}

impl ServerProvider {
    /// Every provider, in the order the wizard offers them.
    pub const ALL: [Self; 3] = [Self::DigitalOcean, Self::Hetzner, Self::Sandbox];

    /// The spec's name for it.
    pub fn key(self) -> &'static str {
        match self {
            Self::DigitalOcean => "digitalocean",
            Self::Hetzner => "hetzner",
            Self::Sandbox => "sandbox",
        }
    }

    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::DigitalOcean => "DigitalOcean",
            Self::Hetzner => "Hetzner Cloud",
            Self::Sandbox => "a sandbox server on this machine",
        }
    }

    /// The keychain name of its API token; none for the sandbox.
    pub fn token_name(self) -> Option<&'static str> {
        match self {
            Self::DigitalOcean => Some("digitalocean-token"),
            Self::Hetzner => Some("hetzner-token"),
            Self::Sandbox => None,
        }
    }

    /// The image used when the spec names none: Debian 12.
    pub fn default_image(self) -> &'static str {
        match self {
            Self::DigitalOcean => "debian-12-x64",
            Self::Hetzner => "debian-12",
            Self::Sandbox => "",
        }
    }

    /// Whether the spec must name a region and a size.
    pub fn needs_placement(self) -> bool {
        self != Self::Sandbox
    }
}

impl fmt::Display for ServerProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for ServerProvider {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|provider| provider.key() == value)
            .ok_or_else(|| {
                format!(
                    "{} is not a server provider; use digitalocean, hetzner or sandbox, or \
                     leave it out and give server.host for a server you already have",
                    quote(value)
                )
            })
    }
}

/// Who holds the domain's address records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsProvider {
    /// The user creates them at their registrar; Slipway shows the records and waits.
    Manual,
    /// DigitalOcean's DNS.
    DigitalOcean,
    /// Cloudflare.
    Cloudflare,
    /// Namecheap's own DNS (`BasicDNS`).
    Namecheap,
}

impl DnsProvider {
    /// Every provider, in the order the wizard offers them.
    pub const ALL: [Self; 4] = [
        Self::Manual,
        Self::DigitalOcean,
        Self::Cloudflare,
        Self::Namecheap,
    ];

    /// The spec's name for it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::DigitalOcean => "digitalocean",
            Self::Cloudflare => "cloudflare",
            Self::Namecheap => "namecheap",
        }
    }

    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Manual => "your registrar",
            Self::DigitalOcean => "DigitalOcean DNS",
            Self::Cloudflare => "Cloudflare",
            Self::Namecheap => "Namecheap",
        }
    }

    /// The keychain name of its API token (Namecheap's API key); none for manual records.
    pub fn token_name(self) -> Option<&'static str> {
        match self {
            Self::Manual => None,
            // The same token makes droplets and edits DigitalOcean DNS.
            Self::DigitalOcean => Some("digitalocean-token"),
            Self::Cloudflare => Some("cloudflare-token"),
            Self::Namecheap => Some("namecheap-key"),
        }
    }
}

impl fmt::Display for DnsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for DnsProvider {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|provider| provider.key() == value)
            .ok_or_else(|| {
                format!(
                    "{} is not a DNS provider; use digitalocean, cloudflare, namecheap or \
                     manual",
                    quote(value)
                )
            })
    }
}

/// Who points the domain at the server: `[domain.dns]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DnsSpec {
    /// `manual` (the default), `digitalocean`, `cloudflare` or `namecheap`.
    #[serde(default = "manual", skip_serializing_if = "is_manual")]
    pub provider: String,
    /// Namecheap only: the account's API user name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// Namecheap only: this machine's public IPv4 address, which must be on the
    /// account's API whitelist.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_ip: String,
}

fn manual() -> String {
    DnsProvider::Manual.key().into()
}

fn is_manual(value: &String) -> bool {
    *value == manual()
}

impl Default for DnsSpec {
    fn default() -> Self {
        Self {
            provider: manual(),
            user: String::new(),
            client_ip: String::new(),
        }
    }
}

impl DnsSpec {
    /// Whether nothing is set but the default.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The provider; manual when the value is not one (validation reports it).
    pub fn provider(&self) -> DnsProvider {
        self.provider.parse().unwrap_or(DnsProvider::Manual)
    }

    /// Namecheap's client address, once validated.
    pub fn client_ipv4(&self) -> Option<Ipv4Addr> {
        self.client_ip.parse().ok()
    }

    pub(crate) fn validate(&self, problems: &mut Problems) {
        let provider = match self.provider.parse::<DnsProvider>() {
            Ok(provider) => provider,
            Err(message) => {
                problems.push("domain.dns.provider", message);
                return;
            }
        };
        if provider == DnsProvider::Namecheap {
            if self.user.trim().is_empty() {
                problems.push(
                    "domain.dns.user",
                    "is required with Namecheap: the user name shown under Profile → Tools → \
                     Namecheap API Access",
                );
            } else if self.user.len() > 20 {
                problems.push(
                    "domain.dns.user",
                    "is longer than Namecheap's 20 characters",
                );
            }
            if self.client_ipv4().is_none() {
                problems.push(
                    "domain.dns.client_ip",
                    format!(
                        "{} is not an IPv4 address; Namecheap needs this machine's public \
                         IPv4 address, added to the API whitelist under Profile → Tools → \
                         Namecheap API Access",
                        quote(&self.client_ip)
                    ),
                );
            }
        } else {
            for (field, value) in [("user", &self.user), ("client_ip", &self.client_ip)] {
                if !value.is_empty() {
                    problems.push(
                        format!("domain.dns.{field}"),
                        format!("is only used with Namecheap; remove it for {provider}"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_round_trip_through_their_keys() {
        for provider in ServerProvider::ALL {
            assert_eq!(provider.key().parse::<ServerProvider>(), Ok(provider));
        }
        for provider in DnsProvider::ALL {
            assert_eq!(provider.key().parse::<DnsProvider>(), Ok(provider));
        }
        let error = "aws".parse::<ServerProvider>().expect_err("not offered");
        assert!(
            error.contains("\"aws\"") && error.contains("server.host"),
            "{error}"
        );
    }

    #[test]
    fn namecheap_needs_its_user_and_a_whitelisted_ipv4() {
        let spec = DnsSpec {
            provider: "namecheap".into(),
            user: String::new(),
            client_ip: "2001:db8::1".into(),
        };
        let mut problems = Problems::default();
        spec.validate(&mut problems);
        let fields: Vec<&str> = problems.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["domain.dns.user", "domain.dns.client_ip"]);

        let spec = DnsSpec {
            provider: "cloudflare".into(),
            user: "ada".into(),
            client_ip: String::new(),
        };
        let mut problems = Problems::default();
        spec.validate(&mut problems);
        assert_eq!(problems.0.len(), 1);
        assert!(problems.0[0].message.contains("only used with Namecheap"));
    }
}
