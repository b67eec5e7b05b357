//! HTTPS certificates from an ACME certificate authority, with certbot on the server.
//!
//! Certificates are requested through the running nginx (the webroot challenge), so the
//! site never stops for them. A certificate is requested only when the one on the server
//! is missing, covers other names, came from another authority, or has 30 days or less
//! left. Renewal is certbot's own timer, with a hook that reloads nginx, and a trial
//! renewal proves it works whenever the renewal settings change.

use std::fmt::Write as _;

use slipway_engine::{Action, Cmd, Diff, Facts, Probe, Step, StepPlan};

use crate::file::sha256_hex;

/// The folder nginx serves `/.well-known/acme-challenge/` from, on every site.
pub const ACME_WEBROOT: &str = "/var/www/slipway-acme";

/// Renew when this many days or fewer are left, as certbot itself does.
pub const RENEW_WITHIN_DAYS: u32 = 30;

/// The hook certbot runs after every renewal: nginx picks up the new certificate.
const RELOAD_HOOK: &str = "/etc/letsencrypt/renewal-hooks/deploy/slipway-reload-nginx";
const RELOAD_HOOK_TEXT: &str = "#!/bin/sh\n# Managed by Slipway: serve renewed certificates at once.\nsystemctl reload nginx\n";

/// Where certbot keeps the certificate named `name`.
pub fn live_dir(name: &str) -> String {
    format!("/etc/letsencrypt/live/{name}")
}

fn renewal_conf(name: &str) -> String {
    format!("/etc/letsencrypt/renewal/{name}.conf")
}

/// What the server's certificate says, as `slipway status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateInfo {
    /// The names it covers, in the certificate's order.
    pub names: Vec<String>,
    /// Who issued it: the issuer's common name (or the whole issuer when it has none).
    pub issuer: String,
    /// When it expires, as the certificate says it (`Feb 25 03:00:00 2027 GMT`).
    pub not_after: String,
    /// Whole days left, from the server's clock; negative once expired.
    pub days_left: i64,
    /// The ACME directory it was requested from.
    pub directory: String,
}

/// The command whose output [`CertificateInfo::parse`] reads: nothing when there is no
/// certificate.
pub fn certificate_probe(name: &str) -> Cmd {
    let cert = format!("{}/cert.pem", live_dir(name));
    let read = Cmd::new("test")
        .args(["-r", &cert])
        .and(Cmd::new("date").arg("+now=%s"))
        .and(
            Cmd::new("openssl")
                .args(["x509", "-in", &cert, "-noout", "-enddate", "-issuer"])
                .args(["-ext", "subjectAltName", "-dates"]),
        )
        .and(Cmd::new("grep").args(["-E", "^server *=", &renewal_conf(name)]));
    read.or(Cmd::Fixed("true"))
}

impl CertificateInfo {
    /// Reads [`certificate_probe`]'s output; `None` when there is no certificate.
    pub fn parse(output: &str) -> Option<Self> {
        let mut info = Self::default();
        let mut now = None;
        let mut expires = None;
        let mut in_names = false;
        for line in output.lines() {
            let line = line.trim();
            if in_names {
                in_names = false;
                info.names = line
                    .split(',')
                    .filter_map(|n| n.trim().strip_prefix("DNS:"))
                    .map(str::to_owned)
                    .collect();
                continue;
            }
            if let Some(value) = line.strip_prefix("now=") {
                now = value.parse::<i64>().ok();
            } else if let Some(value) = line.strip_prefix("notAfter=") {
                value.clone_into(&mut info.not_after);
                expires = parse_openssl_time(value);
            } else if let Some(value) = line.strip_prefix("issuer=") {
                info.issuer = common_name(value);
            } else if line.starts_with("X509v3 Subject Alternative Name") {
                in_names = true;
            } else if let Some((key, value)) = line.split_once('=')
                && key.trim() == "server"
            {
                value.trim().clone_into(&mut info.directory);
            }
        }
        let (now, expires) = (now?, expires?);
        info.days_left = (expires - now).div_euclid(86_400);
        Some(info)
    }
}

