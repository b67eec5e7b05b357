//! The public face of a deployment: its domain, its HTTPS certificate, and how the server
//! under it is locked down (`[domain]`, `[tls]` and `[harden]` in `slipway.toml`).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::check::{self, quote};
use crate::cloud::DnsSpec;
use crate::problem::Problems;
use crate::spec::{ServerSpec, is_false, is_true, record, yes};

/// How long a deploy waits for the domain to point at the server when `[domain]` does
/// not say, in seconds.
const DEFAULT_DNS_WAIT: u32 = 600;

/// The public name of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    /// The main name, such as `example.com`.
    pub name: String,
    /// Other names that serve the same site, such as `www.example.com`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Whether the aliases answer with a permanent redirect to `name` (one address in
    /// search results and bookmarks) rather than serving the site themselves.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub redirect_aliases: bool,
    /// DNS resolvers asked whether the names point at the server, as `address` or
    /// `address:port`; empty for Cloudflare's, Google's and Quad9's public resolvers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolvers: Vec<String>,
    /// How long a deploy waits for the names to point at the server, in seconds, before
    /// it gives up without asking for a certificate.
    #[serde(
        default = "default_dns_wait",
        skip_serializing_if = "is_default_dns_wait"
    )]
    pub dns_wait: u32,
    /// Who points the names at the server: `[domain.dns]`.
    #[serde(default, skip_serializing_if = "DnsSpec::is_default")]
    pub dns: DnsSpec,
}

impl Default for DomainSpec {
    fn default() -> Self {
        Self {
            name: String::new(),
            aliases: Vec::new(),
            redirect_aliases: true,
            resolvers: Vec::new(),
            dns_wait: DEFAULT_DNS_WAIT,
            dns: DnsSpec::default(),
        }
    }
}

impl DomainSpec {
    /// Every name the certificate covers: the main name first.
    pub fn names(&self) -> Vec<String> {
        let mut names = vec![self.name.clone()];
        names.extend(self.aliases.iter().cloned());
        names
    }

    /// The resolvers to ask, once [`crate::Spec::validate`] has passed; port 53 unless
    /// given.
    pub fn resolver_addresses(&self) -> Vec<SocketAddr> {
        self.resolvers
            .iter()
            .filter_map(|r| parse_resolver(r))
            .collect()
    }

    pub(crate) fn validate(&self, problems: &mut Problems) {
        record(problems, "domain.name", check::domain(&self.name));
        for (i, alias) in self.aliases.iter().enumerate() {
            let field = format!("domain.aliases[{i}]");
            if let Err(message) = check::domain(alias) {
                problems.push(field, message);
            } else if alias == &self.name || self.aliases[..i].contains(alias) {
                problems.push(field, format!("{} is listed twice", quote(alias)));
            }
        }
        for (i, resolver) in self.resolvers.iter().enumerate() {
            if parse_resolver(resolver).is_none() {
                problems.push(
                    format!("domain.resolvers[{i}]"),
                    format!(
                        "{} is not a resolver address; write an IP address such as 1.1.1.1, \
                         or address:port such as 127.0.0.1:8053",
                        quote(resolver)
                    ),
                );
            }
        }
        self.dns.validate(problems);
        if self.dns_wait > 86_400 {
            problems.push(
                "domain.dns_wait",
                "is more than a day; DNS changes show within minutes to a few hours",
            );
        }
    }
}

/// A resolver's address: `address`, on port 53, or `address:port`.
fn parse_resolver(value: &str) -> Option<SocketAddr> {
    match value.parse::<IpAddr>() {
        Ok(address) => Some(SocketAddr::new(address, 53)),
        Err(_) => value.parse().ok(),
    }
}

/// Which ACME certificate authority issues the site's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acme {
    /// Let's Encrypt, trusted by every browser.
    LetsEncrypt,
    /// Let's Encrypt's staging service: generous rate limits, untrusted certificates.
    LetsEncryptStaging,
    /// Any other ACME directory, such as a company's own certificate authority.
    Directory(String),
}

/// Let's Encrypt's production ACME directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging ACME directory.
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

impl Acme {
    /// The directory URL certificates are requested from.
    pub fn directory(&self) -> &str {
        match self {
            Self::LetsEncrypt => LETS_ENCRYPT,
            Self::LetsEncryptStaging => LETS_ENCRYPT_STAGING,
            Self::Directory(url) => url,
        }
    }

