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

/// A server's name at its provider: one DNS label of letters, digits and dashes (what
/// both DigitalOcean and Hetzner accept as a host name), at most 63 characters.
pub fn server_name(value: &str) -> Check {
    required(value, 63)?;
    let ok = value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Invalid::from(format!(
            "{} is not a server name: use letters, digits and \"-\", not starting or \
             ending with \"-\"",
            quote(value)
        )))
    }
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

/// True when the value holds whitespace or a control character.
fn has_space_or_control(value: &str) -> bool {
    value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The URL path a deploy requests before sending traffic to a release, such as
/// `/health`.
pub fn health_path(value: &str) -> Check {
    required(value, 200)?;
    if has_space_or_control(value) {
        return Err(Invalid::from(format!(
            "{} contains whitespace or a control character, which a URL path cannot hold",
            quote(value)
        )));
    }
    if let Some((scheme, rest)) = value.split_once("://")
        && !scheme.contains('/')
    {
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        return Err(Invalid::from(format!(
            "{} is a URL; write just the path: {path}",
            quote(value)
        )));
    }
    if !value.starts_with('/') {
        return Err(Invalid::from(format!(
            "{} should be a path starting with /, like /health",
            quote(value)
        )));
    }
    Ok(())
}

/// Most gunicorn worker processes Slipway starts.
pub const MAX_WORKERS: u32 = 64;

/// The number of gunicorn worker processes; 0 lets Slipway choose from the server's CPUs.
pub fn workers(value: u32) -> Check {
    if value <= MAX_WORKERS {
        Ok(())
    } else {
        Err(Invalid::from(format!(
            "{value} is too many workers; use 1 to {MAX_WORKERS}, or 0 to choose from the \
             server's CPUs"
        )))
    }
}

/// A size in nginx's units: digits, then optionally `k`, `m` or `g`.
pub fn body_size(value: &str) -> Check {
    let digits = value.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    let suffixes = value.len() - digits.len();
    if !digits.is_empty()
        && suffixes <= 1
        && digits.len() <= 10
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(Invalid::from(format!(
            "{} is not a size nginx understands; write a number and a unit, like 25m, 512k or 1g",
            quote(value)
        )))
    }
}

/// How many releases stay on the server, the live one included.
pub fn keep_releases(value: u32) -> Check {
    if (1..=50).contains(&value) {
        Ok(())
    } else {
        Err(Invalid::from(format!(
            "{value} is not a number of releases to keep; use 1 to 50 (old releases are kept \
             for instant rollback)"
        )))
    }
}

/// Environment variables Slipway sets on the server itself, with the reason the spec
/// may not set them.
const RESERVED_ENV: &[(&str, &str)] = &[(
    "DJANGO_SECRET_KEY",
    "Slipway generates it on the server and keeps it there",
)];

/// The name of an environment variable the app runs with.
pub fn env_name(value: &str) -> Check {
    longest(value, 255)?;
    let mut chars = value.chars();
    let starts_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Invalid::from(format!(
            "{} is not a valid variable name: use letters, digits and \"_\", not starting \
             with a digit",
            quote(value)
        )));
    }
    if let Some((_, reason)) = RESERVED_ENV.iter().find(|(name, _)| *name == value) {
        return Err(Invalid::from(format!(
            "is set by Slipway: {reason}; remove it from [app.env]"
        )));
    }
    Ok(())
}

/// The value of an environment variable. The value is never quoted back: it may be a
/// secret.
pub fn env_value(value: &str) -> Check {
    if value.contains(['\n', '\r', '\0']) {
        return Err("contains a line break or NUL character; values must be one line".into());
    }
    Ok(())
}

/// How the server reaches a git repository, as far as Slipway cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `https://` or `http://`.
    Http,
    /// `ssh://…` or scp-like `user@host:path`.
    Ssh,
    /// `git://`, the unauthenticated git daemon.
    Git,
    /// `file:///absolute/path` on the server.
    File,
}

/// A repository URL taken apart: enough to check it and to show it without secrets.
struct RepositoryUrl<'a> {
    transport: Transport,
    /// `scheme://`, or empty for the scp-like form.
    scheme: &'a str,
    /// What comes before `@`, if anything.
    userinfo: Option<&'a str>,
    /// `host` or `host:port` (`[v6]:port` allowed); empty for `file://`.
    authority: &'a str,
    /// Everything after the authority, including the leading `/` (or `:` for scp-like).
    path: &'a str,
}

