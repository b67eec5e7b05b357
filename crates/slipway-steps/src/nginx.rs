//! The nginx site in front of the app: static folders served directly with cache
//! headers, everything else proxied to the app's socket. A new configuration replaces the
//! old one only if `nginx -t` accepts it; otherwise the previous one is put back, so nginx
//! is never left broken.

use std::fmt::Write as _;

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use crate::file::sha256_hex;

/// Reloads nginx and returns once the reload has taken effect: nginx applies it in the
/// background, so until every worker that takes new connections is one started after
/// the reload, visitors may still meet the old configuration.
const RELOAD: &str = r#"workers() { ps -eo pid=,args= | awk '$2 == "nginx:" && $3 == "worker" && $4 == "process" && NF == 4 { print $1 }'; }
old=" $(workers | tr '\n' ' ') "
systemctl reload-or-restart nginx || exit 1
for i in $(seq 200); do
  now=$(workers)
  fresh=yes
  for pid in $now; do case "$old" in *" $pid "*) fresh=no;; esac; done
  [ -n "$now" ] && [ "$fresh" = yes ] && exit 0
  sleep 0.05
done
echo "nginx did not apply its new configuration within 10 s" >&2; exit 1"#;

/// The site for one app.
pub struct Site {
    /// The app's name, which names the site file.
    pub app: String,
    /// Names the site answers to; `_` for any.
    pub server_names: Vec<String>,
    /// The app's unix socket.
    pub socket: String,
    /// (URL prefix, absolute folder) pairs nginx serves itself.
    pub static_files: Vec<(String, String)>,
    /// The largest request body accepted, such as `10m`.
    pub body_limit: String,
    /// HTTPS, once there is a certificate; plain HTTP without.
    pub tls: Option<SiteTls>,
}

impl Site {
    fn path(&self) -> String {
        format!("/etc/nginx/sites-available/{}", self.app)
    }

    fn enabled(&self) -> String {
        format!("/etc/nginx/sites-enabled/{}", self.app)
    }

    fn key(&self) -> String {
        format!("nginx:{}", self.app)
    }

    /// The site's configuration text.
    pub fn config(&self) -> String {
        let mut config = format!(
            "# Managed by Slipway: changes here are replaced on the next deploy.\n\
             upstream {app}_app {{\n    server unix:{socket} fail_timeout=0;\n}}\n\n",
            app = self.app,
            socket = self.socket,
        );
        let all_names = self.server_names.join(" ");
        let Some(tls) = &self.tls else {
            let _ = write!(
                config,
                "server {{\n    listen 80;\n    listen [::]:80;\n    server_name {all_names};\n\n{challenge}{app}}}\n",
                challenge = CHALLENGE,
                app = self.app_locations(),
            );
            return config;
        };
        // Plain HTTP only answers certificate challenges and sends everyone to HTTPS: to
        // the main name directly when the other names redirect to it.
        let main = self.server_names.first().cloned().unwrap_or_default();
        let aliases = &self.server_names[1.min(self.server_names.len())..];
        let target = if tls.redirect_aliases {
            main.as_str()
        } else {
            "$host"
        };
        let _ = write!(
            config,
            "server {{\n    listen 80;\n    listen [::]:80;\n    server_name {all_names};\n\n{CHALLENGE}\
             \x20   location / {{\n        return 301 https://{target}$request_uri;\n    }}\n}}\n\n",
        );
        let served = if tls.redirect_aliases && !aliases.is_empty() {
            let _ = write!(
                config,
                "server {{\n{listen}    server_name {names};\n{tls_settings}\n\
                 \x20   return 301 https://{main}$request_uri;\n}}\n\n",
                listen = LISTEN_TLS,
                names = aliases.join(" "),
                tls_settings = tls.settings(),
            );
            main.clone()
        } else {
            all_names
        };
        let _ = write!(
            config,
            "server {{\n{LISTEN_TLS}    server_name {served};\n{tls_settings}\n{app}}}\n",
            tls_settings = tls.settings(),
            app = self.app_locations(),
        );
        config
    }

    /// What the configuration refers to besides the app: the challenge webroot, and the
    /// Diffie-Hellman group for HTTPS.
    fn prerequisites(&self) -> Cmd {
        let webroot =
            Cmd::new("mkdir").args(["-p", "/var/www/slipway-acme/.well-known/acme-challenge"]);
        if self.tls.is_none() {
            return webroot;
        }
        let dhparam = Cmd::new("test")
            .args(["-s", DHPARAM])
            .or(Cmd::new("openssl").args([
                "genpkey",
                "-genparam",
                "-algorithm",
                "DH",
                "-pkeyopt",
                "dh_param:ffdhe2048",
                "-out",
                DHPARAM,
            ]));
        webroot.and(dhparam)
    }

