//! Which secret: a project and a name within it.

use std::fmt;
use std::str::FromStr;

use crate::error::{KeyPart, StoreError};

/// The name of one secret: `shop/ssh-key`, `shop/twilio-token`, `shop/env/DATABASE_URL`.
///
/// Both parts are non-empty and free of control characters. The project may not contain
/// `/`, so `project/name` always splits back into the same two parts; the name may (for
/// groups such as `env/DATABASE_URL`).
///
/// In the OS keychain a key is the entry with service [`crate::KEYCHAIN_SERVICE`] and user
/// `project/name`; in the environment it is [`SecretKey::env_var`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKey {
    project: String,
    name: String,
}

impl SecretKey {
    /// A validated key.
    pub fn new(project: impl Into<String>, name: impl Into<String>) -> Result<Self, StoreError> {
        let project = project.into();
        let name = name.into();
        check(KeyPart::Project, &project)?;
        if project.contains('/') {
            return Err(StoreError::InvalidKey {
                part: KeyPart::Project,
                value: project,
                problem: "a project cannot contain '/'",
            });
        }
        check(KeyPart::Name, &name)?;
        Ok(Self { project, name })
    }

    /// The project the secret belongs to, such as `shop`.
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The secret's name within the project, such as `ssh-key`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The environment variable that gives this secret to [`crate::EnvStore`]:
    /// `SLIPWAY_SECRET_<PROJECT>_<NAME>`, uppercased, with every character other than an
    /// ASCII letter or digit turned into `_` (so `shop/ssh-key` is
    /// `SLIPWAY_SECRET_SHOP_SSH_KEY`).
    ///
    /// ASCII only, because those are the names every shell and CI system accepts. Distinct
    /// keys can share a variable (`shop/ssh-key` and `shop/ssh_key`); the variable then
    /// answers for both.
    pub fn env_var(&self) -> String {
        let mut variable = String::from(crate::env::PREFIX);
        for c in self.project.chars().chain(['_']).chain(self.name.chars()) {
            variable.push(if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            });
        }
        variable
    }
}

fn check(part: KeyPart, value: &str) -> Result<(), StoreError> {
    let problem = if value.is_empty() {
        "it is empty"
    } else if value.chars().any(char::is_control) {
        "it contains a control character"
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidKey {
        part,
        value: value.to_owned(),
        problem,
    })
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.project, self.name)
    }
}

impl FromStr for SecretKey {
    type Err = StoreError;

    /// Parses `project/name`, splitting at the first `/`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((project, name)) => Self::new(project, name),
            None => Err(StoreError::InvalidKey {
                part: KeyPart::Name,
                value: s.to_owned(),
                problem: "a secret is written project/name, such as shop/ssh-key",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(project: &str, name: &str) -> SecretKey {
        SecretKey::new(project, name).expect("valid key")
    }

    #[test]
    fn displays_as_project_slash_name() {
        assert_eq!(key("shop", "ssh-key").to_string(), "shop/ssh-key");
        assert_eq!(
            key("shop", "env/DATABASE_URL").to_string(),
            "shop/env/DATABASE_URL"
        );
    }

    #[test]
    fn parses_back_from_its_display() {
        for k in [key("shop", "ssh-key"), key("shop", "env/DATABASE_URL")] {
            assert_eq!(k.to_string().parse::<SecretKey>().expect("parses"), k);
        }
        let error = "ssh-key".parse::<SecretKey>().expect_err("no project");
        assert_eq!(
            error.to_string(),
            "Invalid secret name \"ssh-key\": a secret is written project/name, such as shop/ssh-key"
        );
    }

    #[test]
    fn rejects_empty_parts_control_characters_and_a_slash_in_the_project() {
        let cases = [
            (("", "ssh-key"), "Invalid secret project \"\": it is empty"),
            (("shop", ""), "Invalid secret name \"\": it is empty"),
            (
                ("shop", "ssh\nkey"),
                "Invalid secret name \"ssh\\nkey\": it contains a control character",
            ),
            (
                ("sh\u{7f}op", "x"),
                "Invalid secret project \"sh\\u{7f}op\": it contains a control character",
            ),
            (
                ("shop/eu", "ssh-key"),
                "Invalid secret project \"shop/eu\": a project cannot contain '/'",
            ),
        ];
        for ((project, name), message) in cases {
            let error = SecretKey::new(project, name).expect_err("invalid");
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn names_its_environment_variable() {
        assert_eq!(
            key("shop", "ssh-key").env_var(),
            "SLIPWAY_SECRET_SHOP_SSH_KEY"
        );
        assert_eq!(
            key("shop", "env/DATABASE_URL").env_var(),
            "SLIPWAY_SECRET_SHOP_ENV_DATABASE_URL"
        );
        assert_eq!(
            key("My Café", "twilio.token").env_var(),
            "SLIPWAY_SECRET_MY_CAF__TWILIO_TOKEN"
        );
    }
}
