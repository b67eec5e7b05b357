//! DigitalOcean's JSON, as far as Slipway reads it. Unknown fields are ignored, so new
//! fields in the API never break parsing.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use crate::server::{Account, Image, Region, Server, ServerId, ServerStatus, Size, SshKey};

/// An error body: `{"id": "...", "message": "...", "request_id": "..."}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub id: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AccountEnvelope {
    pub account: WireAccount,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireAccount {
    pub email: String,
    pub status: String,
    #[serde(default)]
    pub status_message: String,
    pub droplet_limit: u64,
    pub team: Option<WireTeam>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireTeam {
    pub name: String,
}

impl From<WireAccount> for Account {
    fn from(wire: WireAccount) -> Self {
        Self {
            email: wire.email,
            team: wire.team.map(|team| team.name),
            status: wire.status,
            status_message: wire.status_message,
            server_limit: wire.droplet_limit,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireRegion {
    pub slug: String,
    pub name: String,
    pub available: bool,
    pub sizes: Vec<String>,
}

impl From<WireRegion> for Region {
    fn from(wire: WireRegion) -> Self {
        Self {
            slug: wire.slug,
            name: wire.name,
            available: wire.available,
            sizes: wire.sizes,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireSize {
    pub slug: String,
    #[serde(default)]
    pub description: String,
    pub memory: u64,
    pub vcpus: u32,
    pub disk: u64,
    pub transfer: f64,
    pub price_monthly: f64,
    pub price_hourly: f64,
    pub regions: Vec<String>,
    pub available: bool,
}

impl From<WireSize> for Size {
    fn from(wire: WireSize) -> Self {
        Self {
            slug: wire.slug,
            description: wire.description,
            memory_mib: wire.memory,
            vcpus: wire.vcpus,
            disk_gb: wire.disk,
            transfer_tb: wire.transfer,
            price_monthly: wire.price_monthly,
            price_hourly: wire.price_hourly,
            regions: wire.regions,
            available: wire.available,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireImage {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub distribution: String,
    pub slug: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    pub status: Option<String>,
}

impl WireImage {
    /// An image that can be created from, with a slug.
    pub fn into_image(self) -> Option<Image> {
        let usable = self
            .status
            .as_deref()
            .is_none_or(|status| status == "available");
        let slug = self.slug.filter(|_| usable)?;
        Some(Image {
            slug,
            name: self.name,
            distribution: self.distribution,
            regions: self.regions,
        })
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct KeyEnvelope {
    pub ssh_key: WireKey,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireKey {
    pub id: Option<u64>,
    pub fingerprint: String,
    pub public_key: String,
    pub name: String,
}

impl From<WireKey> for SshKey {
    fn from(wire: WireKey) -> Self {
        Self {
            id: wire.id,
            name: wire.name,
            fingerprint: wire.fingerprint,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct DropletEnvelope {
    pub droplet: WireDroplet,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireDroplet {
    pub id: u64,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub size_slug: String,
    pub region: Option<WireSlug>,
    pub image: Option<WireSlug>,
    #[serde(default)]
    pub networks: WireNetworks,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireSlug {
    pub slug: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WireNetworks {
    #[serde(default)]
    pub v4: Vec<WireAddress>,
    #[serde(default)]
    pub v6: Vec<WireAddress>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireAddress {
    pub ip_address: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl WireNetworks {
    /// The public IPv4 address: chosen by `type`, never by position (the private VPC
    /// address usually comes first).
    pub fn public_ipv4(&self) -> Option<Ipv4Addr> {
        self.v4
            .iter()
            .filter(|address| address.kind == "public")
            .find_map(|address| address.ip_address.parse().ok())
    }

    /// The public IPv6 address.
    pub fn public_ipv6(&self) -> Option<Ipv6Addr> {
        self.v6
            .iter()
            .filter(|address| address.kind == "public")
            .find_map(|address| address.ip_address.parse().ok())
    }
}

impl From<WireDroplet> for Server {
    fn from(wire: WireDroplet) -> Self {
        let slug = |slug: Option<WireSlug>| slug.and_then(|s| s.slug).unwrap_or_default();
        Self {
            id: ServerId(wire.id),
            public_ipv4: wire.networks.public_ipv4(),
            public_ipv6: wire.networks.public_ipv6(),
            name: wire.name,
            status: ServerStatus::parse(&wire.status),
            region: slug(wire.region),
            size: wire.size_slug,
            image: slug(wire.image),
            tags: wire.tags,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireRecord {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub data: String,
    pub ttl: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_address_is_chosen_by_type_not_position() {
        let networks: WireNetworks = serde_json::from_str(
            r#"{"v4": [{"ip_address":"10.128.192.124","netmask":"255.255.0.0","gateway":"nil","type":"private"},
                      {"ip_address":"192.241.165.154","netmask":"255.255.255.0","gateway":"192.241.165.1","type":"public"}],
                "v6": [{"ip_address":"2604:a880:0:1010::18a:a001","netmask":64,"gateway":"2604:a880:0:1010::1","type":"public"}]}"#,
        )
        .expect("networks");
        assert_eq!(
            networks.public_ipv4(),
            Some(Ipv4Addr::new(192, 241, 165, 154))
        );
        assert_eq!(
            networks.public_ipv6(),
            Some("2604:a880:0:1010::18a:a001".parse().expect("an address"))
        );
        let private_only: WireNetworks = serde_json::from_str(
            r#"{"v4": [{"ip_address":"10.0.0.2","netmask":"255.255.0.0","gateway":"nil","type":"private"}], "v6": []}"#,
        )
        .expect("networks");
        assert_eq!(private_only.public_ipv4(), None);
    }
}
