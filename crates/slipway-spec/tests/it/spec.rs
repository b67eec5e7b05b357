//! Spec validation: each bad value gets its field path and an exact, actionable message.

// The table reads best as one long list of one-line edits.
#![allow(clippy::too_many_lines, clippy::semicolon_if_nothing_returned)]

use slipway_spec::{
    DomainSpec, NotifySpec, ServerSpec, SlackNotify, SmsNotify, Spec, StaticSpec, TlsSpec,
    WebhookNotify,
};

fn valid() -> Spec {
    let mut spec = Spec::from_toml(
        r#"
        [app]
        name = "shop"
        framework = "flask"
        entry = "app:app"
        interface = "wsgi"
        dependencies = "requirements.txt"
        "#,
    )
    .expect("parses");
    spec.server = Some(ServerSpec {
        host: "203.0.113.10".into(),
        port: 22,
        user: "root".into(),
        key: "~/.ssh/id_ed25519".into(),
        ..ServerSpec::default()
    });
    spec.domain = Some(DomainSpec {
        name: "shop.example.com".into(),
        aliases: vec!["www.example.com".into()],
        ..DomainSpec::default()
    });
    spec.tls = Some(TlsSpec {
        email: "ana@example.com".into(),
        ..TlsSpec::default()
    });
    spec
}

/// Applies `edit` to a valid spec and returns its problems as `field: message` lines.
fn problems(edit: impl FnOnce(&mut Spec)) -> Vec<String> {
    let mut spec = valid();
    edit(&mut spec);
    spec.validate().0.iter().map(ToString::to_string).collect()
}

#[test]
fn a_valid_spec_has_no_problems() {
    assert_eq!(problems(|_| {}), Vec::<String>::new());
}

