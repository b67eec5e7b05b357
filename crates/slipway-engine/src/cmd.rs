//! Commands as data: an argv, combined with `&&`, `||` and pipes, turned into shell text
//! in exactly one place, [`quote`].
//!
//! Nothing else in Slipway formats shell text from user values. A [`Cmd`] holds each
//! argument as given; [`Cmd::to_shell`] quotes every one of them, so a value such as
//! `$(rm -rf /)` or `it's` reaches the program as that exact string.

use std::fmt;

/// Why a value cannot be passed to a remote shell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// POSIX arguments cannot hold a NUL byte.
    #[error("{0:?} contains a NUL byte, which no command can receive")]
    Nul(String),
    /// An environment variable name that is not a shell identifier.
    #[error("{0:?} is not a valid environment variable name")]
    BadName(String),
    /// The value is not UTF-8 text.
    #[error("a value is not UTF-8 text ({0} bytes); Slipway only passes text to remote commands")]
    NotUtf8(usize),
}

/// Characters that never need quoting in POSIX sh.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c)
}

/// Quotes one argument for POSIX sh: plain words stay as they are, anything else is
/// wrapped in single quotes, with each `'` written as `'\''`.
pub fn quote(value: &str) -> Result<String, QuoteError> {
    if value.contains('\0') {
        return Err(QuoteError::Nul(value.to_owned()));
    }
    if !value.is_empty() && value.chars().all(is_plain) {
        return Ok(value.to_owned());
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    Ok(quoted)
}

/// An argument from raw bytes: rejected unless it is UTF-8 text.
pub fn arg_from_bytes(bytes: &[u8]) -> Result<String, QuoteError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| QuoteError::NotUtf8(bytes.len()))
}

/// A command to run on a server, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// One program and its arguments.
    Exec {
        /// Environment variables set for this program only.
        env: Vec<(String, String)>,
        /// Program and arguments.
        argv: Vec<String>,
    },
    /// The second runs only if the first succeeds (`a && b`).
    And(Box<Cmd>, Box<Cmd>),
    /// The second runs only if the first fails (`a || b`).
    Or(Box<Cmd>, Box<Cmd>),
    /// The first's output feeds the second (`a | b`).
    Pipe(Box<Cmd>, Box<Cmd>),
    /// The command with its standard error folded into standard output (`a 2>&1`).
    MergeStderr(Box<Cmd>),
    /// The command with its output discarded (`a >/dev/null 2>&1`).
    Quiet(Box<Cmd>),
    /// The command with its exit status inverted (`! a`).
    Not(Box<Cmd>),
    /// Shell text written into Slipway itself, never built from user values.
    Fixed(&'static str),
    /// A command shown to people by a short description instead of its text, for
    /// scripts too long to read in a progress line.
    Labelled(String, Box<Cmd>),
}

impl Cmd {
    /// `program` with no arguments yet.
    pub fn new(program: impl Into<String>) -> Self {
        Self::Exec {
            env: Vec::new(),
            argv: vec![program.into()],
        }
    }

    /// Adds one argument.
    #[must_use]
    pub fn arg(mut self, value: impl Into<String>) -> Self {
        if let Self::Exec { argv, .. } = &mut self {
            argv.push(value.into());
        }
        self
    }