/// The `CN` of an issuer line such as `C = US, O = Let's Encrypt, CN = R11`.
fn common_name(issuer: &str) -> String {
    issuer
        .split(',')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(key, _)| key.trim() == "CN")
        .map_or_else(|| issuer.trim().to_owned(), |(_, v)| v.trim().to_owned())
}

/// Seconds since the epoch of an OpenSSL time such as `Feb 25 03:00:00 2027 GMT`.
fn parse_openssl_time(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut words = text.split_whitespace();
    let name = words.next()?;
    let month = MONTHS.iter().position(|m| *m == name)?;
    let day: i64 = words.next()?.parse().ok()?;
    let mut clock = words.next()?.split(':').map(str::parse::<i64>);
    let (h, m, s) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    let year: i64 = words.next()?.parse().ok()?;
    let days = days_from_civil(year, i64::try_from(month).ok()? + 1, day);
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A certificate for these names, from this certificate authority, with more than
/// [`RENEW_WITHIN_DAYS`] days left.
pub struct Certificate {
    /// The certificate's name on the server (certbot's `--cert-name`): the app's name.
    pub name: String,
    /// The names it covers; the first is the main one.
    pub domains: Vec<String>,
    /// The account's e-mail address.
    pub email: String,
    /// The ACME directory URL.
    pub directory: String,
    /// Where a trial run goes before the first certificate, to prove the path without
    /// spending the directory's rate limits; `None` for no trial.
    pub trial: Option<String>,
}

impl Certificate {
    fn key(&self) -> String {
        format!("certificate:{}", self.name)
    }

    /// Why a new certificate is needed, or `None` when the one there will do.
    pub fn needed(&self, found: Option<&CertificateInfo>) -> Option<String> {
        let Some(found) = found else {
            return Some("no certificate yet".into());
        };
        let mut have = found.names.clone();
        let mut want = self.domains.clone();
        have.sort();
        want.sort();
        if have != want {
            return Some(format!(
                "the certificate covers {}; the site needs {}",
                found.names.join(", "),
                self.domains.join(", ")
            ));
        }
        if found.directory != self.directory {
            return Some(format!(
                "the certificate came from {}; the spec asks for {}",
                if found.directory.is_empty() {
                    "elsewhere"
                } else {
                    &found.directory
                },
                self.directory
            ));
        }
        if found.days_left <= i64::from(RENEW_WITHIN_DAYS) {
            return Some(format!(
                "the certificate expires in {} days ({})",
                found.days_left, found.not_after
            ));
        }
        None
    }

    fn certbot(&self, directory: &str, trial: bool, replace: bool) -> Cmd {
        let mut cmd = Cmd::new("certbot").args([
            "certonly",
            "--webroot",
            "--webroot-path",
            ACME_WEBROOT,
            "--cert-name",
            &self.name,
            "--server",
            directory,
            "--email",
            &self.email,
            "--agree-tos",
            "--no-eff-email",
            "--non-interactive",
        ]);
        for domain in &self.domains {
            cmd = cmd.args(["-d", domain]);
        }
        cmd = if trial {
            cmd.arg("--dry-run")
        } else if replace {
            cmd.arg("--force-renewal")
        } else {
            cmd.arg("--keep-until-expiring")
        };
        cmd
    }
}

impl Step for Certificate {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("a certificate for {} is valid", self.domains.join(", "))
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(self.key(), certificate_probe(&self.name))]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let found = CertificateInfo::parse(&output);
        let Some(reason) = self.needed(found.as_ref()) else {
            let found = found.unwrap_or_default();
            return StepPlan::Satisfied {
                evidence: format!(
                    "issued by {}, {} days left (expires {})",
                    found.issuer, found.days_left, found.not_after
                ),
            };
        };
        let webroot =
            Cmd::new("mkdir").args(["-p", &format!("{ACME_WEBROOT}/.well-known/acme-challenge")]);
        let mut actions = vec![Action::Run(webroot)];
        // A trial proves the path before the first request only: a renewal or a change of
        // names has already been proven by the certificate it replaces.
        if let (Some(trial), None) = (&self.trial, &found) {
            actions.push(Action::Run(
                self.certbot(trial, true, false)
                    .labelled(format!("certbot trial run against {trial}")),
            ));
        }
        let replace = found
            .as_ref()
            .is_some_and(|f| f.directory != self.directory);
        let label = format!(
            "certbot requests a certificate for {} from {}",
            self.domains.join(", "),
            self.directory
        );
        actions.push(Action::Run(
            self.certbot(&self.directory, false, replace)
                .merge_stderr()
                .labelled(label),
        ));
        let before = found.map_or_else(String::new, |f| {
            format!(
                "names: {}\nissuer: {}\nexpires: {}\n",
                f.names.join(", "),
                f.issuer,
                f.not_after
            )
        });
        let mut after = String::new();
        let _ = writeln!(after, "names: {}", self.domains.join(", "));
        let _ = writeln!(after, "from: {}", self.directory);
        let _ = writeln!(after, "because: {reason}");
        StepPlan::Change {
            actions,
            diff: Diff::new(before, after),
        }
    }
}

