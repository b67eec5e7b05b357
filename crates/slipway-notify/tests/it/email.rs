//! Email through a real SMTP server (aiosmtpd) on loopback: plain, STARTTLS with a login,
//! and implicit TLS.

use slipway_notify::{
    Channel, DeliveryStatus, Endpoint, SmtpEmail, SmtpLogin, SmtpSecurity, When, send_all,
    send_test,
};
use slipway_secrets::Secret;

use crate::smtp_server::{Security, SmtpServer};
use crate::{deployed, failed};

pub const USER: &str = "deployer@example.com";
pub const PASSWORD: &str = "smtp-password-canary-77aa";

/// An email channel to `server` at `host`.
pub fn channel(
    server: &SmtpServer,
    host: &str,
    security: SmtpSecurity,
    login: Option<(&str, &str)>,
    trust: bool,
) -> Channel {
    Channel::new(
        When::Always,
        Endpoint::Email(SmtpEmail {
            host: host.to_owned(),
            port: server.port,
            security,
            login: login.map(|(username, password)| SmtpLogin {
                username: username.to_owned(),
                password: Secret::new(password.to_owned()),
            }),
            from: "Slipway <deploy@example.com>".to_owned(),
            to: "ops@example.com".to_owned(),
            trusted_certificate: trust.then(|| server.ca_pem.clone()),
        }),
    )
}

#[test]
fn an_email_reaches_a_real_smtp_server_over_plain_smtp() {
    let server = SmtpServer::start(Security::Plain, None);

    let deliveries = send_all(
        &deployed(),
        &[channel(
            &server,
            "127.0.0.1",
            SmtpSecurity::Plain,
            None,
            false,
        )],
    );

    assert_eq!(deliveries[0].status, DeliveryStatus::Sent, "{deliveries:?}");
    assert_eq!(deliveries[0].target, "email to ops@example.com");
    let message = server.only_message();
    assert_eq!(message["mail_from"], "deploy@example.com");
    assert_eq!(message["rcpt_tos"], serde_json::json!(["ops@example.com"]));
    assert_eq!(message["headers"]["from"], "Slipway <deploy@example.com>");
    assert_eq!(message["headers"]["to"], "ops@example.com");
    assert_eq!(message["headers"]["subject"], "shop is live");
    assert_eq!(message["content_type"], "text/plain");
    assert_eq!(
        message["body"],
        "shop is live.\n\nRelease: 20261126-141230\nCommit:  a1b2c3d\nTook:    42 s\n\
         Site:    https://shop.example.com\n\n-- \nSent by Slipway.\n"
    );
    assert_eq!(message["tls"], false);
}

#[test]
fn an_email_goes_over_starttls_with_a_login() {
    let server = SmtpServer::start(Security::StartTls, Some((USER, PASSWORD)));

    let deliveries = send_all(
        &failed(),
        &[channel(
            &server,
            "localhost",
            SmtpSecurity::StartTls,
            Some((USER, PASSWORD)),
            true,
        )],
    );

    assert_eq!(deliveries[0].status, DeliveryStatus::Sent, "{deliveries:?}");
    let message = server.only_message();
    assert_eq!(message["tls"], true);
    assert_eq!(message["login"], USER);
    assert_eq!(message["headers"]["subject"], "shop: deploy failed");
    assert_eq!(
        message["body"],
        "shop: deploy failed.\n\nFailed step: Health check\n\
         Error:       The app did not answer on /health within 30 s.\n\
         Took:        1 min 3 s\n\n-- \nSent by Slipway.\n"
    );
}

#[test]
fn an_email_goes_over_implicit_tls() {
    let server = SmtpServer::start(Security::Tls, Some((USER, PASSWORD)));
    let channel = channel(
        &server,
        "localhost",
        SmtpSecurity::Tls,
        Some((USER, PASSWORD)),
        true,
    );

    let delivery = send_test("shop", &channel);

    assert_eq!(delivery.status, DeliveryStatus::Sent, "{delivery:?}");
    let message = server.only_message();
    assert_eq!(message["tls"], true);
    assert_eq!(message["login"], USER);
    assert_eq!(
        message["headers"]["subject"],
        "Slipway test: notifications for shop reach you here"
    );
}

#[test]
fn a_wrong_smtp_password_is_reported_as_a_refused_login() {
    let server = SmtpServer::start(Security::StartTls, Some((USER, PASSWORD)));

    let deliveries = send_all(
        &deployed(),
        &[channel(
            &server,
            "localhost",
            SmtpSecurity::StartTls,
            Some((USER, "not-the-password")),
            true,
        )],
    );

    let error = deliveries[0].error().expect("a failure");
    assert!(
        error.starts_with(&format!(
            "the mail server localhost:{} refused the login: permanent error (535)",
            server.port
        )),
        "{error}"
    );
    assert!(
        error.ends_with(". Check the user name and password (many providers need an app password)"),
        "{error}"
    );
    assert!(server.messages().is_empty());
}

#[test]
fn an_untrusted_certificate_fails_the_tls_handshake_clearly() {
    let server = SmtpServer::start(Security::StartTls, None);

    let deliveries = send_all(
        &deployed(),
        &[channel(
            &server,
            "localhost",
            SmtpSecurity::StartTls,
            None,
            false,
        )],
    );

    let error = deliveries[0].error().expect("a failure");
    assert!(
        error.starts_with(&format!(
            "the mail server localhost:{} failed the TLS handshake",
            server.port
        )),
        "{error}"
    );
    assert!(server.messages().is_empty());
}
