//! The OS keychain: the Secret Service on Linux and the BSDs, the login Keychain on macOS,
//! Credential Manager on Windows.
//!
//! Built on `keyring-core` and one store crate per platform, each owned by a [`Keychain`]
//! value rather than registered process-wide, so that opening again after a failure (the
//! user has since started GNOME Keyring) really tries again. There is no fallback: when the
//! platform's store cannot be reached, [`Keychain::open`] fails with
//! [`StoreError::NoKeychain`]; nothing is ever kept in a file or in memory instead.

use std::fmt;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use zeroize::Zeroize;

use crate::error::{Operation, StoreError};
use crate::key::SecretKey;
use crate::redact::Redactor;
use crate::secret::Secret;
use crate::store::SecretStore;

/// The service every Slipway keychain entry is filed under; the user is `project/name`.
pub const KEYCHAIN_SERVICE: &str = "slipway";

/// The OS keychain.
///
/// Entries have service [`KEYCHAIN_SERVICE`] and user `project/name`. In the Secret Service
/// that is an item with attributes `service=slipway` and `username=project/name` in the
/// default collection (the login keyring), labelled `Slipway: project/name`; so
/// `secret-tool lookup service slipway username shop/ssh-key` reads it too.
pub struct Keychain {
    store: Arc<CredentialStore>,
}

impl Keychain {
    /// Connects to the platform's keychain.
    ///
    /// On Linux this fails with [`StoreError::NoKeychain`] when there is no D-Bus session
    /// bus or nothing on it provides the Secret Service. A keychain that is there but locked
    /// is found out by the first call that needs it, which then fails with
    /// [`StoreError::NoKeychain`] if it cannot be unlocked.
    pub fn open() -> Result<Self, StoreError> {
        platform::connect()
            .map(|store| Self { store })
            .map_err(|error| unavailable(platform::unreachable_reason(&error), None))
    }

    fn entry(&self, key: &SecretKey, operation: Operation) -> Result<Entry, StoreError> {
        let user = key.to_string();
        platform::entry(&self.store, &user).map_err(|error| map_error(key, operation, error, None))
    }
}

impl SecretStore for Keychain {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>, StoreError> {
        match self.entry(key, Operation::Read)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(map_error(key, Operation::Read, error, None)),
        }
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<(), StoreError> {
        self.entry(key, Operation::Save)?
            .set_password(value.expose())
            .map_err(|error| map_error(key, Operation::Save, error, Some(value)))
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, StoreError> {
        match self.entry(key, Operation::Delete)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(error) => Err(map_error(key, Operation::Delete, error, None)),
        }
    }

    fn name(&self) -> &'static str {
        platform::NAME
    }
}

impl fmt::Debug for Keychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keychain")
            .field("store", &platform::NAME)
            .finish()
    }
}

/// [`StoreError::NoKeychain`] with the advice for this platform; `key`, when known, names
/// the exact variable to set.
pub(crate) fn unavailable(reason: String, key: Option<&SecretKey>) -> StoreError {
    let instead = match key {
        Some(key) => format!("give {key} as the environment variable {}", key.env_var()),
        None => "give each secret as an environment variable such as SLIPWAY_SECRET_SHOP_SSH_KEY"
            .to_owned(),
    };
    StoreError::NoKeychain {
        reason,
        hint: format!(
            "{} on a server or in CI, {instead}.",
            platform::DESKTOP_ADVICE
        ),
    }
}

