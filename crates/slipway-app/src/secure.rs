//! The server's lockdown and the site's HTTPS: which steps, in which order, and where a
//! deploy pauses between them.
//!
//! A deploy to a fresh server runs in up to three parts:
//! 1. as the login the server came with (root on most clouds): the OS check, packages,
//!    and the deploy user with the same key and sudo;
//! 2. Slipway logs in again as the deploy user and proves sudo works; only then is root
//!    login turned off (if the proof fails, nothing that could lock the user out is
//!    applied, and the run says why). The firewall, fail2ban, automatic security updates,
//!    swap and the app follow, ending with the site answering over HTTP;
//! 3. when a certificate must be requested: DNS is checked (and waited for) first, so no
//!    request is made while the names point elsewhere; then the certificate, its renewal,
//!    and the site over HTTPS.

use std::net::{IpAddr, Ipv6Addr, ToSocketAddrs};
use std::time::Duration;

use slipway_engine::Step;
use slipway_spec::{Spec, Swap as SwapSetting};
use slipway_steps::harden::{AutoUpgrades, DeployUser, Fail2ban, Firewall, SshLockdown, Swap};
use slipway_steps::nginx::SiteTls;
use slipway_steps::tls::{Certificate, CertificateInfo, Renewal, TrustedCa, live_dir};

use crate::error::AppError;

/// Packages the lockdown and the certificate need, on top of the app's.
pub fn packages(spec: &Spec) -> Vec<&'static str> {
    let harden = &spec.harden;
    let mut packages = Vec::new();
    if !harden.deploy_user.is_empty() {
        packages.push("sudo");
    }
    if harden.firewall {
        packages.push("ufw");
    }
    if harden.fail2ban {
        packages.extend(["fail2ban", "python3-systemd"]);
    }
    if harden.upgrades {
        packages.push("unattended-upgrades");
    }
    if spec.domain.is_some() {
        packages.push("certbot");
    }
    packages
}

/// The user deploys run as once the server is locked down; `None` to stay with the
/// spec's login.
pub fn deploy_user(spec: &Spec) -> Option<&str> {
    let user = spec.harden.deploy_user.as_str();
    (!user.is_empty()).then_some(user)
}

/// The users to try logging in as, in order: the deploy user (the server may already be
/// locked down), then the spec's login (a fresh server).
pub fn login_order(spec: &Spec) -> Vec<String> {
    let login = spec
        .server
        .as_ref()
        .map_or_else(|| "root".to_owned(), |s| s.user.clone());
    match deploy_user(spec) {
        Some(user) if user != login => vec![user.to_owned(), login],
        _ => vec![login],
    }
}

fn ssh_port(spec: &Spec) -> u16 {
    spec.server
        .as_ref()
        .and_then(|s| u16::try_from(s.port).ok())
        .unwrap_or(22)
}

/// The deploy user, with the key Slipway logged in with.
pub fn deploy_user_step(spec: &Spec, login_key: &str) -> Option<Box<dyn Step>> {
    let user = deploy_user(spec)?;
    Some(Box::new(DeployUser {
        name: user.to_owned(),
        public_keys: vec![login_key.to_owned()],
        sudo: true,
    }))
}

/// Key-only SSH without root login: applied only once the deploy user has proven it can
/// log in with sudo.
pub fn lockdown(spec: &Spec) -> Option<Box<dyn Step>> {
    (spec.harden.ssh && deploy_user(spec).is_some()).then(|| {
        Box::new(SshLockdown {
            port: ssh_port(spec),
        }) as Box<dyn Step>
    })
}

/// The firewall, fail2ban, security updates and swap, as the spec asks.
pub fn hardening(spec: &Spec) -> Vec<Box<dyn Step>> {
    let harden = &spec.harden;
    let mut steps: Vec<Box<dyn Step>> = Vec::new();
    if harden.firewall {
        steps.push(Box::new(Firewall {
            ssh_port: ssh_port(spec),
            allow: vec![80, 443],
        }));
    }
    if harden.fail2ban {
        steps.push(Box::new(Fail2ban {
            ssh_port: ssh_port(spec),
        }));
    }
    if harden.upgrades {
        steps.push(Box::new(AutoUpgrades));
    }
    match harden.swap() {
        SwapSetting::Off => {}
        SwapSetting::Auto => steps.push(Box::new(Swap {
            size_mib: None,
            path: "/swapfile".into(),
        })),
        SwapSetting::Size(mib) => steps.push(Box::new(Swap {
            size_mib: Some(mib),
            path: "/swapfile".into(),
        })),
    }
    steps
}