#[test]
fn each_bad_value_is_reported_with_its_field_and_message() {
    type Edit = fn(&mut Spec);
    let table: &[(&str, Edit, &str)] = &[
        (
            "empty name",
            |s| s.app.name.clear(),
            "app.name: is required",
        ),
        (
            "shell metacharacters in the name",
            |s| s.app.name = "shop;rm -rf /".into(),
            r#"app.name: "shop;rm -rf /" may only use lowercase letters, digits and "-", starting with a letter; it names the service, its system user and its folder on the server"#,
        ),
        (
            "capital letters in the name",
            |s| s.app.name = "Shop".into(),
            r#"app.name: "Shop" may only use lowercase letters, digits and "-", starting with a letter; it names the service, its system user and its folder on the server"#,
        ),
        (
            "over-long name",
            |s| s.app.name = "a".repeat(40),
            "app.name: is 40 characters long; the limit is 32",
        ),
        (
            "unknown framework",
            |s| s.app.framework = "rails".into(),
            r#"app.framework: "rails" is not a framework Slipway runs; use one of django, flask, fastapi, starlette, pyramid, wsgi, asgi"#,
        ),
        (
            "entry without an object",
            |s| s.app.entry = "app".into(),
            r#"app.entry: "app" should name a module and the app in it, like app:app, mysite.wsgi:application or myapp:create_app()"#,
        ),
        (
            "entry with shell text",
            |s| s.app.entry = "app:app; touch /tmp/x".into(),
            r#"app.entry: "app:app; touch /tmp/x" should name a module and the app in it, like app:app, mysite.wsgi:application or myapp:create_app()"#,
        ),
        (
            "ASGI framework served as WSGI",
            |s| {
                s.app.framework = "fastapi".into();
                s.app.interface = "wsgi".into();
            },
            r#"app.interface: FastAPI apps are ASGI; set interface = "asgi""#,
        ),
        (
            "unknown interface",
            |s| s.app.interface = "cgi".into(),
            r#"app.interface: "cgi" is not an interface; use "wsgi" or "asgi""#,
        ),
        (
            "absolute app path",
            |s| s.app.path = "/home/ana/shop".into(),
            r#"app.path: "/home/ana/shop" is an absolute path; write it relative to the project folder"#,
        ),
        (
            "app path leaving the project",
            |s| s.app.path = "../other".into(),
            r#"app.path: "../other" leaves the project folder ("..")"#,
        ),
        (
            "python version",
            |s| s.app.python = "python3".into(),
            r#"app.python: "python3" is not a Python version; write it like 3.12"#,
        ),
        (
            "static url without slashes",
            |s| {
                s.app.static_files = vec![StaticSpec {
                    url: "static".into(),
                    dir: "static".into(),
                }]
            },
            r#"app.static[0].url: "static" must start and end with "/", like /static/"#,
        ),
        (
            "static url hiding the app",
            |s| {
                s.app.static_files = vec![StaticSpec {
                    url: "/".into(),
                    dir: "static".into(),
                }]
            },
            r#"app.static[0].url: "/" would hide the whole app; use a prefix such as /static/"#,
        ),
        (
            "multi-line release command",
            |s| s.app.release = vec!["python manage.py migrate".into(), "echo a\necho b".into()],
            r#"app.release[1]: "echo a\necho b" spans several lines; give each command its own entry"#,
        ),
        (
            "host with a space",
            |s| s.server.as_mut().expect("server").host = "my server".into(),
            r#"server.host: "my server" is not a valid host name"#,
        ),
        (
            "host with a port",
            |s| s.server.as_mut().expect("server").host = "example.com:2222".into(),
            r#"server.host: "example.com:2222" includes a port; put the port in server.port and only the host here"#,
        ),
        (
            "host with a user",
            |s| s.server.as_mut().expect("server").host = "root@203.0.113.10".into(),
            r#"server.host: "root@203.0.113.10" includes a user; put the user in server.user and only the host here"#,
        ),
        (
            "port zero",
            |s| s.server.as_mut().expect("server").port = 0,
            "server.port: 0 is not a port number; use 1 to 65535 (SSH listens on 22)",
        ),
        (
            "port too large",
            |s| s.server.as_mut().expect("server").port = 70_000,
            "server.port: 70000 is not a port number; use 1 to 65535 (SSH listens on 22)",
        ),
        (
            "user with shell text",
            |s| s.server.as_mut().expect("server").user = "root$(id)".into(),
            r#"server.user: "root$(id)" is not a valid user name: use lowercase letters, digits, "_" and "-", starting with a letter"#,
        ),
        (
            "relative key path",
            |s| s.server.as_mut().expect("server").key = "id_ed25519".into(),
            r#"server.key: "id_ed25519" should be a full path, like ~/.ssh/id_ed25519"#,
        ),
        (
            "public key instead of private",
            |s| s.server.as_mut().expect("server").key = "~/.ssh/id_ed25519.pub".into(),
            r#"server.key: "~/.ssh/id_ed25519.pub" is a public key; name the private key beside it, without .pub"#,
        ),
        (
            "unknown provider",
            |s| {
                let server = s.server.as_mut().expect("server");
                server.provider = "aws".into();
                server.host = String::new();
                server.key = "keychain".into();
            },
            r#"server.provider: "aws" is not a server provider; use digitalocean, hetzner or sandbox, or leave it out and give server.host for a server you already have"#,
        ),
        (
            "provider and a host",
            |s| {
                let server = s.server.as_mut().expect("server");
                server.provider = "sandbox".into();
                server.key = "keychain".into();
            },
            r#"server.host: leave it out with provider = "sandbox": Slipway asks a sandbox server on this machine for the server's address"#,
        ),
        (
            "provider without the project's key",
            |s| {
                let server = s.server.as_mut().expect("server");
                server.provider = "sandbox".into();
                server.host = String::new();
            },
            r#"server.key: must be "keychain" with provider = "sandbox": the project's key is put on the new server for Slipway to log in with"#,
        ),
        (
            "cloud provider without a size",
            |s| {
                let server = s.server.as_mut().expect("server");
                server.provider = "digitalocean".into();
                server.host = String::new();
                server.key = "keychain".into();
                server.region = "fra1".into();
            },
            "server.size: is required with DigitalOcean; `slipway server options` lists them",
        ),
        (
            "server name that is not a host name",
            |s| {
                let server = s.server.as_mut().expect("server");
                server.provider = "hetzner".into();
                server.host = String::new();
                server.key = "keychain".into();
                server.region = "fsn1".into();
                server.size = "cx22".into();
                server.name = "shop_web".into();
            },
            r#"server.name: "shop_web" is not a server name: use letters, digits and "-", not starting or ending with "-""#,
        ),
        (
            "region without a provider",
            |s| s.server.as_mut().expect("server").region = "fra1".into(),
            "server.region: is only used with a provider; set server.provider, or remove it",
        ),
        (
            "unknown DNS provider",
            |s| s.domain.as_mut().expect("domain").dns.provider = "route53".into(),
            r#"domain.dns.provider: "route53" is not a DNS provider; use digitalocean, cloudflare, namecheap or manual"#,
        ),
        (
            "domain with a space",
            |s| s.domain.as_mut().expect("domain").name = "exa mple.com".into(),
            r#"domain.name: "exa mple.com" is not a valid host name"#,
        ),
        (
            "domain given as a URL",
            |s| s.domain.as_mut().expect("domain").name = "https://shop.example.com/".into(),
            r#"domain.name: "https://shop.example.com/" is a URL; write just the host name: shop.example.com"#,
        ),
        (
            "domain without a dot",
            |s| s.domain.as_mut().expect("domain").name = "shop".into(),
            r#"domain.name: "shop" needs a dot, like shop.com"#,
        ),
        (
            "domain as an IP address",
            |s| s.domain.as_mut().expect("domain").name = "203.0.113.10".into(),
            r#"domain.name: "203.0.113.10" is an IP address; a certificate needs a domain name such as example.com"#,
        ),
        (
            "wildcard domain",
            |s| s.domain.as_mut().expect("domain").name = "*.example.com".into(),
            r#"domain.name: "*.example.com" is a wildcard; list each name the site answers to instead"#,
        ),
        (
            "domain label starting with a hyphen",
            |s| s.domain.as_mut().expect("domain").name = "-shop.example.com".into(),
            r#"domain.name: "-shop.example.com" is not a valid host name: a part may not start or end with "-""#,
        ),
        (
            "domain with capitals",
            |s| s.domain.as_mut().expect("domain").name = "Shop.Example.com".into(),
            r#"domain.name: "Shop.Example.com" has capital letters; write it in lowercase: shop.example.com"#,
        ),
        (
            "international domain",
            |s| s.domain.as_mut().expect("domain").name = "bücher.example".into(),
            r#"domain.name: "bücher.example" has characters outside a-z, 0-9 and "-"; write an international name in its xn-- form"#,
        ),
        (
            "over-long domain label",
            |s| s.domain.as_mut().expect("domain").name = format!("{}.com", "a".repeat(64)),
            r#"domain.name: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" has a part longer than 63 characters, which DNS does not allow"#,
        ),
        (
            "over-long domain",
            |s| s.domain.as_mut().expect("domain").name = format!("{}.com", ["a"; 130].join(".")),
            "domain.name: is 263 characters long; the limit is 253",
        ),
        (
            "alias repeating the name",
            |s| s.domain.as_mut().expect("domain").aliases = vec!["shop.example.com".into()],
            r#"domain.aliases[0]: "shop.example.com" is listed twice"#,
        ),
        (
            "domain without TLS e-mail",
            |s| s.tls = None,
            "tls.email: is required with a domain: Let's Encrypt writes there before a certificate expires",
        ),
        (
            "bad e-mail",
            |s| {
                s.tls = Some(TlsSpec {
                    email: "ana@".into(),
                    ..TlsSpec::default()
                })
            },
            r#"tls.email: "ana@" is not a valid e-mail address"#,
        ),
        (
            "e-mail with a space",
            |s| {
                s.tls = Some(TlsSpec {
                    email: "ana smith@example.com".into(),
                    ..TlsSpec::default()
                })
            },
            r#"tls.email: "ana smith@example.com" is not a valid e-mail address"#,
        ),
        (
            "unknown certificate authority",
            |s| s.tls.as_mut().expect("tls").acme = "zerossl".into(),
            r#"tls.acme: "zerossl" is not a certificate authority; write "letsencrypt", "letsencrypt-staging", or the https:// URL of an ACME directory"#,
        ),
        (
            "resolver given by name",
            |s| s.domain.as_mut().expect("domain").resolvers = vec!["dns.google".into()],
            r#"domain.resolvers[0]: "dns.google" is not a resolver address; write an IP address such as 1.1.1.1, or address:port such as 127.0.0.1:8053"#,
        ),
        (
            "root login off with nobody to log in",
            |s| s.harden.deploy_user = String::new(),
            r#"harden.ssh: turns root login off, but Slipway logs in as root and has no deploy user; set harden.deploy_user (such as "deploy") or ssh = false"#,
        ),
        (
            "root as the deploy user",
            |s| s.harden.deploy_user = "root".into(),
            "harden.deploy_user: cannot be root: the deploy user is the one that replaces root logins",
        ),
        (
            "swap with an unknown unit",
            |s| s.harden.swap = "2T".into(),
            r#"harden.swap: "2T" is not a swap setting; write "auto", "off", or a size such as "1G" or "512M""#,
        ),
        (
            "phone number without country code",
            |s| {
                s.notify = NotifySpec {
                    sms: Some(SmsNotify {
                        to: "0155 5550123".into(),
                        from: "+15005550006".into(),
                        account: format!("AC{}", "0123456789abcdef".repeat(2)),
                        when: "failure".into(),
                    }),
                    ..NotifySpec::default()
                }
            },
            r#"notify.sms.to: "0155 5550123" is not a phone number in international form; write it like +14155550123"#,
        ),
        (
            "Twilio account that is not a SID",
            |s| {
                s.notify.sms = Some(SmsNotify {
                    to: "+14155550123".into(),
                    from: "+15005550006".into(),
                    account: "ana@example.com".into(),
                    when: "failure".into(),
                });
            },
            r#"notify.sms.account: "ana@example.com" is not a Twilio Account SID; copy the one starting with AC from Twilio's console"#,
        ),
        (
            "webhook over plain HTTP",
            |s| {
                s.notify.webhook = Some(WebhookNotify {
                    url: "http://hooks.example.com/deploys".into(),
                    when: "always".into(),
                });
            },
            r#"notify.webhook.url: "http://hooks.example.com/deploys" is not an https:// URL; messages about your deploys must not cross the internet unencrypted"#,
        ),
        (
            "a secret also written in the file",
            |s| {
                s.app.env.insert("STRIPE_KEY".into(), "sk_live_x".into());
                s.app.secrets = vec!["STRIPE_KEY".into()];
            },
            "app.secrets[0]: STRIPE_KEY is also in [app.env]; keep a secret in the keychain only, and remove it from slipway.toml",
        ),
    ];
    for (case, edit, expected) in table {
        assert_eq!(
            problems(*edit),
            vec![(*expected).to_owned()],
            "case: {case}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once_in_file_order() {
    let found = problems(|s| {
        s.app.name = "My App".into();
        s.app.framework = String::new();
        s.server.as_mut().expect("server").port = 0;
        s.domain.as_mut().expect("domain").name = "exa mple.com".into();
        s.tls = Some(TlsSpec {
            email: "nobody".into(),
            ..TlsSpec::default()
        });
    });
    let fields: Vec<&str> = found
        .iter()
        .map(|p| p.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        fields,
        [
            "app.name",
            "app.framework",
            "server.port",
            "domain.name",
            "tls.email"
        ]
    );
}

#[test]
fn the_spec_round_trips_through_slipway_toml() {
    let mut spec = valid();
    spec.app.static_files = vec![StaticSpec {
        url: "/static/".into(),
        dir: "static".into(),
    }];
    spec.app.release = vec!["flask db upgrade".into()];
    spec.app.secrets = vec!["DATABASE_URL".into()];
    spec.notify.sms = Some(SmsNotify {
        to: "+14155550123".into(),
        from: "+15005550006".into(),
        account: format!("AC{}", "0123456789abcdef".repeat(2)),
        when: "failure".into(),
    });
    spec.notify.slack = Some(SlackNotify {
        when: "always".into(),
    });
    let text = spec.to_toml();
    assert_eq!(Spec::from_toml(&text).expect("parses"), spec);
    insta::assert_snapshot!(text);
}

#[test]
fn syntax_errors_name_the_line_and_field() {
    let error =
        Spec::from_toml("[app]\nname = \"shop\"\ncolour = \"blue\"\n").expect_err("unknown key");
    let slipway_spec::SpecError::Syntax(problem) = error;
    assert_eq!(problem.field, "app.colour");
    assert!(
        problem
            .message
            .starts_with("line 3: unknown field `colour`"),
        "{}",
        problem.message
    );

    let error =
        Spec::from_toml("[server]\nhost = \"a.example\"\nport = \"22\"\n").expect_err("type");
    let slipway_spec::SpecError::Syntax(problem) = error;
    assert_eq!(problem.field, "server.port");
    assert!(
        problem.message.starts_with("line 3: invalid type"),
        "{}",
        problem.message
    );
}