/// Splits `user@host` at its last `@`.
fn split_user(server: &str) -> (Option<&str>, &str) {
    match server.rfind('@') {
        Some(at) => (Some(&server[..at]), &server[at + 1..]),
        None => (None, server),
    }
}

impl<'a> RepositoryUrl<'a> {
    /// Splits a URL of one of the accepted shapes, or `None` for anything else.
    fn parse(value: &'a str) -> Option<Self> {
        if let Some(index) = value.find("://") {
            let transport = match &value[..index] {
                "https" | "http" => Transport::Http,
                "ssh" => Transport::Ssh,
                "git" => Transport::Git,
                "file" => Transport::File,
                _ => return None,
            };
            let rest = &value[index + 3..];
            let (server, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let (userinfo, authority) = split_user(server);
            return Some(Self {
                transport,
                scheme: &value[..index + 3],
                userinfo,
                authority,
                path,
            });
        }
        // scp-like, `[user@]host:path`: the ':' after the host comes before any '/'.
        let server_end = value.find('/').unwrap_or(value.len());
        let (userinfo, rest) = match value[..server_end].rfind('@') {
            Some(at) => (Some(&value[..at]), &value[at + 1..]),
            None => (None, value),
        };
        let colon = rest.find(':')?;
        if rest[..colon].contains('/') {
            return None;
        }
        let (authority, path) = rest.split_at(colon);
        Some(Self {
            transport: Transport::Ssh,
            scheme: "",
            userinfo,
            authority,
            path,
        })
    }

    /// True when the user part carries a secret: a password after `:`, or anything at
    /// all in an HTTP URL, where a lone user name is how tokens are usually passed.
    fn has_credentials(&self) -> bool {
        self.userinfo
            .is_some_and(|userinfo| userinfo.contains(':') || self.transport == Transport::Http)
    }

    /// The URL with any secret in the user part replaced by `***`.
    fn redacted(&self) -> String {
        let userinfo = match (self.userinfo, self.transport) {
            (None, _) => String::new(),
            (Some(userinfo), transport) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***@"),
                None if transport == Transport::Http => "***@".to_owned(),
                None => format!("{userinfo}@"),
            },
        };
        format!("{}{userinfo}{}{}", self.scheme, self.authority, self.path)
    }
}

/// A repository URL as messages show it: with any password or token replaced by `***`.
/// When the value does not take apart cleanly, everything between the scheme and the
/// last `@` is hidden, so a malformed secret is not repeated either.
fn shown_repository(value: &str, url: Option<&RepositoryUrl<'_>>) -> String {
    let clean = url.is_some_and(|url| !url.authority.contains('@') && !url.path.contains('@'));
    match url {
        Some(url) if clean => url.redacted(),
        _ => {
            let start = value.find("://").map_or(0, |i| i + 3);
            match value[start..].rfind('@') {
                Some(at) => format!("{}***{}", &value[..start], &value[start + at..]),
                None => value.to_owned(),
            }
        }
    }
}

/// The host part of a repository URL, with an optional port (`host:2222`, `[::1]:2222`).
fn repository_host(authority: &str) -> bool {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err()
            || !(after.is_empty() || after.starts_with(':'))
        {
            return false;
        }
        (None, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        }
    };
    let host_ok =
        host.is_none_or(|h| !h.is_empty() && (h.parse::<IpAddr>().is_ok() || host_name(h).is_ok()));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    host_ok && port_ok
}