/// Where the deploy waits for DNS before a certificate is requested.
#[derive(Debug, Clone)]
pub struct DnsGate {
    /// The names the certificate covers.
    pub names: Vec<String>,
    /// The server's addresses the names must point at.
    pub expected: slipway_dns::Expected,
    /// Whom to ask.
    pub preflight: slipway_dns::Preflight,
    /// How long to wait for the names to point at the server.
    pub wait: Duration,
    /// Why a certificate is requested.
    pub reason: String,
}

impl DnsGate {
    /// The id its progress events carry.
    pub fn id(&self) -> String {
        format!("dns:{}", self.names.first().map_or("", String::as_str))
    }

    /// What it makes sure of.
    pub fn describe(&self) -> String {
        format!(
            "{} point{} at {}",
            self.names.join(", "),
            if self.names.len() == 1 { "s" } else { "" },
            self.expected.ipv4
        )
    }
}

/// The HTTPS part of a deploy.
pub struct Https {
    /// How nginx serves the site while the app is deployed: over HTTPS when a certificate
    /// for the names is on the server already, else over HTTP (for the challenge).
    pub current_site: Option<SiteTls>,
    /// The DNS check, when a certificate will be requested.
    pub dns: Option<DnsGate>,
    /// Steps that run before the app's (a private certificate authority's root).
    pub trust: Vec<Box<dyn Step>>,
    /// The certificate and its renewal.
    pub certificate: Vec<Box<dyn Step>>,
    /// How nginx serves the site once the certificate is there.
    pub site: SiteTls,
}

/// The server's address as DNS records must give it: the spec's `server.host` when it is
/// an address, else what it resolves to from here; the server's own IPv6, if it has one.
pub fn expected_addresses(
    spec: &Spec,
    server_ipv6: Option<Ipv6Addr>,
) -> Result<slipway_dns::Expected, AppError> {
    let host = spec
        .server
        .as_ref()
        .map(|s| s.host.clone())
        .ok_or(AppError::NoServer)?;
    let ipv4 = match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(address)) => Some(address),
        Ok(IpAddr::V6(_)) => None,
        Err(_) => (host.as_str(), 22)
            .to_socket_addrs()
            .ok()
            .and_then(|mut addresses| {
                addresses.find_map(|a| match a.ip() {
                    IpAddr::V4(v4) => Some(v4),
                    IpAddr::V6(_) => None,
                })
            }),
    };
    let ipv4 = ipv4.ok_or_else(|| AppError::NoIpv4 { host: host.clone() })?;
    Ok(slipway_dns::Expected {
        ipv4,
        ipv6: server_ipv6,
    })
}

/// Whether every name of the spec's domain points at its server now, asked of the
/// zone's name servers and the resolvers, without waiting. The server's IPv6 address is
/// not known without logging in, so any AAAA record counts as pointing elsewhere.
pub fn dns_check(spec: &Spec) -> Result<slipway_dns::Report, AppError> {
    let domain = spec.domain.as_ref().ok_or(AppError::NoDomain)?;
    let expected = expected_addresses(spec, None)?;
    let mut preflight = slipway_dns::Preflight::default();
    let resolvers = domain.resolver_addresses();
    if !resolvers.is_empty() {
        preflight.resolvers = resolvers;
    }
    Ok(slipway_dns::check(&domain.names(), &expected, &preflight))
}

/// The site's certificate and HTTPS, from the spec and the certificate on the server.
pub fn https(
    spec: &Spec,
    found: Option<&CertificateInfo>,
    server_ipv6: Option<Ipv6Addr>,
    pem: Option<String>,
) -> Result<Option<Https>, AppError> {
    let (Some(domain), Some(tls)) = (&spec.domain, &spec.tls) else {
        return Ok(None);
    };
    let app = spec.app.name.clone();
    let acme = tls.acme();
    let certificate = Certificate {
        name: app.clone(),
        domains: domain.names(),
        email: tls.email.clone(),
        directory: acme.directory().to_owned(),
        trial: tls.staging_first.then(|| acme.trial_directory().to_owned()),
    };
    let site = SiteTls {
        certificate: format!("{}/fullchain.pem", live_dir(&app)),
        key: format!("{}/privkey.pem", live_dir(&app)),
        hsts: tls.hsts,
        redirect_aliases: domain.redirect_aliases,
    };
    let needed = certificate.needed(found);
    let dns = match &needed {
        Some(reason) => {
            let mut preflight = slipway_dns::Preflight::default();
            let resolvers = domain.resolver_addresses();
            if !resolvers.is_empty() {
                preflight.resolvers = resolvers;
            }
            Some(DnsGate {
                names: domain.names(),
                expected: expected_addresses(spec, server_ipv6)?,
                preflight,
                wait: Duration::from_secs(u64::from(domain.dns_wait)),
                reason: reason.clone(),
            })
        }
        None => None,
    };
    // A certificate already there keeps serving while a new one is requested.
    let current_site = found.is_some().then(|| site.clone());
    let trust: Vec<Box<dyn Step>> = match pem {
        Some(pem) => vec![Box::new(TrustedCa {
            name: app.clone(),
            pem,
        })],
        None => Vec::new(),
    };
    let renewal = Renewal {
        name: app,
        trial: acme.trial_directory().to_owned(),
    };
    Ok(Some(Https {
        current_site,
        dns,
        trust,
        certificate: vec![Box::new(certificate), Box::new(renewal)],
        site,
    }))
}

