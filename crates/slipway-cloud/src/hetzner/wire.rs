//! Hetzner Cloud's JSON, as far as Slipway reads it. Unknown fields are ignored, so new
//! fields in the API never break parsing; fields Hetzner documents as nullable are
//! `Option`s.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use crate::server::{Server, ServerId, ServerStatus, SshKey};

/// An error body: `{"error": {"code": "...", "message": "...", "details": {...}}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: WireError,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub details: Option<WireDetails>,
}

/// `details` of an `invalid_input` or `uniqueness_error`: the fields at fault.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WireDetails {
    #[serde(default)]
    pub fields: Vec<WireField>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireField {
    pub name: String,
    #[serde(default)]
    pub messages: Vec<String>,
}

/// `meta.pagination` of a list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Pagination {
    pub next_page: Option<u32>,
    #[serde(default)]
    pub total_entries: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireLocation {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
}

/// A price: `net` and `gross` (with VAT) as decimal strings, in euros.
#[derive(Debug, Deserialize)]
pub(crate) struct WireAmount {
    pub gross: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WirePrice {
    pub location: String,
    pub price_hourly: WireAmount,
    pub price_monthly: WireAmount,
    /// Included traffic in bytes (newer replies carry it per location).
    pub included_traffic: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireServerType {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub cores: u32,
    /// Memory in GB, a float (`0.5`, `4.0`).
    pub memory: f64,
    /// Disk in GB.
    pub disk: u64,
    #[serde(default)]
    pub prices: Vec<WirePrice>,
    /// `x86` or `arm`.
    #[serde(default)]
    pub architecture: Option<String>,
    /// `shared` or `dedicated`.
    #[serde(default)]
    pub cpu_type: Option<String>,
    /// The older flag for a retired type.
    #[serde(default)]
    pub deprecated: Option<bool>,
    /// When set, the type is being retired and is not offered.
    #[serde(default)]
    pub deprecation: Option<serde_json::Value>,
    /// Included traffic in bytes (older replies carry it here).
    #[serde(default)]
    pub included_traffic: Option<u64>,
}

impl WireServerType {
    /// Whether Hetzner is retiring the type.
    pub fn retired(&self) -> bool {
        self.deprecated == Some(true) || self.deprecation.as_ref().is_some_and(|d| !d.is_null())
    }

    /// Whether it runs x86 images (the type's architecture; absent means x86, as all
    /// types were before Arm ones came).
    pub fn is_x86(&self) -> bool {
        self.architecture
            .as_deref()
            .is_none_or(|arch| arch == "x86")
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireImage {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    /// Unique for system images (`debian-12`); null for snapshots and backups.
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub os_flavor: String,
    #[serde(default)]
    pub architecture: Option<String>,
    /// When the image was deprecated, if it was.
    #[serde(default)]
    pub deprecated: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct KeyEnvelope {
    pub ssh_key: WireKey,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireKey {
    pub id: u64,
    pub name: String,
    pub fingerprint: String,
    #[serde(default)]
    pub public_key: String,
}

impl From<WireKey> for SshKey {
    fn from(wire: WireKey) -> Self {
        Self {
            id: Some(wire.id),
            name: wire.name,
            fingerprint: wire.fingerprint,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ServerEnvelope {
    pub server: WireServer,
}

/// The 201 reply to `POST /servers`. `root_password` is not read: it is set only when
/// no SSH key was given, and Slipway always gives one.
#[derive(Debug, Deserialize)]
pub(crate) struct CreatedServer {
    pub server: WireServer,
    pub action: WireAction,
    #[serde(default)]
    pub next_actions: Vec<WireAction>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireServer {
    pub id: u64,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub public_net: WirePublicNet,
    pub server_type: Option<WireNamed>,
    /// The server's location, in replies that carry it beside the datacenter.
    #[serde(default)]
    pub location: Option<WireNamed>,
    pub datacenter: Option<WireDatacenter>,
    pub image: Option<WireImageRef>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireNamed {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireImageRef {
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireDatacenter {
    pub location: WireNamed,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WirePublicNet {
    pub ipv4: Option<WireIp>,
    pub ipv6: Option<WireIp>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireIp {
    pub ip: String,
}

impl WirePublicNet {
    /// The public IPv4 address.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        self.ipv4.as_ref()?.ip.parse().ok()
    }

    /// The server's IPv6 address: Hetzner gives a /64 network (`2001:db8:1:2::/64`),
    /// and the server answers on its `::1` unless set up otherwise.
    pub fn ipv6(&self) -> Option<Ipv6Addr> {
        let text = &self.ipv6.as_ref()?.ip;
        let network: Ipv6Addr = text.split('/').next()?.parse().ok()?;
        if !text.contains('/') {
            return Some(network);
        }
        Some(Ipv6Addr::from(network.to_bits() | 1))
    }
}

/// Hetzner's server status words as Slipway's: `running` is active, `initializing`
/// (the disk is being made) is new, `off` is off; `starting` and the rest stay as
/// Hetzner says them.
pub(crate) fn status(word: &str) -> ServerStatus {
    match word {
        "running" => ServerStatus::Active,
        "initializing" => ServerStatus::New,
        "off" => ServerStatus::Off,
        other => ServerStatus::Other(other.to_owned()),
    }
}

impl From<WireServer> for Server {
    fn from(wire: WireServer) -> Self {
        Self {
            id: ServerId(wire.id),
            public_ipv4: wire.public_net.ipv4(),
            public_ipv6: wire.public_net.ipv6(),
            status: status(&wire.status),
            name: wire.name,
            region: wire
                .location
                .or(wire.datacenter.map(|datacenter| datacenter.location))
                .map(|location| location.name)
                .unwrap_or_default(),
            size: wire.server_type.map(|kind| kind.name).unwrap_or_default(),
            image: wire.image.and_then(|image| image.name).unwrap_or_default(),
            tags: super::labels_as_tags(&wire.labels),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActionEnvelope {
    pub action: WireAction,
}

/// An action: `status` is `running`, `success` or `error` (its `progress` is not
/// read: the server's status says more).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireAction {
    pub id: u64,
    #[serde(default)]
    pub command: String,
    pub status: String,
    #[serde(default)]
    pub error: Option<WireActionError>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireActionError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ipv6_address_is_the_first_of_the_network() {
        let net: WirePublicNet = serde_json::from_str(
            r#"{"ipv4": {"id": 1, "ip": "203.0.113.7", "blocked": false, "dns_ptr": "x"},
                "ipv6": {"id": 2, "ip": "2001:db8:4f8:c17::/64", "blocked": false, "dns_ptr": []},
                "floating_ips": [], "firewalls": []}"#,
        )
        .expect("public_net");
        assert_eq!(net.ipv4(), Some(Ipv4Addr::new(203, 0, 113, 7)));
        assert_eq!(
            net.ipv6(),
            Some("2001:db8:4f8:c17::1".parse().expect("an address"))
        );
        let none: WirePublicNet =
            serde_json::from_str(r#"{"ipv4": null, "ipv6": null}"#).expect("public_net");
        assert_eq!((none.ipv4(), none.ipv6()), (None, None));
    }

    #[test]
    fn statuses_map_to_slipways_words() {
        assert_eq!(status("running"), ServerStatus::Active);
        assert_eq!(status("initializing"), ServerStatus::New);
        assert_eq!(status("off"), ServerStatus::Off);
        assert_eq!(status("starting").as_str(), "starting");
    }
}
