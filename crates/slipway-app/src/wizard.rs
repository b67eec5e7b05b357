//! What the setup wizard asks of the backend besides the spec: what a provider offers
//! (with the token checked as it is entered, and kept in the keychain once accepted),
//! which secrets the keychain holds, and whether the domain resolves yet.
//!
//! Every type here crosses to the UI, so numbers are `u32`/`f64` (plain numbers in
//! TypeScript) and nothing carries a secret back.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use slipway_cloud::Catalogue;
use slipway_secrets::{Secret, SecretKey, SecretStore};
use slipway_spec::{ServerProvider, Spec};
use ts_rs::TS;

use crate::cloud::{self, Endpoints};
use crate::error::AppError;
use crate::secrets::{self, PublicKey, SSH_KEY};

/// What a provider offers this account, for the Server step's pickers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerOffer {
    /// Whose account the token opens, and in what state, in words.
    pub account: String,
    /// The prices' currency (ISO 4217: `USD`, `EUR`).
    pub currency: String,
    /// Regions that can take a new server, each with its sizes (cheapest first) and
    /// images.
    pub regions: Vec<RegionOffer>,
}

/// One region and what it offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RegionOffer {
    /// `fra1`, `fsn1`.
    pub slug: String,
    /// `Frankfurt 1`.
    pub name: String,
    /// Sizes sold here, cheapest first.
    pub sizes: Vec<SizeOffer>,
    /// Supported systems offered here.
    pub images: Vec<ImageOffer>,
}

/// A server size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SizeOffer {
    /// `s-1vcpu-1gb`, `cx22`.
    pub slug: String,
    /// CPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
    /// Disk in GB.
    pub disk_gb: u32,
    /// The price a month, in the offer's currency.
    pub price_monthly: f64,
}

/// A system image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImageOffer {
    /// `debian-12-x64`, `debian-12`.
    pub slug: String,
    /// `Debian 12`.
    pub label: String,
}

/// Whether a secret is in the keychain; never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SecretState {
    /// The secret's name, such as `digitalocean-token`.
    pub name: String,
    /// Whether it is set.
    pub set: bool,
}

/// Whether the domain's names point at the server yet, for a live check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DnsStatus {
    /// Whether every name points at the server.
    pub ready: bool,
    /// The address they must point at.
    pub expected: String,
    /// One line per name.
    pub names: Vec<NameStatus>,
}

/// One name's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NameStatus {
    /// `www.example.com`.
    pub name: String,
    /// Whether it points at the server.
    pub ready: bool,
    /// What was found and what to change.
    pub message: String,
}

/// What `provider` offers, with `token` (just entered) or the project's stored token. A
/// token the provider accepts is stored in the keychain for `project`; a refused one is
/// not kept anywhere.
pub fn server_offer(
    project: &str,
    provider: ServerProvider,
    token: Option<Secret<String>>,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
) -> Result<ServerOffer, AppError> {
    let token_key = match provider.token_name() {
        Some(name) => Some(SecretKey::new(project.to_owned(), name)?),
        None => None,
    };
    let token = match (&token_key, token) {
        (Some(_), Some(token)) => Some((token, true)),
        (Some(key), None) => {
            let stored = store.get(key)?.ok_or_else(|| AppError::MissingSecret {
                env_var: key.env_var(),
                key: key.to_string(),
            })?;
            Some((stored, false))
        }
        (None, _) => None,
    };
    let client = cloud::provider_with(provider, token.as_ref().map(|(t, _)| t.clone()), endpoints)?;
    let account = client.check_token()?;
    let catalogue = client.catalogue()?;
    if let (Some(key), Some((token, true))) = (&token_key, &token) {
        store.set(key, token)?;
    }
    let who = if account.email.is_empty() {
        provider.label().to_owned()
    } else {
        format!("{} ({})", account.email, provider.label())
    };
    Ok(ServerOffer {
        account: format!("{who}: {}", account.status),
        currency: catalogue.currency().to_owned(),
        regions: regions(&catalogue),
    })
}

fn regions(catalogue: &Catalogue) -> Vec<RegionOffer> {
    let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    catalogue
        .regions()
        .into_iter()
        .map(|region| RegionOffer {
            slug: region.slug.clone(),
            name: region.name.clone(),
            sizes: catalogue
                .sizes_in(&region.slug)
                .into_iter()
                .map(|size| SizeOffer {
                    slug: size.slug.clone(),
                    vcpus: size.vcpus,
                    memory_mib: small(size.memory_mib),
                    disk_gb: small(size.disk_gb),
                    price_monthly: size.price_monthly,
                })
                .collect(),
            images: catalogue
                .images_in(&region.slug)
                .into_iter()
                .map(|(os, image)| ImageOffer {
                    slug: image.slug.clone(),
                    label: os.label().to_owned(),
                })
                .collect(),
        })
        .filter(|region| !region.sizes.is_empty())
        .collect()
}

/// Stores `value` as the project's secret `name`; an empty value is refused.
pub fn store_secret(
    store: &dyn SecretStore,
    project: &str,
    name: &str,
    value: &Secret<String>,
) -> Result<(), AppError> {
    let key = SecretKey::new(project.to_owned(), name)?;
    if value.expose().trim().is_empty() {
        return Err(AppError::EmptySecret {
            key: key.to_string(),
        });
    }
    store.set(&key, value)?;
    Ok(())
}

/// The public half of the project's SSH login key, for the user to add to their server;
/// with `create`, the key is made first when the keychain has none (an existing one is
/// never replaced). `None` when there is no key and `create` is false.
pub fn login_key(
    store: &dyn SecretStore,
    spec: &Spec,
    create: bool,
) -> Result<Option<PublicKey>, AppError> {
    match secrets::public_key(store, spec, SSH_KEY) {
        Ok(key) => Ok(Some(key)),
        Err(AppError::MissingSecret { .. }) if create => {
            secrets::new_key(store, spec, SSH_KEY, false).map(Some)
        }
        Err(AppError::MissingSecret { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Which of `names` the project has in the keychain.
pub fn secret_states(
    store: &dyn SecretStore,
    project: &str,
    names: &[String],
) -> Result<Vec<SecretState>, AppError> {
    names
        .iter()
        .map(|name| {
            let key = SecretKey::new(project.to_owned(), name.as_str())?;
            Ok(SecretState {
                name: name.clone(),
                set: store.get(&key)?.is_some(),
            })
        })
        .collect()
}

/// Whether the spec's domain points at its server: the one its provider has (which
/// must exist already), or the spec's host.
pub fn dns_status(
    spec: &Spec,
    store: &dyn SecretStore,
    endpoints: &Endpoints,
) -> Result<DnsStatus, AppError> {
    let spec = if spec.server.as_ref().is_some_and(|s| !s.provider.is_empty()) {
        let (address, _) = cloud::server_addresses(spec, store, endpoints)?;
        cloud::with_address(spec, address)
    } else {
        spec.clone()
    };
    let report = crate::secure::dns_check(&spec)?;
    Ok(DnsStatus {
        ready: report.ready(),
        expected: IpAddr::V4(report.expected.ipv4).to_string(),
        names: report
            .names
            .iter()
            .map(|name| NameStatus {
                name: name.name.clone(),
                ready: name.verdict == slipway_dns::Verdict::Ready,
                message: name.message.clone(),
            })
            .collect(),
    })
}