    /// Where a trial run goes: Let's Encrypt's staging for Let's Encrypt, else the same
    /// directory (a trial run there saves nothing).
    pub fn trial_directory(&self) -> &str {
        match self {
            Self::LetsEncrypt | Self::LetsEncryptStaging => LETS_ENCRYPT_STAGING,
            Self::Directory(url) => url,
        }
    }
}

impl FromStr for Acme {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "" | "letsencrypt" => Ok(Self::LetsEncrypt),
            "letsencrypt-staging" => Ok(Self::LetsEncryptStaging),
            url if url.starts_with("https://")
                && url.len() > "https://".len()
                && !url.contains(char::is_whitespace) =>
            {
                Ok(Self::Directory(url.to_owned()))
            }
            other => Err(format!(
                "{} is not a certificate authority; write \"letsencrypt\", \
                 \"letsencrypt-staging\", or the https:// URL of an ACME directory",
                quote(other)
            )),
        }
    }
}

/// HTTPS certificate settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TlsSpec {
    /// Address the certificate authority writes to about expiring certificates.
    pub email: String,
    /// `letsencrypt` (the default), `letsencrypt-staging`, or an ACME directory URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub acme: String,
    /// A PEM file on this computer with the certificate authority's root, for a private
    /// ACME directory whose certificates the server does not already trust.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca_bundle: String,
    /// Before the first certificate, prove the whole path with a trial run on the staging
    /// service, so a mistake cannot use up the production rate limits.
    #[serde(default, skip_serializing_if = "is_false")]
    pub staging_first: bool,
    /// Send `Strict-Transport-Security`: browsers then refuse plain HTTP to the site for
    /// two years. Turn on once HTTPS works and will stay.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hsts: bool,
}

impl TlsSpec {
    /// The certificate authority, once [`crate::Spec::validate`] has passed.
    pub fn acme(&self) -> Acme {
        self.acme.parse().unwrap_or(Acme::LetsEncrypt)
    }

    pub(crate) fn validate(&self, problems: &mut Problems) {
        record(problems, "tls.email", check::email(&self.email));
        if let Err(message) = self.acme.parse::<Acme>() {
            problems.push("tls.acme", message);
        }
        if self.ca_bundle.contains('\n') {
            problems.push("tls.ca_bundle", "must be one file path");
        }
    }
}

/// Whether the server gets a swap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    /// One when memory is small and there is no swap yet.
    Auto,
    /// Never.
    Off,
    /// One of this many MiB, unless swap is already active.
    Size(u64),
}

impl FromStr for Swap {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "{} is not a swap setting; write \"auto\", \"off\", or a size such as \
                 \"1G\" or \"512M\"",
                quote(value)
            )
        };
        match value {
            "" | "auto" => return Ok(Self::Auto),
            "off" => return Ok(Self::Off),
            _ => {}
        }
        let (digits, unit) = value.split_at(value.len() - 1);
        let scale = match unit {
            "M" | "m" => 1,
            "G" | "g" => 1024,
            _ => return Err(invalid()),
        };
        let size: u64 = digits.parse().map_err(|_| invalid())?;
        let mib = size * scale;
        if !(128..=64 * 1024).contains(&mib) {
            return Err(format!(
                "{} is outside 128M to 64G, the sizes a swap file is useful at",
                quote(value)
            ));
        }
        Ok(Self::Size(mib))
    }
}

/// How Slipway locks the server down; each part can be left to an admin who manages it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)] // each switch is one line a user writes in slipway.toml
pub struct HardenSpec {
    /// The login user Slipway creates (key only, with sudo) and deploys as once it has
    /// proven it can log in; empty to keep logging in as `server.user`.
    #[serde(
        default = "default_deploy_user",
        skip_serializing_if = "is_default_deploy_user"
    )]
    pub deploy_user: String,
    /// Key-only SSH with root login off, applied only after the deploy user has logged
    /// in with sudo.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub ssh: bool,
    /// A firewall (ufw) that lets in SSH, HTTP and HTTPS only.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub firewall: bool,
    /// fail2ban, banning addresses that keep failing to log in over SSH.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub fail2ban: bool,
    /// Security updates installed automatically every day.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub upgrades: bool,
    /// `auto` (a swap file on servers with little memory and no swap), `off`, or a size
    /// such as `1G`.
    #[serde(default = "default_swap", skip_serializing_if = "is_default_swap")]
    pub swap: String,
}

