//! The one type credentials travel in.

use std::fmt;

use zeroize::Zeroize;

/// A credential. Its value is reachable only through [`Secret::expose`]; formatting
/// shows `<redacted>`; it cannot be serialised; its memory is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T: Zeroize = String>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value, for the one call that needs it (an HTTP header, an SSH login).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_its_value_when_formatted() {
        let token = Secret::new(String::from("dop_v1_canary"));
        assert_eq!(format!("{token}"), "<redacted>");
        assert_eq!(format!("{token:?}"), "<redacted>");
        let nested = Some(vec![token.clone()]);
        assert_eq!(format!("{nested:?}"), "Some([<redacted>])");
        assert_eq!(token.expose(), "dop_v1_canary");
    }
}