/// The git URL the server fetches the app's code from: `https://host/path`, `http://`,
/// `ssh://[user@]host[:port]/path`, `git://host/path`, `file:///path` on the server, or
/// scp-like `user@host:path`.
///
/// Messages show the URL with any password or token replaced by `***`, never the secret.
pub fn repository(value: &str) -> Check {
    const FORMS: &str = "use https://host/path, ssh://host/path, git@host:path, \
                         git://host/path or file:///path";
    let url = RepositoryUrl::parse(value);
    let shown = quote(&shown_repository(value, url.as_ref()));
    if url.as_ref().is_some_and(RepositoryUrl::has_credentials) {
        return Err(Invalid::from(format!(
            "{shown} has a password or token in it; remove the credentials and use a deploy \
             key instead (an SSH URL such as git@host:path, with app.deploy_key)"
        )));
    }
    longest(value, 2048)?;
    if has_space_or_control(value) {
        return Err(Invalid::from(format!(
            "{shown} contains whitespace or a control character"
        )));
    }
    let Some(url) = url else {
        if value.starts_with('/') {
            return Err(Invalid::from(format!(
                "{shown} is a path; write it as a URL: file://{value}"
            )));
        }
        return Err(Invalid::from(format!(
            "{shown} is not a git URL Slipway fetches from; {FORMS}"
        )));
    };
    if url.transport == Transport::File {
        if !url.authority.is_empty() || url.userinfo.is_some() || url.path.len() < 2 {
            return Err(Invalid::from(format!(
                "{shown} should be file:// and an absolute path on the server, like \
                 file:///srv/git/shop.git"
            )));
        }
        return Ok(());
    }
    let user_ok = url.userinfo.is_none_or(|user| {
        !user.is_empty()
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    });
    if !user_ok || !repository_host(url.authority) {
        return Err(Invalid::from(format!(
            "{shown} does not name a valid server; {FORMS}"
        )));
    }
    if url.path.trim_start_matches([':', '/']).is_empty() {
        let base = url.redacted();
        let example = if url.scheme.is_empty() {
            format!("{}:ana/shop.git", base.trim_end_matches(':'))
        } else {
            format!("{}/ana/shop.git", base.trim_end_matches('/'))
        };
        return Err(Invalid::from(format!(
            "{shown} names no repository on the server; add its path, like {example}"
        )));
    }
    Ok(())
}

/// True when the repository is fetched over SSH (`ssh://…` or `user@host:path`), the only
/// transport a deploy key is used with.
pub fn ssh_repository(value: &str) -> bool {
    RepositoryUrl::parse(value).is_some_and(|url| url.transport == Transport::Ssh)
}