impl Default for HardenSpec {
    fn default() -> Self {
        Self {
            deploy_user: default_deploy_user(),
            ssh: true,
            firewall: true,
            fail2ban: true,
            upgrades: true,
            swap: default_swap(),
        }
    }
}

impl HardenSpec {
    /// Nothing is managed: the server's admin keeps every part.
    pub fn off() -> Self {
        Self {
            deploy_user: String::new(),
            ssh: false,
            firewall: false,
            fail2ban: false,
            upgrades: false,
            swap: "off".into(),
        }
    }

    /// The swap setting, once [`crate::Spec::validate`] has passed.
    pub fn swap(&self) -> Swap {
        self.swap.parse().unwrap_or(Swap::Auto)
    }

    pub(crate) fn is_default(&self) -> bool {
        *self == Self::default()
    }

    pub(crate) fn validate(&self, server: Option<&ServerSpec>, problems: &mut Problems) {
        if !self.deploy_user.is_empty() {
            record(
                problems,
                "harden.deploy_user",
                check::user_name(&self.deploy_user),
            );
            if self.deploy_user == "root" {
                problems.push(
                    "harden.deploy_user",
                    "cannot be root: the deploy user is the one that replaces root logins",
                );
            }
        }
        let login = server.map_or("root", |s| s.user.as_str());
        if self.ssh && self.deploy_user.is_empty() && login == "root" {
            problems.push(
                "harden.ssh",
                "turns root login off, but Slipway logs in as root and has no deploy user; \
                 set harden.deploy_user (such as \"deploy\") or ssh = false",
            );
        }
        if let Err(message) = self.swap.parse::<Swap>() {
            problems.push("harden.swap", message);
        }
    }
}

fn default_dns_wait() -> u32 {
    DEFAULT_DNS_WAIT
}
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_default_dns_wait(value: &u32) -> bool {
    *value == DEFAULT_DNS_WAIT
}
fn default_deploy_user() -> String {
    "deploy".into()
}
fn is_default_deploy_user(value: &str) -> bool {
    value == "deploy"
}
fn default_swap() -> String {
    "auto".into()
}
fn is_default_swap(value: &str) -> bool {
    value == "auto"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_sizes_read_in_mebibytes_and_gibibytes() {
        assert_eq!("auto".parse(), Ok(Swap::Auto));
        assert_eq!("off".parse(), Ok(Swap::Off));
        assert_eq!("1G".parse(), Ok(Swap::Size(1024)));
        assert_eq!("512M".parse(), Ok(Swap::Size(512)));
        assert!(
            "64M"
                .parse::<Swap>()
                .expect_err("refused")
                .contains("128M to 64G")
        );
        assert!(
            "lots"
                .parse::<Swap>()
                .expect_err("refused")
                .contains("\"1G\"")
        );
    }

    #[test]
    fn the_certificate_authority_is_a_name_or_an_https_directory() {
        assert_eq!("".parse(), Ok(Acme::LetsEncrypt));
        assert_eq!(
            "letsencrypt-staging"
                .parse::<Acme>()
                .map(|a| a.directory().to_owned()),
            Ok(LETS_ENCRYPT_STAGING.to_owned())
        );
        let own: Acme = "https://acme.corp.example/dir".parse().expect("a URL");
        assert_eq!(own.trial_directory(), "https://acme.corp.example/dir");
        assert_eq!(Acme::LetsEncrypt.trial_directory(), LETS_ENCRYPT_STAGING);
        assert!("http://acme.corp.example/dir".parse::<Acme>().is_err());
    }

    #[test]
    fn resolvers_take_port_53_unless_given() {
        let domain = DomainSpec {
            resolvers: vec!["1.1.1.1".into(), "127.0.0.1:8053".into()],
            ..DomainSpec::default()
        };
        assert_eq!(
            domain.resolver_addresses(),
            vec![
                "1.1.1.1:53".parse().expect("address"),
                "127.0.0.1:8053".parse().expect("address"),
            ]
        );
        assert_eq!(parse_resolver("dns.google"), None);
    }
}