/// Turns a keychain library error into a [`StoreError`] without keeping the library error
/// itself: `BadEncoding` and `BadDataFormat` hold the bytes read, which are the secret.
/// Text from the platform is passed through, with `value` (when saving) redacted from it.
fn map_error(
    key: &SecretKey,
    operation: Operation,
    error: keyring_core::Error,
    value: Option<&Secret>,
) -> StoreError {
    use keyring_core::Error as E;

    let failed = |message: String| {
        let message = match value {
            Some(value) => Redactor::new([value]).redact(&message).into_owned(),
            None => message,
        };
        StoreError::Keychain {
            key: key.clone(),
            operation,
            message,
        }
    };
    match error {
        E::NoStorageAccess(cause) => {
            unavailable(platform::locked_reason(cause.as_ref()), Some(key))
        }
        E::NoDefaultStore => unavailable("no keychain store was set up".to_owned(), Some(key)),
        E::PlatformFailure(cause) => match platform::lost_reason(cause.as_ref()) {
            Some(reason) => unavailable(reason, Some(key)),
            None => failed(cause.to_string()),
        },
        E::BadEncoding(mut bytes) => {
            bytes.zeroize();
            StoreError::NotText { key: key.clone() }
        }
        E::BadDataFormat(mut bytes, _) => {
            bytes.zeroize();
            failed("the stored data is malformed".to_owned())
        }
        E::Ambiguous(entries) => StoreError::Ambiguous {
            key: key.clone(),
            count: entries.len(),
            service: KEYCHAIN_SERVICE,
        },
        E::TooLong(what, limit) => failed(format!(
            "the {what} is longer than this keychain's limit of {limit}"
        )),
        E::Invalid(what, problem) => failed(format!("the {what} is invalid: {problem}")),
        E::BadStoreFormat(problem) => failed(format!("the keychain is malformed: {problem}")),
        E::NotSupportedByStore(what) => failed(format!("not supported: {what}")),
        E::NoEntry => failed("there is no such entry".to_owned()),
        other => failed(other.to_string()),
    }
}

/// The Secret Service, over D-Bus.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
mod platform {
    use std::collections::HashMap;
    use std::error::Error;
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry};
    use secret_service::Error as SsError;

    pub(super) const NAME: &str = "the Secret Service";

    pub(super) const DESKTOP_ADVICE: &str =
        "On a desktop, log in to a session with GNOME Keyring or KWallet running;";

    pub(super) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }

    /// The label is what keyring apps (Seahorse, the KDE wallet manager) show.
    pub(super) fn entry(store: &Arc<CredentialStore>, user: &str) -> keyring_core::Result<Entry> {
        let label = format!("Slipway: {user}");
        let modifiers = HashMap::from([("label", label.as_str())]);
        Entry::new_in_store_with_modifiers(store, super::KEYCHAIN_SERVICE, user, &modifiers)
    }

    /// Why connecting failed, in words.
    pub(super) fn unreachable_reason(error: &keyring_core::Error) -> String {
        let cause = match error {
            keyring_core::Error::PlatformFailure(cause)
            | keyring_core::Error::NoStorageAccess(cause) => cause.as_ref(),
            other => return other.to_string(),
        };
        if let Some(reason) = lost_reason(cause) {
            return reason;
        }
        format!("the Secret Service did not open a session ({cause})")
    }

    /// The reason, if `cause` means the bus or the Secret Service is not there.
    pub(super) fn lost_reason(cause: &(dyn Error + 'static)) -> Option<String> {
        const NO_SERVICE: &str = "nothing on the D-Bus session bus provides the Secret Service (org.freedesktop.secrets)";
        let no_service = |name: &str| {
            matches!(
                name,
                "org.freedesktop.DBus.Error.ServiceUnknown"
                    | "org.freedesktop.DBus.Error.NameHasNoOwner"
            )
        };
        match cause.downcast_ref::<SsError>()? {
            SsError::Unavailable => Some("there is no D-Bus session bus".to_owned()),
            SsError::Zbus(zbus::Error::MethodError(name, _, _)) if no_service(name.as_str()) => {
                Some(NO_SERVICE.to_owned())
            }
            SsError::ZbusFdo(
                zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_),
            ) => Some(NO_SERVICE.to_owned()),
            SsError::Zbus(
                error @ (zbus::Error::Address(_)
                | zbus::Error::Connection(..)
                | zbus::Error::InputOutput(_)
                | zbus::Error::Handshake(_)),
            ) => Some(format!("the D-Bus session bus cannot be reached ({error})")),
            _ => None,
        }
    }

    /// Why the keychain refused access: a locked collection whose unlock prompt was
    /// dismissed or could not be shown, or no default collection to save in.
    pub(super) fn locked_reason(cause: &(dyn Error + 'static)) -> String {
        match cause.downcast_ref::<SsError>() {
            Some(SsError::Prompt | SsError::PromptDisconnected) => {
                "the keyring is locked and the unlock prompt was dismissed or could not be shown"
                    .to_owned()
            }
            Some(SsError::NoResult) => {
                "the keyring has no default collection (login keyring) to save in, or it is locked"
                    .to_owned()
            }
            Some(SsError::Locked) => "the keyring is locked".to_owned(),
            _ => format!("the keyring refused access ({cause})"),
        }
    }
}