#[cfg(test)]
mod tests {
    use slipway_spec::{DomainSpec, HardenSpec, ServerSpec, TlsSpec};

    use super::*;

    fn spec() -> Spec {
        let mut spec = Spec::default();
        spec.app.name = "shop".into();
        spec.server = Some(ServerSpec {
            host: "203.0.113.10".into(),
            port: 22,
            user: "root".into(),
            key: String::new(),
            ..ServerSpec::default()
        });
        spec.domain = Some(DomainSpec {
            name: "shop.example.com".into(),
            aliases: vec!["www.shop.example.com".into()],
            ..DomainSpec::default()
        });
        spec.tls = Some(TlsSpec {
            email: "ops@example.com".into(),
            staging_first: true,
            ..TlsSpec::default()
        });
        spec
    }

    fn ids(steps: &[Box<dyn Step>]) -> Vec<String> {
        steps.iter().map(|s| s.id()).collect()
    }

    #[test]
    fn the_deploy_user_is_tried_before_the_login_that_created_it() {
        let mut spec = spec();
        assert_eq!(login_order(&spec), ["deploy", "root"]);
        spec.harden = HardenSpec::off();
        assert_eq!(login_order(&spec), ["root"]);
        spec.harden.deploy_user = "root".into();
        assert_eq!(login_order(&spec), ["root"]);
    }

    #[test]
    fn each_part_of_the_lockdown_can_be_left_to_the_admin() {
        let mut spec = spec();
        assert_eq!(
            packages(&spec),
            [
                "sudo",
                "ufw",
                "fail2ban",
                "python3-systemd",
                "unattended-upgrades",
                "certbot"
            ]
        );
        assert_eq!(
            ids(&hardening(&spec)),
            [
                "firewall",
                "fail2ban",
                "unattended-upgrades",
                "swap:/swapfile"
            ]
        );
        assert!(lockdown(&spec).is_some());
        spec.harden = HardenSpec::off();
        spec.domain = None;
        assert!(packages(&spec).is_empty());
        assert!(hardening(&spec).is_empty());
        assert!(lockdown(&spec).is_none());
        assert!(deploy_user_step(&spec, "ssh-ed25519 AAAA").is_none());
    }

    #[test]
    fn dns_is_checked_only_when_a_certificate_will_be_requested() {
        let spec = spec();
        let first = https(&spec, None, None, None)
            .expect("https")
            .expect("a domain");
        let gate = first.dns.expect("a first certificate needs DNS first");
        assert_eq!(gate.expected.ipv4.to_string(), "203.0.113.10");
        assert_eq!(gate.names, ["shop.example.com", "www.shop.example.com"]);
        assert_eq!(gate.reason, "no certificate yet");
        assert_eq!(gate.wait.as_secs(), 600);
        assert!(first.current_site.is_none(), "no certificate to serve yet");

        let found = CertificateInfo {
            names: vec!["www.shop.example.com".into(), "shop.example.com".into()],
            issuer: "R11".into(),
            not_after: "Feb 25 03:00:00 2027 GMT".into(),
            days_left: 60,
            directory: slipway_spec::site::LETS_ENCRYPT.into(),
        };
        let kept = https(&spec, Some(&found), None, None)
            .expect("https")
            .expect("a domain");
        assert!(kept.dns.is_none(), "{:?}", kept.dns);
        assert!(kept.current_site.is_some());
        let soon = CertificateInfo {
            days_left: 12,
            ..found
        };
        let renewing = https(&spec, Some(&soon), None, None)
            .expect("https")
            .expect("a domain");
        let gate = renewing.dns.expect("a renewal asks too");
        assert!(
            gate.reason.contains("expires in 12 days"),
            "{}",
            gate.reason
        );
    }
}