    /// What every server block that serves the app holds: limits, compression, static
    /// folders and the proxy.
    fn app_locations(&self) -> String {
        let mut statics = String::new();
        for (url, dir) in &self.static_files {
            let _ = write!(
                statics,
                "    location {url} {{\n        alias {}/;\n        expires 7d;\n        add_header Cache-Control \"public\";\n        access_log off;\n    }}\n\n",
                dir.trim_end_matches('/')
            );
        }
        format!(
            "\x20   client_max_body_size {body};\n\
             \x20   gzip on;\n\
             \x20   gzip_types text/css application/javascript application/json image/svg+xml;\n\n\
             {statics}\
             \x20   location / {{\n\
             \x20       proxy_set_header Host $host;\n\
             \x20       proxy_set_header X-Real-IP $remote_addr;\n\
             \x20       proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
             \x20       proxy_set_header X-Forwarded-Proto $scheme;\n\
             \x20       proxy_redirect off;\n\
             \x20       proxy_pass http://{app}_app;\n\
             \x20   }}\n",
            app = self.app,
            body = self.body_limit,
        )
    }
}

/// Certificate challenges answered from the shared webroot, on every site.
const CHALLENGE: &str = "    location /.well-known/acme-challenge/ {\n        root /var/www/slipway-acme;\n        default_type text/plain;\n    }\n\n";

/// HTTPS on both address families, with HTTP/2. The `http2` listen parameter is what
/// nginx 1.22 (Debian 12) and 1.24 (Ubuntu 24.04) understand.
const LISTEN_TLS: &str = "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n";

/// Diffie-Hellman parameters for the DHE suites: the RFC 7919 `ffdhe2048` group, which
/// `openssl genpkey` writes without generating anything.
pub const DHPARAM: &str = "/etc/nginx/slipway-ffdhe2048.pem";

/// HTTPS for a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteTls {
    /// The certificate chain (certbot's `fullchain.pem`).
    pub certificate: String,
    /// Its private key.
    pub key: String,
    /// Send `Strict-Transport-Security` for two years.
    pub hsts: bool,
    /// Names after the first answer with a redirect to it.
    pub redirect_aliases: bool,
}

impl SiteTls {
    /// Mozilla's "intermediate" TLS settings (TLS 1.2 and 1.3, forward-secret AEAD
    /// suites only), with the certificate and optional HSTS.
    fn settings(&self) -> String {
        let mut text = format!(
            "\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n\
             \x20   ssl_protocols TLSv1.2 TLSv1.3;\n\
             \x20   ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;\n\
             \x20   ssl_prefer_server_ciphers off;\n\
             \x20   ssl_dhparam {DHPARAM};\n\
             \x20   ssl_session_timeout 1d;\n\
             \x20   ssl_session_cache shared:SlipwayTLS:10m;\n\
             \x20   ssl_session_tickets off;\n",
            cert = self.certificate,
            key = self.key,
        );
        if self.hsts {
            text.push_str(
                "    add_header Strict-Transport-Security \"max-age=63072000\" always;\n",
            );
        }
        text
    }
}

