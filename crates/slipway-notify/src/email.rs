//! Email through an SMTP server, with lettre's synchronous transport (no async runtime).
//!
//! STARTTLS (usually port 587) or implicit TLS (usually 465) for real servers; plain SMTP
//! only to this computer, for local mail sinks and tests.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use slipway_secrets::Secret;

use crate::compose::EmailText;
use crate::error::NotifyError;

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only allowed to this computer (`localhost`, `127.0.0.1`, `::1`).
    Plain,
}

impl SmtpSecurity {
    /// The port this kind of connection usually uses.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plain => 25,
        }
    }
}

/// The login at the mail server.
#[derive(Debug, Clone)]
pub struct SmtpLogin {
    /// The user name, often the email address.
    pub username: String,
    /// The password (or app password).
    pub password: Secret<String>,
}

/// Sends email through an SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpEmail {
    /// The mail server, e.g. `smtp.example.com`.
    pub host: String,
    /// Its port; see [`SmtpSecurity::default_port`].
    pub port: u16,
    /// How the connection is protected.
    pub security: SmtpSecurity,
    /// The login, if the server wants one.
    pub login: Option<SmtpLogin>,
    /// The sender: `deploy@example.com` or `Slipway <deploy@example.com>`.
    pub from: String,
    /// The recipient, in the same forms.
    pub to: String,
    /// A PEM certificate to trust besides the system's, for a server with a private CA.
    pub trusted_certificate: Option<String>,
}

impl SmtpEmail {
    /// The login's password, the one secret of this channel.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.login
            .iter()
            .map(|login| login.password.expose().as_str())
            .collect()
    }

    /// The transport for this server.
    fn transport(&self, timeout: Duration) -> Result<SmtpTransport, NotifyError> {
        let tls = match self.security {
            SmtpSecurity::Plain if is_this_computer(&self.host) => Tls::None,
            SmtpSecurity::Plain => {
                return Err(NotifyError::PlainSmtpNotLocal {
                    host: self.host.clone(),
                });
            }
            SmtpSecurity::StartTls => Tls::Required(self.tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(self.tls_parameters()?),
        };
        let mut builder = SmtpTransport::builder_dangerous(self.host.as_str())
            .port(self.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some(login) = &self.login {
            builder = builder.credentials(Credentials::new(
                login.username.clone(),
                login.password.expose().clone(),
            ));
        }
        Ok(builder.build())
    }

    /// TLS settings: the system's trust plus the extra certificate, if any.
    fn tls_parameters(&self) -> Result<TlsParameters, NotifyError> {
        let mut builder = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.trusted_certificate {
            let certificate = Certificate::from_pem(pem.as_bytes()).map_err(|error| {
                NotifyError::BadCertificate {
                    host: self.host.clone(),
                    detail: error.to_string(),
                }
            })?;
            builder = builder.add_root_certificate(certificate);
        }
        builder.build().map_err(|error| self.smtp_error(&error))
    }

    /// A lettre error as a user-facing one.
    fn smtp_error(&self, error: &lettre::transport::smtp::Error) -> NotifyError {
        let status = error.status().map(|code| code.to_string());
        let detail = cause(error);
        let (what, advice) = if error.is_timeout() {
            (
                "did not answer in time",
                Some("Check the host and port, and that the network allows outgoing mail"),
            )
        } else if error.is_tls()
            || ["certificate", "handshake", "TLS"]
                .iter()
                .any(|w| detail.contains(w))
        {
            (
                "failed the TLS handshake",
                Some(
                    "Check the security setting (STARTTLS for port 587, TLS for 465), and that \
                     the server's certificate is valid for this host name (for a private CA, \
                     add its certificate as trusted)",
                ),
            )
        } else if status
            .as_deref()
            .is_some_and(|code| ["535", "534", "530"].contains(&code))
        {
            (
                "refused the login",
                Some("Check the user name and password (many providers need an app password)"),
            )
        } else if error.is_permanent() {
            ("refused the message", None)
        } else if error.is_transient() {
            (
                "could not take the message now",
                Some("Try again in a few minutes"),
            )
        } else if detail.contains("authentication mechanism") {
            (
                "offers no login Slipway can use",
                Some("Use STARTTLS or TLS: servers offer logins only on protected connections"),
            )
        } else {
            (
                "could not be reached",
                Some(
                    "Check the host and port (587 for STARTTLS, 465 for TLS) and the network \
                     connection",
                ),
            )
        };
        NotifyError::Smtp {
            host: self.host.clone(),
            port: self.port,
            what,
            detail,
            advice,
        }
    }
}

/// Whether `host` names this computer, the only place plain SMTP may go.
fn is_this_computer(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The full chain of a lettre error on one line.
fn cause(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}

/// Parses an address setting.
fn mailbox(field: &'static str, value: &str) -> Result<Mailbox, NotifyError> {
    value
        .trim()
        .parse()
        .map_err(
            |error: lettre::address::AddressError| NotifyError::InvalidAddress {
                field,
                value: value.to_owned(),
                detail: error.to_string(),
            },
        )
}

/// Sends `text` as a plain-text email.
pub(crate) fn send(
    email: &SmtpEmail,
    text: &EmailText,
    timeout: Duration,
) -> Result<(), NotifyError> {
    let message = Message::builder()
        .from(mailbox("From", &email.from)?)
        .to(mailbox("To", &email.to)?)
        .subject(text.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(text.body.clone())
        .map_err(|error| NotifyError::Internal(format!("could not build the email: {error}")))?;
    email
        .transport(timeout)?
        .send(&message)
        .map(drop)
        .map_err(|error| email.smtp_error(&error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_is_allowed_only_to_this_computer() {
        for host in ["localhost", "127.0.0.1", "::1", "[::1]", "127.1.2.3"] {
            assert!(is_this_computer(host), "{host}");
        }
        for host in ["smtp.example.com", "10.0.0.1", "localhost.example.com"] {
            assert!(!is_this_computer(host), "{host}");
        }
        let email = SmtpEmail {
            host: "smtp.example.com".into(),
            port: 25,
            security: SmtpSecurity::Plain,
            login: None,
            from: "a@example.com".into(),
            to: "b@example.com".into(),
            trusted_certificate: None,
        };
        let error = email
            .transport(Duration::from_secs(1))
            .expect_err("plain to a remote host");
        assert_eq!(
            error.to_string(),
            "plain SMTP without TLS is only allowed to this computer (localhost); use STARTTLS \
             or TLS for smtp.example.com"
        );
    }

    #[test]
    fn a_bad_address_names_the_field_and_value() {
        let error = mailbox("To", "not an address").expect_err("invalid");
        assert!(
            error
                .to_string()
                .starts_with("the To address \"not an address\" is not a valid email address"),
            "{error}"
        );
    }
}
