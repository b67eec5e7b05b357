//! Namecheap's error numbers in words the user can act on.
//!
//! Namecheap answers every refusal with HTTP 200 and `Status="ERROR"`, an
//! `<Error Number="…">` and a short text. The numbers users meet when pointing a
//! domain at a server get an explanation and what to do; any other number comes back
//! with Namecheap's own text and the number, so support can look it up.

use std::net::Ipv4Addr;

use super::xml::ApiError;
use super::{API_ACCESS_URL, PROVIDER};
use crate::error::CloudError;

/// What was being done, for messages.
#[derive(Debug, Clone)]
pub struct Context {
    /// "read the host records of example.com".
    pub action: String,
    /// The domain Namecheap holds: `example.co.uk`.
    pub domain: String,
    /// Its `SLD` and `TLD` as sent.
    pub sld: String,
    /// See [`Context::sld`].
    pub tld: String,
    /// The configured client IP.
    pub client_ip: Ipv4Addr,
    /// The API user.
    pub api_user: String,
    /// The account the commands act for (normally the API user).
    pub user_name: String,
    /// How many records were sent, for a write.
    pub records_sent: Option<usize>,
}

/// Errors that say something about the request or the account, which repeating the
/// same read will not change. Any other number (Namecheap's upstream and "unhandled"
/// errors) may pass, so a read is tried again on it.
const LASTING: &[&str] = &[
    "1010101", "1010102", "1010104", "1010105", "1011102", "1011105", "1011150", "1017101",
    "1017103", "1017105", "1017150", "1017410", "1017411", "1019103", "1016103", "1030408",
    "2016166", "2019166", "2030166", "2030288", "3011288", "3013288", "4013288",
];

/// Whether a read that got only these errors is worth another try.
pub fn transient(errors: &[ApiError]) -> bool {
    !errors.is_empty()
        && errors
            .iter()
            .all(|error| !LASTING.contains(&error.number.trim()))
}