/// A private key file on the server, as an absolute path.
pub fn server_key_path(value: &str) -> Check {
    longest(value, 4096)?;
    if has_space_or_control(value) {
        return Err(Invalid::from(format!(
            "{} contains whitespace or a control character",
            quote(value)
        )));
    }
    if value.starts_with('~') {
        return Err(Invalid::from(format!(
            "{} depends on whose home folder it is; write the full path on the server, like \
             /etc/slipway/deploy_key",
            quote(value)
        )));
    }
    if !value.starts_with('/') {
        return Err(Invalid::from(format!(
            "{} should be a full path on the server, like /etc/slipway/deploy_key",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The message a check gives, or `None` when it accepts the value.
    fn message(verdict: Check) -> Option<String> {
        verdict.err().map(String::from)
    }

    #[test]
    fn body_sizes_are_numbers_with_an_nginx_unit() {
        for good in ["25m", "512k", "1g", "1048576", "10M"] {
            assert_eq!(message(body_size(good)), None, "{good}");
        }
        for bad in ["", "m", "ten megabytes", "25mb", "-1m", "1.5m"] {
            assert_eq!(
                message(body_size(bad)),
                Some(format!(
                    "{} is not a size nginx understands; write a number and a unit, like 25m, 512k or 1g",
                    quote(bad)
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn health_paths_start_with_a_slash_and_hold_no_spaces() {
        for good in ["/", "/health", "/api/v1/ping", "/health?full=1", "/-/ready"] {
            assert_eq!(message(health_path(good)), None, "{good}");
        }
        let bad = [
            ("", "is required".to_owned()),
            (
                "health",
                r#""health" should be a path starting with /, like /health"#.to_owned(),
            ),
            (
                "/he alth",
                r#""/he alth" contains whitespace or a control character, which a URL path cannot hold"#
                    .to_owned(),
            ),
            (
                "/health\n",
                r#""/health\n" contains whitespace or a control character, which a URL path cannot hold"#
                    .to_owned(),
            ),
            (
                "https://shop.example.com/health",
                r#""https://shop.example.com/health" is a URL; write just the path: /health"#
                    .to_owned(),
            ),
            (
                &*format!("/{}", "a".repeat(200)),
                "is 201 characters long; the limit is 200".to_owned(),
            ),
        ];
        for (value, expected) in bad {
            assert_eq!(message(health_path(value)), Some(expected), "{value}");
        }
    }

    #[test]
    fn workers_are_at_most_64_and_zero_means_automatic() {
        for good in [0, 1, 9, 64] {
            assert_eq!(message(workers(good)), None, "{good}");
        }
        assert_eq!(
            message(workers(65)).as_deref(),
            Some("65 is too many workers; use 1 to 64, or 0 to choose from the server's CPUs")
        );
    }

    #[test]
    fn between_1_and_50_releases_are_kept() {
        for good in [1, 5, 50] {
            assert_eq!(message(keep_releases(good)), None, "{good}");
        }
        for bad in [0, 51] {
            assert_eq!(
                message(keep_releases(bad)),
                Some(format!(
                    "{bad} is not a number of releases to keep; use 1 to 50 (old releases are \
                     kept for instant rollback)"
                ))
            );
        }
    }

    #[test]
    fn environment_names_are_shell_identifiers_and_not_slipways_own() {
        for good in [
            "DATABASE_URL",
            "_PRIVATE",
            "debug",
            "X1",
            "DJANGO_SETTINGS_MODULE",
        ] {
            assert_eq!(message(env_name(good)), None, "{good}");
        }
        let shape = |value: &str| {
            format!(
                "{} is not a valid variable name: use letters, digits and \"_\", not \
                 starting with a digit",
                quote(value)
            )
        };
        for bad in ["", "1ST", "MY-VAR", "MY VAR", "PATH=x", "NAÏVE"] {
            assert_eq!(message(env_name(bad)), Some(shape(bad)), "{bad}");
        }
        assert_eq!(
            message(env_name("DJANGO_SECRET_KEY")).as_deref(),
            Some(
                "is set by Slipway: Slipway generates it on the server and keeps it there; \
                 remove it from [app.env]"
            )
        );
        assert_eq!(
            message(env_name(&"A".repeat(256))).as_deref(),
            Some("is 256 characters long; the limit is 255")
        );
    }

    #[test]
    fn environment_values_are_one_line_and_never_quoted_back() {
        for good in [
            "",
            "postgres://shop@localhost/shop",
            "a b \"c\" $d 'e' \t f",
        ] {
            assert_eq!(message(env_value(good)), None, "{good:?}");
        }
        for bad in ["line one\nline two", "sk_live_1\r", "a\0b"] {
            assert_eq!(
                message(env_value(bad)).as_deref(),
                Some("contains a line break or NUL character; values must be one line"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn repositories_accept_every_form_git_fetches() {
        for good in [
            "https://github.com/ana-ruiz/shop.git",
            "https://git.example.com:8443/team/shop",
            "http://203.0.113.10/shop.git",
            "ssh://git@github.com/ana-ruiz/shop.git",
            "ssh://deploy@git.example.com:2222/srv/git/shop.git",
            "ssh://github.com/ana-ruiz/shop.git",
            "ssh://git@[2001:db8::1]:2222/shop.git",
            "git://git.example.com/shop.git",
            "file:///srv/git/shop.git",
            "git@github.com:ana-ruiz/shop.git",
            "deploy@git.example.com:/srv/git/shop.git",
            "gitlab.example.com:team/shop.git",
        ] {
            assert_eq!(message(repository(good)), None, "{good}");
        }
    }

    #[test]
    fn repositories_with_credentials_are_refused_without_repeating_them() {
        let cases = [
            (
                "https://ana:s3cr3t-token@github.com/ana-ruiz/shop.git",
                "https://ana:***@github.com/ana-ruiz/shop.git",
            ),
            (
                "https://ghp_abcdef123456@github.com/ana-ruiz/shop.git",
                "https://***@github.com/ana-ruiz/shop.git",
            ),
            (
                "http://oauth2:glpat-xyz@gitlab.example.com/team/shop.git",
                "http://oauth2:***@gitlab.example.com/team/shop.git",
            ),
            (
                "ssh://git:hunter2@github.com/ana-ruiz/shop.git",
                "ssh://git:***@github.com/ana-ruiz/shop.git",
            ),
            (
                "git:hunter2@github.com:ana-ruiz/shop.git",
                "git:***@github.com:ana-ruiz/shop.git",
            ),
            (
                "https://ana:p@ss w0rd@github.com/shop.git",
                "https://ana:***@github.com/shop.git",
            ),
        ];
        for (value, shown) in cases {
            let found = message(repository(value)).expect("refused");
            assert_eq!(
                found,
                format!(
                    "{} has a password or token in it; remove the credentials and use a \
                     deploy key instead (an SSH URL such as git@host:path, with \
                     app.deploy_key)",
                    quote(shown)
                ),
                "{value}"
            );
            for secret in ["s3cr3t", "ghp_", "glpat", "hunter2", "p@ss"] {
                assert!(!found.contains(secret), "{found}");
            }
        }
    }

    #[test]
    fn malformed_repositories_get_a_message_that_hides_any_secret() {
        let forms = "use https://host/path, ssh://host/path, git@host:path, git://host/path \
                     or file:///path";
        let cases = [
            (
                "github.com/ana-ruiz/shop",
                format!(r#""github.com/ana-ruiz/shop" is not a git URL Slipway fetches from; {forms}"#),
            ),
            (
                "ftp://example.com/shop.git",
                format!(r#""ftp://example.com/shop.git" is not a git URL Slipway fetches from; {forms}"#),
            ),
            (
                "/srv/git/shop.git",
                r#""/srv/git/shop.git" is a path; write it as a URL: file:///srv/git/shop.git"#
                    .to_owned(),
            ),
            (
                "file://server/srv/git/shop.git",
                r#""file://server/srv/git/shop.git" should be file:// and an absolute path on the server, like file:///srv/git/shop.git"#
                    .to_owned(),
            ),
            (
                "https://github.com/ana ruiz/shop.git",
                r#""https://github.com/ana ruiz/shop.git" contains whitespace or a control character"#
                    .to_owned(),
            ),
            (
                "https://github.com",
                r#""https://github.com" names no repository on the server; add its path, like https://github.com/ana/shop.git"#
                    .to_owned(),
            ),
            (
                "git@github.com:",
                r#""git@github.com:" names no repository on the server; add its path, like git@github.com:ana/shop.git"#
                    .to_owned(),
            ),
            (
                "ssh://git@exa_mple.com/shop.git",
                format!(r#""ssh://git@exa_mple.com/shop.git" does not name a valid server; {forms}"#),
            ),
            (
                "ssh://git@example.com:99999/shop.git",
                format!(r#""ssh://git@example.com:99999/shop.git" does not name a valid server; {forms}"#),
            ),
            (
                "ssh://ana:pa/ss@github.com/shop.git",
                format!(r#""ssh://***@github.com/shop.git" does not name a valid server; {forms}"#),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(message(repository(value)), Some(expected), "{value}");
        }
        assert_eq!(
            message(repository(&format!(
                "https://github.com/{}",
                "a".repeat(2048)
            )))
            .as_deref(),
            Some("is 2067 characters long; the limit is 2048")
        );
    }

    #[test]
    fn only_ssh_urls_use_a_deploy_key() {
        for ssh in [
            "ssh://git@github.com/ana-ruiz/shop.git",
            "git@github.com:ana-ruiz/shop.git",
            "gitlab.example.com:team/shop.git",
        ] {
            assert!(ssh_repository(ssh), "{ssh}");
        }
        for other in [
            "",
            "https://github.com/ana-ruiz/shop.git",
            "git://git.example.com/shop.git",
            "file:///srv/git/shop.git",
            "/srv/git/shop.git",
        ] {
            assert!(!ssh_repository(other), "{other}");
        }
    }

    #[test]
    fn deploy_keys_are_full_paths_on_the_server() {
        for good in ["/etc/slipway/deploy_key", "/home/shop/.ssh/id_ed25519"] {
            assert_eq!(message(server_key_path(good)), None, "{good}");
        }
        let cases = [
            (
                "id_ed25519",
                r#""id_ed25519" should be a full path on the server, like /etc/slipway/deploy_key"#,
            ),
            (
                "~/.ssh/id_ed25519",
                r#""~/.ssh/id_ed25519" depends on whose home folder it is; write the full path on the server, like /etc/slipway/deploy_key"#,
            ),
            (
                "/etc/slipway/deploy key",
                r#""/etc/slipway/deploy key" contains whitespace or a control character"#,
            ),
            (
                "/etc/slipway/deploy_key.pub",
                r#""/etc/slipway/deploy_key.pub" is a public key; name the private key beside it, without .pub"#,
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(
                message(server_key_path(value)).as_deref(),
                Some(expected),
                "{value}"
            );
        }
    }
}
