//! The project's secrets: its SSH login key and deploy key (made here, kept in the
//! keychain), the app's secret environment variables, and the notification credentials.
//! Values travel as [`Secret`]s from the store to the one place that uses them.

use slipway_secrets::{Redactor, Secret, SecretKey, SecretStore};
use slipway_spec::Spec;
use slipway_spec::spec::KEYCHAIN;
use slipway_ssh::keys;

use crate::error::AppError;

/// The keychain name of the project's SSH login key.
pub const SSH_KEY: &str = "ssh-key";
/// The keychain name of the project's deploy key, for fetching a private repository.
pub const DEPLOY_KEY: &str = "deploy-key";

/// The keychain name of the secret environment variable `name`.
pub fn env_secret_name(name: &str) -> String {
    format!("env/{name}")
}

/// The secrets `spec` uses, with what each is for.
pub fn used(spec: &Spec) -> Vec<(String, String)> {
    let mut names = Vec::new();
    if spec.server.as_ref().is_some_and(|s| s.key == "keychain") {
        names.push((SSH_KEY.to_owned(), "the SSH login key".to_owned()));
    }
    let server_token = spec
        .server
        .as_ref()
        .and_then(slipway_spec::ServerSpec::provider)
        .and_then(|provider| Some((provider.token_name()?, provider.label())));
    if let Some((name, label)) = server_token {
        names.push((name.to_owned(), format!("the {label} API token")));
    }
    let dns_token = spec.domain.as_ref().and_then(|domain| {
        let provider = domain.dns.provider();
        Some((provider.token_name()?, provider.label()))
    });
    if let Some((name, label)) = dns_token
        && !names.iter().any(|(known, _)| known == name)
    {
        let what = if name == "namecheap-key" {
            "Namecheap's API key".to_owned()
        } else {
            format!("the {label} API token")
        };
        names.push((name.to_owned(), what));
    }
    if spec.app.deploy_key == "keychain" {
        names.push((
            DEPLOY_KEY.to_owned(),
            "the repository's deploy key".to_owned(),
        ));
    }
    for name in &spec.app.secrets {
        names.push((env_secret_name(name), format!("the app's {name} variable")));
    }
    let notify = &spec.notify;
    let channels = [
        (
            notify
                .email
                .as_ref()
                .is_some_and(|e| !e.username.is_empty()),
            0,
        ),
        (notify.sms.is_some(), 1),
        (notify.slack.is_some(), 2),
        (notify.webhook.is_some(), 3),
    ];
    for (configured, index) in channels {
        if configured {
            let (name, what) = slipway_spec::notify::SECRET_NAMES[index];
            names.push((name.to_owned(), what.to_owned()));
        }
    }
    names
}

/// Everything a log about `spec` must never show: each secret it uses that the store
/// holds, also as it appears escaped inside JSON.
pub fn redactor(store: &dyn SecretStore, spec: &Spec) -> Redactor {
    let mut values: Vec<Secret> = Vec::new();
    for (name, _) in used(spec) {
        let Ok(Some(value)) = key(spec, &name).and_then(|key| Ok(store.get(&key)?)) else {
            continue;
        };
        if let Ok(quoted) = serde_json::to_string(value.expose())
            && let Some(inner) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"'))
            && inner != value.expose().as_str()
        {
            values.push(Secret::new(inner.to_owned()));
        }
        values.push(value);
    }
    Redactor::new(&values)
}

fn key(spec: &Spec, name: &str) -> Result<SecretKey, AppError> {
    Ok(SecretKey::new(spec.app.name.clone(), name)?)
}

/// The secret `name`, which the spec needs: a clear error naming it when it is not set.
pub fn required(store: &dyn SecretStore, spec: &Spec, name: &str) -> Result<Secret, AppError> {
    let key = key(spec, name)?;
    store.get(&key)?.ok_or_else(|| AppError::MissingSecret {
        env_var: key.env_var(),
        key: key.to_string(),
    })
}

/// What a new key pair shows the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct PublicKey {
    /// The `authorized_keys` line.
    pub line: String,
    /// `SHA256:…`.
    pub fingerprint: String,
}

/// Makes a key pair for the project and keeps its private half in the store under
/// `name` ([`SSH_KEY`] or [`DEPLOY_KEY`]); refuses to replace one unless `replace`.
pub fn new_key(
    store: &dyn SecretStore,
    spec: &Spec,
    name: &str,
    replace: bool,
) -> Result<PublicKey, AppError> {
    let key = key(spec, name)?;
    if !replace && store.get(&key)?.is_some() {
        return Err(AppError::SecretExists {
            key: key.to_string(),
        });
    }
    let pair = keys::generate(&format!("slipway {} {name}", spec.app.name))?;
    store.set(&key, &pair.private)?;
    Ok(PublicKey {
        line: pair.public,
        fingerprint: pair.fingerprint,
    })
}

/// The public half of the project's key `name`.
pub fn public_key(store: &dyn SecretStore, spec: &Spec, name: &str) -> Result<PublicKey, AppError> {
    let private = required(store, spec, name)?;
    let (line, fingerprint) = keys::public_half(&private)?;
    Ok(PublicKey { line, fingerprint })
}

/// The secrets a deploy of `spec` needs from the store, read before anything starts so a
/// missing one stops the deploy at once.
#[derive(Default)]
pub struct Supplied {
    /// The root of a private certificate authority (not a secret: a PEM file's text).
    pub ca_pem: Option<String>,
    /// The app's secret environment variables, by name.
    pub env: Vec<(String, Secret)>,
    /// The deploy key, when `app.deploy_key = "keychain"`.
    pub deploy_key: Option<Secret>,
}

impl Supplied {
    /// Reads every secret the spec names; `ca_pem` comes from `tls.ca_bundle`.
    pub fn read(
        store: &dyn SecretStore,
        spec: &Spec,
        ca_pem: Option<String>,
    ) -> Result<Self, AppError> {
        let env = spec
            .app
            .secrets
            .iter()
            .map(|name| Ok((name.clone(), required(store, spec, &env_secret_name(name))?)))
            .collect::<Result<Vec<_>, AppError>>()?;
        let deploy_key = if spec.app.deploy_key == KEYCHAIN {
            Some(required(store, spec, DEPLOY_KEY)?)
        } else {
            None
        };
        Ok(Self {
            ca_pem,
            env,
            deploy_key,
        })
    }

    /// Every secret value, for scrubbing output.
    pub fn values(&self) -> Vec<&Secret> {
        self.env
            .iter()
            .map(|(_, value)| value)
            .chain(&self.deploy_key)
            .collect()
    }
}