/// The login Keychain.
#[cfg(target_os = "macos")]
mod platform {
    use std::error::Error;
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry};

    pub(super) const NAME: &str = "the macOS Keychain";

    pub(super) const DESKTOP_ADVICE: &str =
        "On a Mac, unlock your login keychain in Keychain Access;";

    pub(super) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }

    pub(super) fn entry(store: &Arc<CredentialStore>, user: &str) -> keyring_core::Result<Entry> {
        Entry::new_in_store(store, super::KEYCHAIN_SERVICE, user)
    }

    pub(super) fn unreachable_reason(error: &keyring_core::Error) -> String {
        error.to_string()
    }

    pub(super) fn lost_reason(_cause: &(dyn Error + 'static)) -> Option<String> {
        None
    }

    pub(super) fn locked_reason(cause: &(dyn Error + 'static)) -> String {
        format!("the keychain refused access ({cause})")
    }
}

/// Credential Manager.
#[cfg(windows)]
mod platform {
    use std::error::Error;
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry};

    pub(super) const NAME: &str = "Windows Credential Manager";

    pub(super) const DESKTOP_ADVICE: &str =
        "On Windows, sign in with a user profile that has Credential Manager;";

    pub(super) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }

    pub(super) fn entry(store: &Arc<CredentialStore>, user: &str) -> keyring_core::Result<Entry> {
        Entry::new_in_store(store, super::KEYCHAIN_SERVICE, user)
    }

    pub(super) fn unreachable_reason(error: &keyring_core::Error) -> String {
        error.to_string()
    }

    pub(super) fn lost_reason(_cause: &(dyn Error + 'static)) -> Option<String> {
        None
    }

    pub(super) fn locked_reason(cause: &(dyn Error + 'static)) -> String {
        format!("Credential Manager refused access ({cause})")
    }
}

/// Anywhere else (iOS, Android, WebAssembly): no keychain Slipway knows how to use.
#[cfg(not(any(windows, all(unix, not(any(target_os = "ios", target_os = "android"))))))]
mod platform {
    use std::error::Error;
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry};

    pub(super) const NAME: &str = "no keychain";

    pub(super) const DESKTOP_ADVICE: &str = "";

    pub(super) fn connect() -> keyring_core::Result<Arc<CredentialStore>> {
        Err(keyring_core::Error::NoDefaultStore)
    }

    pub(super) fn entry(store: &Arc<CredentialStore>, user: &str) -> keyring_core::Result<Entry> {
        Entry::new_in_store(store, super::KEYCHAIN_SERVICE, user)
    }

    pub(super) fn unreachable_reason(_error: &keyring_core::Error) -> String {
        "Slipway supports no keychain on this platform".to_owned()
    }

    pub(super) fn lost_reason(_cause: &(dyn Error + 'static)) -> Option<String> {
        None
    }

    pub(super) fn locked_reason(cause: &(dyn Error + 'static)) -> String {
        cause.to_string()
    }
}
