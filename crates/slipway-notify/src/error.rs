//! Why a notification did not go out, in words the user can act on.

use thiserror::Error;

/// Why one channel could not deliver. No variant holds a credential: a webhook URL,
/// token or password never appears in a message, and [`crate::Delivery`] scrubs the
/// channel's secrets from the text once more before showing it.
#[derive(Debug, Error)]
pub enum NotifyError {
    /// Nothing owns `org.freedesktop.Notifications` on the session bus.
    #[error(
        "no desktop notification service is running (nothing answers at \
         org.freedesktop.Notifications on the session bus). Desktop notifications need a \
         desktop session with a notification daemon; turn the desktop channel off if \
         Slipway runs without one"
    )]
    NoNotificationService,

    /// The session bus itself could not be reached.
    #[error(
        "could not reach the desktop session bus ({detail}). Desktop notifications need \
         a logged-in desktop session; turn the desktop channel off if Slipway runs without one"
    )]
    NoSessionBus {
        /// What D-Bus said.
        detail: String,
    },

    /// The notification service answered with an error.
    #[error("the desktop notification service did not show the notification: {detail}")]
    Desktop {
        /// What the service said.
        detail: String,
    },

    /// A service did not answer in time.
    #[error("{service} did not answer within {secs} s; check the network connection and try again")]
    Timeout {
        /// What was asked: "Twilio", "Slack", "the webhook at <https://example.com>".
        service: String,
        /// The time allowed.
        secs: u64,
    },

    /// A service could not be reached at all.
    #[error("could not reach {service}: {detail}. Check the network connection and the address")]
    Unreachable {
        /// What was asked.
        service: String,
        /// The cause, e.g. "Connection refused (os error 111)".
        detail: String,
    },

    /// Twilio refused the message and said why.
    #[error(
        "Twilio refused the SMS (error {code}, HTTP {status}): {}",
        twilio_text(.message, *.code, .more_info.as_deref())
    )]
    Twilio {
        /// The HTTP status.
        status: u16,
        /// Twilio's error code, e.g. 21211.
        code: u32,
        /// Twilio's message.
        message: String,
        /// Twilio's page about the error.
        more_info: Option<String>,
    },

    /// Slack refused the message; its plain-text error code, and what to do about it.
    #[error("Slack refused the message (HTTP {status}, {code}): {advice}")]
    Slack {
        /// The HTTP status.
        status: u16,
        /// Slack's error code, e.g. `channel_is_archived`.
        code: String,
        /// What to do about it.
        advice: &'static str,
    },

    /// A generic webhook answered with something other than a 2xx status.
    #[error("the webhook at {target} answered HTTP {status}{}", excerpt_suffix(.excerpt))]
    Webhook {
        /// Scheme, host and port of the webhook (its path may hold a token, so it is left out).
        target: String,
        /// The HTTP status.
        status: u16,
        /// The start of the reply, if any.
        excerpt: String,
    },

    /// A service answered in a way its documentation does not describe.
    #[error("{service} answered in an unexpected way (HTTP {status}){}", excerpt_suffix(.excerpt))]
    Unexpected {
        /// What was asked.
        service: String,
        /// The HTTP status.
        status: u16,
        /// The start of the reply.
        excerpt: String,
    },

    /// A URL in the channel's settings does not parse.
    #[error("the {field} is not a valid URL ({detail}); copy it again from {source_hint}")]
    InvalidUrl {
        /// Which setting: "Slack webhook URL", "webhook URL", "Twilio API address".
        field: &'static str,
        /// Why it does not parse (never the URL itself: it may be a secret).
        detail: String,
        /// Where a correct one comes from.
        source_hint: &'static str,
    },

    /// An email address in the channel's settings does not parse.
    #[error("the {field} address {value:?} is not a valid email address ({detail})")]
    InvalidAddress {
        /// "From" or "To".
        field: &'static str,
        /// The address given.
        value: String,
        /// Why it was refused.
        detail: String,
    },

    /// Plain SMTP was asked for a server other than this computer.
    #[error(
        "plain SMTP without TLS is only allowed to this computer (localhost); use STARTTLS \
         or TLS for {host}"
    )]
    PlainSmtpNotLocal {
        /// The mail server asked for.
        host: String,
    },

    /// The extra certificate to trust for the mail server is not usable.
    #[error("the certificate to trust for {host} is not a PEM certificate ({detail})")]
    BadCertificate {
        /// The mail server.
        host: String,
        /// Why it was refused.
        detail: String,
    },

    /// The conversation with the mail server failed.
    #[error("the mail server {host}:{port} {what}: {detail}{}", advice_suffix(*.advice))]
    Smtp {
        /// The mail server.
        host: String,
        /// Its port.
        port: u16,
        /// What went wrong, e.g. "refused the login".
        what: &'static str,
        /// What the server or the connection said.
        detail: String,
        /// What to do about it, if Slipway knows.
        advice: Option<&'static str>,
    },

    /// A thread to send from could not be started, or stopped unexpectedly.
    #[error("{0}")]
    Internal(String),
}

/// Twilio's message, advice for the errors users run into most, and Twilio's page
/// about the error.
///
/// Twilio asks clients not to build logic on its codes (they get refined), so the code
/// only adds words; Twilio's own message is always shown.
fn twilio_text(message: &str, code: u32, more_info: Option<&str>) -> String {
    let advice = match code {
        20003 => "Check the Account SID and auth token (Twilio Console, Account info).",
        20404 => "Check the Account SID: Twilio has no account with it.",
        21211 => "Check the phone number to text; write it in E.164 form, like +14155550100.",
        21212 | 21606 => "The From number must be a Twilio number of this account, in E.164 form.",
        21603 => "Set the From number: a Twilio number of this account.",
        21608 => "Trial accounts can only text verified numbers: verify it in the Twilio Console.",
        20429 => "Twilio is busy with other requests from this account; try again in a moment.",
        _ => "",
    };
    let mut text = message.trim().to_owned();
    for part in [advice, more_info.unwrap_or_default()] {
        if part.is_empty() {
            continue;
        }
        if !text.is_empty() && !text.ends_with(['.', '!', '?']) {
            text.push('.');
        }
        if part.starts_with("http") {
            text.push_str(" More: ");
        } else if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(part);
    }
    text
}

/// ": <excerpt>" when there is one.
fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(": {excerpt}")
    }
}

/// ". <advice>" when there is some.
fn advice_suffix(advice: Option<&'static str>) -> String {
    advice
        .map(|advice| format!(". {advice}"))
        .unwrap_or_default()
}

/// The start of a reply body, on one line, short enough for a message.
pub(crate) fn excerpt(body: &str) -> String {
    const LIMIT: usize = 200;
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= LIMIT {
        line
    } else {
        let cut: String = line.chars().take(LIMIT).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_errors_carry_code_message_advice_and_link() {
        let error = NotifyError::Twilio {
            status: 401,
            code: 20003,
            message: "Authenticate".into(),
            more_info: Some("https://www.twilio.com/docs/errors/20003".into()),
        };
        assert_eq!(
            error.to_string(),
            "Twilio refused the SMS (error 20003, HTTP 401): Authenticate. Check the Account SID \
             and auth token (Twilio Console, Account info). More: \
             https://www.twilio.com/docs/errors/20003"
        );
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("  a\n b\t c "), "a b c");
        let long = "x".repeat(300);
        assert_eq!(excerpt(&long).chars().count(), 203);
    }
}