/// Renewal works: certbot's timer is on, renewals reload nginx, and a trial renewal has
/// passed since the renewal settings last changed.
pub struct Renewal {
    /// The certificate's name.
    pub name: String,
    /// Where the trial renewal goes (Let's Encrypt's staging for Let's Encrypt).
    pub trial: String,
}

impl Renewal {
    fn key(&self) -> String {
        format!("renewal:{}", self.name)
    }

    fn stamp(&self) -> String {
        format!("/etc/letsencrypt/renewal/{}.slipway-proven", self.name)
    }
}

/// What [`Renewal`]'s probe found.
struct RenewalFacts {
    timer: bool,
    hook: bool,
    /// The renewal settings' hash, and the hash the last passing trial recorded.
    settings: String,
    proven: String,
}

impl RenewalFacts {
    fn parse(output: &str) -> Self {
        let mut lines = output.lines().map(str::trim);
        let mut next = || lines.next().unwrap_or_default().to_owned();
        let timer = next() == "enabled";
        let hook =
            next().split_whitespace().next() == Some(&sha256_hex(RELOAD_HOOK_TEXT.as_bytes()));
        let settings = next()
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        let proven = next();
        Self {
            timer,
            hook,
            settings,
            proven,
        }
    }
}

impl Step for Renewal {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("the certificate {} renews by itself", self.name)
    }

    fn probes(&self) -> Vec<Probe> {
        let line = |cmd: Cmd| cmd.or(Cmd::Fixed("echo"));
        let timer = line(Cmd::new("systemctl").args(["is-enabled", "certbot.timer"]));
        let hook = line(Cmd::new("sha256sum").arg(RELOAD_HOOK));
        let settings = line(Cmd::new("sha256sum").arg(renewal_conf(&self.name)));
        let proven = line(Cmd::new("cat").arg(self.stamp()));
        vec![Probe::new(
            self.key(),
            Cmd::all([timer, hook, settings, proven]),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let found = RenewalFacts::parse(&output);
        if found.settings.is_empty() {
            return StepPlan::Deferred {
                reason: format!("the certificate {} is not there yet", self.name),
            };
        }
        let proven = found.proven == found.settings;
        if found.timer && found.hook && proven {
            return StepPlan::Satisfied {
                evidence: "certbot.timer enabled; renewals reload nginx; trial renewal passed"
                    .into(),
            };
        }
        let mut actions = Vec::new();
        let mut after = String::new();
        if !found.hook {
            actions.push(Action::WriteFile {
                path: RELOAD_HOOK.into(),
                contents: RELOAD_HOOK_TEXT.as_bytes().to_vec(),
                mode: 0o755,
                owner: Some("root:root".into()),
                validate: None,
            });
            after.push_str("renewals reload nginx\n");
        }
        if !found.timer {
            actions.push(Action::Run(Cmd::new("systemctl").args([
                "enable",
                "--now",
                "certbot.timer",
            ])));
            after.push_str("certbot.timer enabled\n");
        }
        if !proven {
            let trial = Cmd::new("certbot")
                .args(["renew", "--dry-run", "--cert-name", &self.name])
                .args(["--server", &self.trial, "--no-random-sleep-on-renew"])
                .args(["--non-interactive"])
                .merge_stderr();
            // Recorded only after the trial passed: the hash of the settings it proved.
            let record = Cmd::new("sh").args([
                "-c",
                "sha256sum \"$1\" | cut -d' ' -f1 > \"$2\"",
                "slipway",
                &renewal_conf(&self.name),
                &self.stamp(),
            ]);
            actions.push(Action::Run(
                trial
                    .and(record)
                    .labelled(format!("certbot trial renewal against {}", self.trial)),
            ));
            after.push_str("trial renewal passes\n");
        }
        StepPlan::Change {
            actions,
            diff: Diff::new(String::new(), after),
        }
    }
}

/// The server trusts a certificate authority's root: for a private ACME directory whose
/// certificates no public store holds.
pub struct TrustedCa {
    /// A short name for the file: `/usr/local/share/ca-certificates/slipway-<name>.crt`.
    pub name: String,
    /// The root certificate, PEM.
    pub pem: String,
}

impl TrustedCa {
    fn path(&self) -> String {
        format!("/usr/local/share/ca-certificates/slipway-{}.crt", self.name)
    }

    fn key(&self) -> String {
        format!("trusted-ca:{}", self.name)
    }
}

impl Step for TrustedCa {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("the server trusts the certificate authority {}", self.name)
    }

    fn probes(&self) -> Vec<Probe> {
        let hash = Cmd::new("sha256sum")
            .arg(self.path())
            .or(Cmd::Fixed("echo missing"));
        vec![Probe::new(self.key(), hash)]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let hash = facts
            .get(&self.key())
            .and_then(|a| a.stdout.split_whitespace().next().map(str::to_owned))
            .unwrap_or_default();
        if hash == sha256_hex(self.pem.as_bytes()) {
            return StepPlan::Satisfied {
                evidence: format!("{} installed", self.path()),
            };
        }
        StepPlan::Change {
            actions: vec![
                Action::WriteFile {
                    path: self.path(),
                    contents: self.pem.clone().into_bytes(),
                    mode: 0o644,
                    owner: Some("root:root".into()),
                    validate: Some(vec![
                        "openssl".into(),
                        "x509".into(),
                        "-noout".into(),
                        "-in".into(),
                        "{}".into(),
                    ]),
                },
                Action::Run(Cmd::new("update-ca-certificates").quiet()),
            ],
            diff: Diff::new(String::new(), self.pem.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use slipway_engine::Answer;

    use super::*;

    const PROBED: &str = "now=1795000000\nnotAfter=Feb 25 03:00:00 2027 GMT\nissuer=CN = Pebble Intermediate CA 4ab3f2\nX509v3 Subject Alternative Name: \n    DNS:shop.example.test, DNS:www.shop.example.test\nnotBefore=Nov 27 03:00:00 2026 GMT\nnotAfter=Feb 25 03:00:00 2027 GMT\nserver = https://acme.slipway.test:14000/dir\n";

    fn certificate() -> Certificate {
        Certificate {
            name: "shop".into(),
            domains: vec!["www.shop.example.test".into(), "shop.example.test".into()],
            email: "ana@example.com".into(),
            directory: "https://acme.slipway.test:14000/dir".into(),
            trial: Some("https://acme.slipway.test:14000/dir".into()),
        }
    }

    fn facts(key: &str, stdout: &str) -> Facts {
        let mut facts = Facts::default();
        facts.insert(
            key,
            Answer {
                status: 0,
                stdout: stdout.into(),
            },
        );
        facts
    }

    #[test]
    fn openssl_times_convert_to_epoch_seconds() {
        assert_eq!(parse_openssl_time("Jan  1 00:00:00 1970 GMT"), Some(0));
        assert_eq!(
            parse_openssl_time("Feb 29 12:30:05 2028 GMT"),
            Some(1_835_440_205)
        );
        assert_eq!(parse_openssl_time("Foo 1 00:00:00 2028 GMT"), None);
    }

    #[test]
    fn the_certificate_probe_reads_names_issuer_expiry_and_authority() {
        let info = CertificateInfo::parse(PROBED).expect("a certificate");
        assert_eq!(info.names, ["shop.example.test", "www.shop.example.test"]);
        assert_eq!(info.issuer, "Pebble Intermediate CA 4ab3f2");
        assert_eq!(info.not_after, "Feb 25 03:00:00 2027 GMT");
        assert_eq!(info.days_left, 98);
        assert_eq!(info.directory, "https://acme.slipway.test:14000/dir");
        assert_eq!(CertificateInfo::parse(""), None);
    }

    #[test]
    fn a_fitting_certificate_with_time_left_is_kept() {
        let step = certificate();
        let plan = step.plan(&facts("certificate:shop", PROBED));
        let StepPlan::Satisfied { evidence } = plan else {
            panic!("satisfied: {plan:?}")
        };
        assert_eq!(
            evidence,
            "issued by Pebble Intermediate CA 4ab3f2, 98 days left (expires Feb 25 03:00:00 2027 GMT)"
        );
    }

    fn actions(plan: StepPlan) -> Vec<String> {
        let StepPlan::Change { actions, .. } = plan else {
            panic!("a change: {plan:?}")
        };
        actions.iter().map(Action::describe).collect()
    }

    #[test]
    fn a_first_certificate_is_tried_first_when_asked() {
        let step = certificate();
        let done = actions(step.plan(&facts("certificate:shop", "")));
        assert_eq!(done.len(), 3, "{done:?}");
        assert!(done[1].starts_with("certbot trial run"), "{done:?}");
        assert!(
            done[2].starts_with(
                "certbot requests a certificate for www.shop.example.test, shop.example.test"
            ),
            "{done:?}"
        );
    }

    #[test]
    fn new_names_another_authority_or_little_time_left_ask_again_without_a_trial() {
        let step = certificate();
        let one_name = PROBED.replace(", DNS:www.shop.example.test", "");
        let plan = step.plan(&facts("certificate:shop", &one_name));
        let StepPlan::Change { actions, diff } = plan else {
            panic!("a change")
        };
        assert_eq!(actions.len(), 2);
        assert!(
            diff.after
                .contains("because: the certificate covers shop.example.test; the site needs")
        );
        let (_, script) = (
            actions[1].describe(),
            actions[1].to_script().expect("script").0,
        );
        assert!(script.contains("--keep-until-expiring"), "{script}");

        let staging = PROBED.replace(
            "server = https://acme.slipway.test:14000/dir",
            "server = https://acme-staging-v02.api.letsencrypt.org/directory",
        );
        let plan = step.plan(&facts("certificate:shop", &staging));
        let StepPlan::Change { actions, .. } = plan else {
            panic!("a change")
        };
        assert!(
            actions[1]
                .to_script()
                .expect("script")
                .0
                .contains("--force-renewal")
        );

        let expires = parse_openssl_time("Feb 25 03:00:00 2027 GMT").expect("a time");
        let late = PROBED.replace("now=1795000000", &format!("now={}", expires - 20 * 86_400));
        let plan = step.plan(&facts("certificate:shop", &late));
        let StepPlan::Change { diff, .. } = plan else {
            panic!("a change")
        };
        assert!(
            diff.after
                .contains("because: the certificate expires in 20 days (Feb 25 03:00:00 2027 GMT)"),
            "{}",
            diff.after
        );
    }

    #[test]
    fn renewal_is_proven_again_only_when_its_settings_change() {
        let step = Renewal {
            name: "shop".into(),
            trial: "https://acme.slipway.test:14000/dir".into(),
        };
        let hook = sha256_hex(RELOAD_HOOK_TEXT.as_bytes());
        let proven = format!(
            "enabled\n{hook}  {RELOAD_HOOK}\nabc123  /etc/letsencrypt/renewal/shop.conf\nabc123\n"
        );
        assert!(matches!(
            step.plan(&facts("renewal:shop", &proven)),
            StepPlan::Satisfied { .. }
        ));
        let changed = proven.replace("\nabc123\n", "\nfff000\n");
        let done = actions(step.plan(&facts("renewal:shop", &changed)));
        assert_eq!(
            done,
            ["certbot trial renewal against https://acme.slipway.test:14000/dir"]
        );
        let none = "disabled\n\n\n\n";
        assert!(matches!(
            step.plan(&facts("renewal:shop", none)),
            StepPlan::Deferred { .. }
        ));
    }
}