    /// Adds several arguments.
    #[must_use]
    pub fn args<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if let Self::Exec { argv, .. } = &mut self {
            argv.extend(values.into_iter().map(Into::into));
        }
        self
    }

    /// Sets an environment variable for this program.
    #[must_use]
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Self::Exec { env, .. } = &mut self {
            env.push((name.into(), value.into()));
        }
        self
    }

    /// `self && next`.
    #[must_use]
    pub fn and(self, next: Cmd) -> Self {
        Self::And(Box::new(self), Box::new(next))
    }

    /// `self || fallback`.
    #[must_use]
    pub fn or(self, fallback: Cmd) -> Self {
        Self::Or(Box::new(self), Box::new(fallback))
    }

    /// `self | next`.
    #[must_use]
    pub fn pipe(self, next: Cmd) -> Self {
        Self::Pipe(Box::new(self), Box::new(next))
    }

    /// Standard error folded into standard output.
    #[must_use]
    pub fn merge_stderr(self) -> Self {
        Self::MergeStderr(Box::new(self))
    }

    /// Output discarded; only the exit status counts.
    #[must_use]
    pub fn quiet(self) -> Self {
        Self::Quiet(Box::new(self))
    }

    /// Exit status inverted.
    #[must_use]
    pub fn negate(self) -> Self {
        Self::Not(Box::new(self))
    }

    /// Every command in `cmds` joined with `&&`; `true` when empty.
    pub fn all(cmds: impl IntoIterator<Item = Cmd>) -> Self {
        cmds.into_iter()
            .reduce(Cmd::and)
            .unwrap_or(Self::Fixed("true"))
    }

    /// The first command in `cmds` that succeeds, joined with `||`; `false` when empty.
    pub fn any(cmds: impl IntoIterator<Item = Cmd>) -> Self {
        cmds.into_iter()
            .reduce(Cmd::or)
            .unwrap_or(Self::Fixed("false"))
    }

    /// The shell text for this command. Every argument and value passes through
    /// [`quote`]; environment names must be identifiers.
    pub fn to_shell(&self) -> Result<String, QuoteError> {
        Ok(match self {
            Self::Exec { env, argv } => {
                let mut words = Vec::with_capacity(env.len() + argv.len());
                for (name, value) in env {
                    let valid = name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !valid {
                        return Err(QuoteError::BadName(name.clone()));
                    }
                    words.push(format!("{name}={}", quote(value)?));
                }
                for word in argv {
                    words.push(quote(word)?);
                }
                words.join(" ")
            }
            Self::And(a, b) => format!("{} && {}", a.grouped()?, b.grouped()?),
            Self::Or(a, b) => format!("{} || {}", a.grouped()?, b.grouped()?),
            Self::Pipe(a, b) => format!("{} | {}", a.grouped()?, b.grouped()?),
            Self::MergeStderr(a) => format!("{} 2>&1", a.grouped()?),
            Self::Quiet(a) => format!("{} >/dev/null 2>&1", a.grouped()?),
            Self::Not(a) => format!("! {}", a.grouped()?),
            Self::Fixed(text) => (*text).to_owned(),
            Self::Labelled(_, cmd) => cmd.to_shell()?,
        })
    }

    /// This command, shown to people as `label`.
    #[must_use]
    pub fn labelled(self, label: impl Into<String>) -> Self {
        Self::Labelled(label.into(), Box::new(self))
    }

    /// Shell text that can stand as one operand of a combinator.
    fn grouped(&self) -> Result<String, QuoteError> {
        if let Self::Labelled(_, cmd) = self {
            return cmd.grouped();
        }
        let text = self.to_shell()?;
        Ok(match self {
            Self::Exec { .. } | Self::Fixed(_) => text,
            _ => format!("{{ {text}; }}"),
        })
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Self::Labelled(label, _) = self {
            return f.write_str(label);
        }
        match self.to_shell() {
            Ok(text) => f.write_str(&text),
            Err(error) => write!(f, "<unquotable: {error}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_plain_and_the_rest_is_single_quoted() {
        assert_eq!(quote("nginx").as_deref(), Ok("nginx"));
        assert_eq!(
            quote("/srv/shop/releases/2026-1").as_deref(),
            Ok("/srv/shop/releases/2026-1")
        );
        assert_eq!(quote("").as_deref(), Ok("''"));
        assert_eq!(quote("a b").as_deref(), Ok("'a b'"));
        assert_eq!(quote("it's").as_deref(), Ok("'it'\\''s'"));
        assert_eq!(quote("$(id)").as_deref(), Ok("'$(id)'"));
        assert_eq!(quote("`id`").as_deref(), Ok("'`id`'"));
        assert_eq!(quote("a\nb").as_deref(), Ok("'a\nb'"));
        assert_eq!(quote("~root").as_deref(), Ok("'~root'"));
        assert_eq!(quote("*").as_deref(), Ok("'*'"));
        assert!(matches!(quote("a\0b"), Err(QuoteError::Nul(_))));
    }

    #[test]
    fn non_utf8_bytes_are_rejected() {
        assert_eq!(arg_from_bytes(b"ok").as_deref(), Ok("ok"));
        assert_eq!(
            arg_from_bytes(&[0x66, 0xff, 0x6f]),
            Err(QuoteError::NotUtf8(3))
        );
    }

    #[test]
    fn combinators_build_exact_shell_text() {
        let install = Cmd::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "nginx"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        assert_eq!(
            install.to_shell().as_deref(),
            Ok("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx")
        );
        let check = Cmd::new("dpkg-query")
            .args(["-W", "nginx"])
            .quiet()
            .or(install.clone());
        assert_eq!(
            check.to_shell().as_deref(),
            Ok(
                "{ dpkg-query -W nginx >/dev/null 2>&1; } || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx"
            )
        );
        let piped = Cmd::new("cat")
            .arg("/etc/os-release")
            .pipe(Cmd::new("grep").arg("^ID="));
        assert_eq!(
            piped.to_shell().as_deref(),
            Ok("cat /etc/os-release | grep '^ID='")
        );
        assert_eq!(Cmd::all([]).to_shell().as_deref(), Ok("true"));
        assert_eq!(
            Cmd::all([Cmd::new("a"), Cmd::new("b"), Cmd::new("c")])
                .to_shell()
                .as_deref(),
            Ok("{ a && b; } && c")
        );
        assert_eq!(
            Cmd::new("test")
                .args(["-d", "/srv"])
                .negate()
                .to_shell()
                .as_deref(),
            Ok("! test -d /srv")
        );
    }

    #[test]
    fn environment_names_must_be_identifiers() {
        let bad = Cmd::new("env").env("A;B", "x");
        assert!(bad.to_shell().is_err());
    }
}