impl Step for Site {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("nginx serves {}", self.app)
    }

    fn probes(&self) -> Vec<Probe> {
        let hash = Cmd::new("sha256sum")
            .arg(self.path())
            .or(Cmd::Fixed("echo missing"));
        let link = Cmd::new("readlink")
            .arg(self.enabled())
            .or(Cmd::Fixed("echo"));
        let default = Cmd::new("test").args(["-e", "/etc/nginx/sites-enabled/default"]);
        let default = default
            .and(Cmd::Fixed("echo default"))
            .or(Cmd::Fixed("echo"));
        vec![Probe::new(self.key(), Cmd::all([hash, link, default]))]
    }

    fn diff_probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            format!("{}:text", self.key()),
            Cmd::new("cat").arg(self.path()),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let config = self.config();
        let output = facts
            .get(&self.key())
            .map(|a: &Answer| a.stdout.clone())
            .unwrap_or_default();
        let mut lines = output.lines();
        let hash = lines
            .next()
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_default();
        let link = lines.next().unwrap_or_default().trim();
        let default = lines.next().unwrap_or_default().trim() == "default";
        if hash == sha256_hex(config.as_bytes()) && link == self.path() && !default {
            return StepPlan::Satisfied {
                evidence: "site current and enabled".into(),
            };
        }
        let next = format!("{}.next", self.path());
        let previous = format!("{}.previous", self.path());
        let keep_previous = Cmd::new("test")
            .args(["!", "-e", &self.path()])
            .or(Cmd::new("cp").args(["-a", &self.path(), &previous]));
        let install = Cmd::new("mv")
            .args(["-f", &next, &self.path()])
            .and(Cmd::new("ln").args(["-sfn", &self.path(), &self.enabled()]));
        // The default site goes only once the new configuration is known to be good.
        let no_default = Cmd::new("rm").args(["-f", "/etc/nginx/sites-enabled/default"]);
        // On a rejected configuration, put the previous file back (or remove a first one)
        // and fail the step with nginx's own message.
        let restore = Cmd::new("test")
            .args(["-e", &previous])
            .and(Cmd::new("mv").args(["-f", &previous, &self.path()]))
            .or(Cmd::new("rm").args(["-f", &self.path(), &self.enabled()]));
        let checked = Cmd::new("nginx")
            .arg("-t")
            .or(restore.and(Cmd::Fixed("false")));
        let reload = Cmd::new("sh").args(["-c", RELOAD]);
        let tidy = Cmd::new("rm").args(["-f", &previous]);
        let before = facts
            .get(&format!("{}:text", self.key()))
            .filter(|a| a.ok())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        StepPlan::Change {
            actions: vec![
                Action::WriteFile {
                    path: next,
                    contents: config.clone().into_bytes(),
                    mode: 0o644,
                    owner: Some("root:root".into()),
                    validate: None,
                },
                Action::Run(Cmd::all([
                    self.prerequisites(),
                    keep_previous,
                    install,
                    checked,
                    no_default,
                    reload,
                    tidy,
                ])),
            ],
            diff: Diff::new(before, config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            app: "shop".into(),
            server_names: vec!["shop.example.com".into()],
            socket: "/run/shop/app.sock".into(),
            static_files: vec![("/static/".into(), "/srv/shop/current/static".into())],
            body_limit: "10m".into(),
            tls: None,
        }
    }

    #[test]
    fn the_site_serves_static_folders_and_proxies_the_rest_to_the_socket() {
        let config = site().config();
        assert!(config.contains(
            "upstream shop_app {\n    server unix:/run/shop/app.sock fail_timeout=0;\n}"
        ));
        assert!(config.contains(
            "    location /static/ {\n        alias /srv/shop/current/static/;\n        expires 7d;"
        ));
        assert!(config.contains("    client_max_body_size 10m;\n"));
        assert!(config.contains("        proxy_set_header X-Forwarded-Proto $scheme;\n"));
        assert!(config.contains("    server_name shop.example.com;\n"));
    }

    #[test]
    fn with_a_certificate_http_only_answers_challenges_and_redirects() {
        let mut step = site();
        step.server_names.push("www.shop.example.com".into());
        step.tls = Some(SiteTls {
            certificate: "/etc/letsencrypt/live/shop/fullchain.pem".into(),
            key: "/etc/letsencrypt/live/shop/privkey.pem".into(),
            hsts: true,
            redirect_aliases: true,
        });
        let config = step.config();
        let http = &config
            [config.find("listen 80;").expect("http")..config.find("listen 443").expect("https")];
        assert!(
            http.contains(
                "location /.well-known/acme-challenge/ {\n        root /var/www/slipway-acme;"
            ),
            "{http}"
        );
        assert!(
            http.contains("return 301 https://shop.example.com$request_uri;"),
            "{http}"
        );
        assert!(!http.contains("proxy_pass"), "{http}");
        assert!(
            config.contains("    server_name www.shop.example.com;\n"),
            "{config}"
        );
        assert!(config.contains("    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n    server_name shop.example.com;\n"), "{config}");
        assert!(config.contains("ssl_protocols TLSv1.2 TLSv1.3;"));
        assert!(
            config.contains("add_header Strict-Transport-Security \"max-age=63072000\" always;")
        );
        assert_eq!(
            config.matches("proxy_pass http://shop_app;").count(),
            1,
            "{config}"
        );

        step.tls.as_mut().expect("tls").redirect_aliases = false;
        step.tls.as_mut().expect("tls").hsts = false;
        let config = step.config();
        assert!(
            config.contains("return 301 https://$host$request_uri;"),
            "{config}"
        );
        assert!(
            config.contains(
                "server_name shop.example.com www.shop.example.com;\n\n    ssl_certificate"
            ),
            "{config}"
        );
        assert!(!config.contains("Strict-Transport-Security"));
    }

    #[test]
    fn a_current_enabled_site_without_the_default_is_satisfied() {
        let step = site();
        let mut facts = Facts::default();
        let hash = sha256_hex(step.config().as_bytes());
        let now =
            format!("{hash}  /etc/nginx/sites-available/shop\n/etc/nginx/sites-available/shop\n\n");
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: now,
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
        let with_default = format!("{hash}  x\n/etc/nginx/sites-available/shop\ndefault\n");
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: with_default,
            },
        );
        let StepPlan::Change { actions, .. } = step.plan(&facts) else {
            panic!("change")
        };
        let script = actions[1].describe();
        let guarded = "nginx -t || { { { test -e /etc/nginx/sites-available/shop.previous && mv -f";
        assert!(script.contains(guarded), "{script}");
        assert!(
            script.find("nginx -t") < script.find("rm -f /etc/nginx/sites-enabled/default"),
            "{script}"
        );
    }
}
