//! Field checks shared by the spec and by the UI's inline validation.
//!
//! Each check takes a value and returns `Err(message)` phrased to follow the field path,
//! so `domain.name` + `"exa mple.com" is not a valid host name` reads as one sentence.
//! Messages quote the value as the user wrote it (control characters escaped, long values
//! shortened) so they can find it.

use std::net::IpAddr;

/// Why a value was refused: the sentence shown after the field path, which becomes a
/// [`crate::Problem`]'s message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl From<String> for Invalid {
    fn from(message: String) -> Self {
        Self(message)
    }
}

impl From<&str> for Invalid {
    fn from(message: &str) -> Self {
        Self(message.to_owned())
    }
}

impl From<Invalid> for String {
    fn from(invalid: Invalid) -> Self {
        invalid.0
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A check's verdict: `Err` carries the message shown after the field path.
pub type Check = Result<(), Invalid>;

/// Longest value, in characters, quoted back in a message before it is shortened.
const QUOTE_LIMIT: usize = 48;

/// Quotes a user value for a message: escaped like a Rust string, shortened past
/// [`QUOTE_LIMIT`] characters.
pub fn quote(value: &str) -> String {
    if value.chars().count() <= QUOTE_LIMIT {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(QUOTE_LIMIT).collect();
        format!("{:?}", format!("{head}…"))
    }
}

/// A value that must be present and at most `max` characters long.
pub fn required(value: &str, max: usize) -> Check {
    if value.trim().is_empty() {
        return Err("is required".into());
    }
    longest(value, max)
}

/// A value of at most `max` characters.
pub fn longest(value: &str, max: usize) -> Check {
    let len = value.chars().count();
    if len > max {
        return Err(Invalid::from(format!(
            "is {len} characters long; the limit is {max}"
        )));
    }
    Ok(())
}

/// The application's name. It names the system user, the systemd service and the
/// folder under /srv on the server, so it follows the strictest of those rules.
pub fn app_name(value: &str) -> Check {
    required(value, 32)?;
    let mut chars = value.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !starts_with_letter || !rest_ok || value.ends_with('-') {
        return Err(Invalid::from(format!(
            "{} may only use lowercase letters, digits and \"-\", starting with a letter; it \
             names the service, its system user and its folder on the server",
            quote(value)
        )));
    }
    Ok(())
}

/// A login name on the server (POSIX portable user name, as `useradd` accepts it).
pub fn user_name(value: &str) -> Check {
    required(value, 32)?;
    let starts_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !starts_ok || !rest_ok {
        return Err(Invalid::from(format!(
            "{} is not a valid user name: use lowercase letters, digits, \"_\" and \"-\", \
             starting with a letter",
            quote(value)
        )));
    }
    Ok(())
}

/// A DNS host name (RFC 1123), without judging whether it is a public domain.
fn host_name(value: &str) -> Check {
    let invalid = || format!("{} is not a valid host name", quote(value));
    if let Some((scheme, _)) = value.split_once("://") {
        let host = value[scheme.len() + 3..]
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        return Err(Invalid::from(format!(
            "{} is a URL; write just the host name: {host}",
            quote(value)
        )));
    }
    if value.len() > 253 {
        return Err(Invalid::from(format!(
            "is {} characters long; a host name has at most 253",
            value.len()
        )));
    }
    for label in value.split('.') {
        if label.is_empty() {
            return Err(Invalid::from(invalid()));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            if !label.is_ascii() {
                return Err(Invalid::from(format!(
                    "{} has characters outside a-z, 0-9 and \"-\"; write an international \
                     name in its xn-- form",
                    quote(value)
                )));
            }
            return Err(Invalid::from(invalid()));
        }
        if label.len() > 63 {
            return Err(Invalid::from(format!(
                "{} has a part longer than 63 characters, which DNS does not allow",
                quote(value)
            )));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(Invalid::from(format!(
                "{} is not a valid host name: a part may not start or end with \"-\"",
                quote(value)
            )));
        }
    }
    Ok(())
}

/// The address of a server: a host name or an IPv4/IPv6 address.
pub fn server_host(value: &str) -> Check {
    required(value, 253)?;
    if value.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let bracketed = value.strip_prefix('[').and_then(|v| v.strip_suffix(']'));
    if bracketed.is_some_and(|v| v.parse::<IpAddr>().is_ok()) {
        return Err(Invalid::from(format!(
            "{} needs no brackets; write the address alone",
            quote(value)
        )));
    }
    if value.contains('@') {
        return Err(Invalid::from(format!(
            "{} includes a user; put the user in server.user and only the host here",
            quote(value)
        )));
    }
    if let Some((host, port)) = value.rsplit_once(':')
        && port.parse::<u16>().is_ok()
        && !host.contains(':')
    {
        return Err(Invalid::from(format!(
            "{} includes a port; put the port in server.port and only the host here",
            quote(value)
        )));
    }
    host_name(value)
}

/// A public domain name that a certificate can be issued for.
pub fn domain(value: &str) -> Check {
    required(value, 253)?;
    if value.parse::<IpAddr>().is_ok() {
        return Err(Invalid::from(format!(
            "{} is an IP address; a certificate needs a domain name such as example.com",
            quote(value)
        )));
    }
    if value.starts_with("*.") {
        return Err(Invalid::from(format!(
            "{} is a wildcard; list each name the site answers to instead",
            quote(value)
        )));
    }
    host_name(value.strip_suffix('.').unwrap_or(value))?;
    if value.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(Invalid::from(format!(
            "{} has capital letters; write it in lowercase: {}",
            quote(value),
            value.to_ascii_lowercase()
        )));
    }
    if !value.trim_end_matches('.').contains('.') {
        return Err(Invalid::from(format!(
            "{} needs a dot, like {value}.com",
            quote(value)
        )));
    }
    Ok(())
}

/// An e-mail address: one `@`, a plausible local part and a domain.
pub fn email(value: &str) -> Check {
    required(value, 254)?;
    let invalid = || format!("{} is not a valid e-mail address", quote(value));
    let Some((local, host)) = value.rsplit_once('@') else {
        return Err(Invalid::from(invalid()));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_graphic() && !"@<>()[]\\,;:\"".contains(c));
    if !local_ok || domain(host).is_err() {
        return Err(Invalid::from(invalid()));
    }
    Ok(())
}

/// A phone number for text messages, in E.164 form (`+` and 7 to 15 digits).
pub fn phone(value: &str) -> Check {
    let digits = value.strip_prefix('+').unwrap_or("");
    let ok = (7..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(Invalid::from(format!(
            "{} is not a phone number in international form; write it like +14155550123",
            quote(value)
        )))
    }
}

/// A TCP port number.
pub fn port(value: u32) -> Check {
    if (1..=65_535).contains(&value) {
        Ok(())
    } else {
        Err(Invalid::from(format!(
            "{value} is not a port number; use 1 to 65535 (SSH listens on 22)"
        )))
    }
}

/// A path inside the project folder, written relative to it with `/`.
pub fn relative_path(value: &str) -> Check {
    required(value, 255)?;
    if value.chars().any(char::is_control) {
        return Err(Invalid::from(format!(
            "{} contains a control character",
            quote(value)
        )));
    }
    if value.starts_with('/') || value.starts_with('~') || value.contains(":\\") {
        return Err(Invalid::from(format!(
            "{} is an absolute path; write it relative to the project folder",
            quote(value)
        )));
    }
    if value.contains('\\') {
        return Err(Invalid::from(format!(
            "{} uses \"\\\"; separate folders with \"/\"",
            quote(value)
        )));
    }
    if value.split('/').any(|part| part == "..") {
        return Err(Invalid::from(format!(
            "{} leaves the project folder (\"..\")",
            quote(value)
        )));
    }
    Ok(())
}

/// A private key file on this computer: absolute, or under the home folder (`~/`).
pub fn key_path(value: &str) -> Check {
    longest(value, 4096)?;
    if value.chars().any(char::is_control) {
        return Err(Invalid::from(format!(
            "{} contains a control character",
            quote(value)
        )));
    }
    if !value.starts_with('/') && !value.starts_with("~/") {
        return Err(Invalid::from(format!(
            "{} should be a full path, like ~/.ssh/id_ed25519",
            quote(value)
        )));
    }
    if value.ends_with(".pub") {
        return Err(Invalid::from(format!(
            "{} is a public key; name the private key beside it, without .pub",
            quote(value)
        )));
    }
    Ok(())
}

/// The URL prefix static files are served under, such as `/static/`.
pub fn url_prefix(value: &str) -> Check {
    required(value, 255)?;
    if !value.starts_with('/') || !value.ends_with('/') {
        return Err(Invalid::from(format!(
            "{} must start and end with \"/\", like /static/",
            quote(value)
        )));
    }
    if value == "/" {
        return Err("\"/\" would hide the whole app; use a prefix such as /static/".into());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-._~".contains(c);
    if !value.chars().all(allowed) || value.contains("//") {
        return Err(Invalid::from(format!(
            "{} may only use letters, digits and - . _ ~ between slashes",
            quote(value)
        )));
    }
    Ok(())
}

/// A Python version such as `3.12` or `3.12.4`.
pub fn python_version(value: &str) -> Check {
    let parts: Vec<&str> = value.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if numeric && (2..=3).contains(&parts.len()) && parts[0] == "3" {
        Ok(())
    } else {
        Err(Invalid::from(format!(
            "{} is not a Python version; write it like 3.12",
            quote(value)
        )))
    }
}

/// A command run on the server in the release folder, such as
/// `python manage.py migrate --noinput`.
pub fn command_line(value: &str) -> Check {
    required(value, 1000)?;
    if value.contains(['\n', '\r', '\0']) {
        return Err(Invalid::from(format!(
            "{} spans several lines; give each command its own entry",
            quote(value)
        )));
    }
    Ok(())
}

/// A Python identifier as a module or attribute name (ASCII only, as gunicorn accepts).
pub fn python_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