/// Namecheap's errors as `text (error N); …`.
fn describe(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "Namecheap gave no error text".to_owned();
    }
    errors
        .iter()
        .map(|error| {
            let text = error.message.trim().trim_end_matches('.');
            if error.number.is_empty() {
                text.to_owned()
            } else {
                format!("{text} (error {})", error.number.trim())
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The IPv4 address in Namecheap's "Invalid request IP: …" text, if any.
fn seen_ip(errors: &[ApiError]) -> Option<Ipv4Addr> {
    errors.iter().find_map(|error| {
        error
            .message
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .find_map(|word| word.trim_matches('.').parse::<Ipv4Addr>().ok())
    })
}

/// The refusal in `errors` as the error to show.
pub fn explain(errors: &[ApiError], context: &Context) -> CloudError {
    let has = |numbers: &[&str]| {
        errors
            .iter()
            .any(|error| numbers.contains(&error.number.trim()))
    };
    let message = describe(errors);
    let first = errors
        .first()
        .map(|error| format!("error {}", error.number.trim()));
    let refused = |message: String| CloudError::Refused {
        provider: PROVIDER,
        action: context.action.clone(),
        status: 200,
        id: first.clone(),
        message,
    };
    if has(&["1011150"]) {
        return refused(ip_advice(&message, errors, context));
    }
    if has(&["1011102", "1010102"]) {
        return CloudError::InvalidToken {
            provider: PROVIDER,
            message: format!(
                "{message}. Check the API user \"{user}\" and its API key on Namecheap's API \
                 access page (Profile > Tools > Namecheap API Access). If the page does not \
                 let you turn API access on, Namecheap has not enabled it for the account: it \
                 does so only for accounts with at least $50 on the balance, at least 20 \
                 domains, or at least $50 spent in the last two years. The sandbox and the \
                 real site have separate keys",
                user = context.api_user
            ),
            tokens_url: API_ACCESS_URL,
        };
    }
    if has(&["2019166", "2016166"]) {
        return CloudError::NotFound {
            provider: PROVIDER,
            what: format!(
                "domain {} in the account {}",
                context.domain, context.user_name
            ),
            advice: format!(
                "Namecheap said: {message}. Check that {domain} is spelled as it was bought \
                 and is in this account's Domain List (not in another Namecheap account or at \
                 another registrar; Slipway asked for SLD \"{sld}\" and TLD \"{tld}\"). If \
                 its DNS is hosted elsewhere, choose that DNS provider in Slipway instead",
                domain = context.domain,
                sld = context.sld,
                tld = context.tld,
            ),
        };
    }
    if has(&["2030288"]) {
        return refused(not_our_dns(&message, &context.domain));
    }
    if has(&["3013288", "4013288"]) {
        let count = context
            .records_sent
            .map(|count| format!(" (Slipway sent {count})"))
            .unwrap_or_default();
        return refused(format!(
            "{message}. {domain} has more host records than Namecheap allows for a \
             domain{count}, so the address records could not be added. Delete records that \
             are no longer used under Domain List > Manage > Advanced DNS, then run Slipway \
             again",
            domain = context.domain
        ));
    }
    refused(message)
}

/// What to do about a request from an address not on the whitelist.
fn ip_advice(message: &str, errors: &[ApiError], context: &Context) -> String {
    let ip = context.client_ip;
    let seen = match seen_ip(errors) {
        Some(seen) if seen != ip => format!(
            " Namecheap saw the request come from {seen}, not from {ip}, the address Slipway \
             was told to send: set the client IP to {seen} if that is this computer's public \
             address."
        ),
        _ => String::new(),
    };
    format!(
        "{message}. Namecheap answers API calls only from IPv4 addresses on the account's \
         whitelist, and {ip} is not on it. Add {ip} under Profile > Tools > Namecheap API \
         Access > Whitelisted IPs (single addresses only, no ranges). The client IP given \
         to Slipway must be this computer's current public IPv4 address, because Namecheap \
         compares it with the address the request really comes from; home connections \
         often change address, and then the whitelist needs the new one.{seen}"
    )
}

/// What to do about a domain whose DNS Namecheap does not serve.
pub fn not_our_dns(message: &str, domain: &str) -> String {
    format!(
        "{message}. {domain} does not use Namecheap's DNS servers, so records set at \
         Namecheap would not be what the internet sees. Either switch it back to Namecheap \
         BasicDNS (Domain List > Manage > Nameservers: dns1.registrar-servers.com and \
         dns2.registrar-servers.com) and run Slipway again once the change has spread, or \
         set the records where the domain's DNS is hosted now by choosing that DNS provider \
         in Slipway"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context {
            action: "read the host records of example.com".into(),
            domain: "example.com".into(),
            sld: "example".into(),
            tld: "com".into(),
            client_ip: Ipv4Addr::new(198, 51, 100, 7),
            api_user: "ada".into(),
            user_name: "ada".into(),
            records_sent: None,
        }
    }

    fn error(number: &str, message: &str) -> Vec<ApiError> {
        vec![ApiError {
            number: number.into(),
            message: message.into(),
        }]
    }

    #[test]
    fn an_unknown_number_keeps_namecheaps_words() {
        let text = explain(&error("5050900", "Unhandled exceptions."), &context()).to_string();
        assert_eq!(
            text,
            "Namecheap refused to read the host records of example.com (HTTP 200, error \
             5050900): Unhandled exceptions (error 5050900)"
        );
        assert!(transient(&error("5050900", "x")));
        assert!(!transient(&error("1011150", "x")));
        assert!(!transient(&[]));
    }

    #[test]
    fn a_different_source_address_is_pointed_out() {
        let text = explain(
            &error("1011150", "Invalid request IP: 203.0.113.9"),
            &context(),
        )
        .to_string();
        assert!(text.contains("198.51.100.7 is not on it"), "{text}");
        assert!(
            text.contains("Namecheap saw the request come from 203.0.113.9"),
            "{text}"
        );
    }
}
