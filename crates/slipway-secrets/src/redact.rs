//! Scrubbing known secret values out of text before it is shown or kept.

use std::borrow::Cow;
use std::fmt;

use crate::secret::Secret;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Replaces known secret values in text (command output, logs, error messages) with
/// `<redacted>`.
///
/// Built from the secrets a piece of work uses. Besides each whole value, every line of a
/// multi-line value is looked for on its own, trimmed: a program that prints an SSH private
/// key prints it line by line, perhaps indented or with `\n` escaped, and no line of its
/// base64 body may get through. PEM armour lines (`-----BEGIN ...`, `-----END ...`) are
/// the same in every key and are left alone.
///
/// Values and lines shorter than [`Redactor::MIN_LEN`] characters are ignored: replacing
/// every `1234` or `admin` in a log would garble it, and the pattern of the replacements
/// would itself give the short value away. Such a value is also too weak to be worth
/// hiding from logs; Slipway's own secrets (tokens, keys) are far longer.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Distinct, at least `MIN_LEN` characters each.
    needles: Vec<Secret>,
}

impl Redactor {
    /// The shortest value, in characters, that is redacted.
    pub const MIN_LEN: usize = 6;

    /// A redactor for `secrets`.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut needles: Vec<&str> = Vec::new();
        for secret in secrets {
            let value = secret.expose().as_str();
            needles.push(value);
            if value.contains(['\n', '\r']) {
                needles.extend(value.lines().map(str::trim).filter(|line| {
                    !line.starts_with("-----BEGIN ") && !line.starts_with("-----END ")
                }));
            }
        }
        needles.retain(|needle| needle.chars().count() >= Self::MIN_LEN);
        needles.sort_unstable();
        needles.dedup();
        Self {
            needles: needles
                .into_iter()
                .map(|needle| Secret::new(needle.to_owned()))
                .collect(),
        }
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every occurrence of every value replaced by [`REDACTED`]. Overlapping or
    /// adjacent occurrences become one `<redacted>`, so no part of either value survives.
    /// Borrows `text` when there is nothing to replace.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut spans = Vec::new();
        for needle in &self.needles {
            let needle = needle.expose().as_str();
            let mut from = 0;
            while let Some(offset) = text[from..].find(needle) {
                let start = from + offset;
                spans.push((start, start + needle.len()));
                // One character on, not past the match: occurrences may overlap.
                from = start + text[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut spans = spans.into_iter().peekable();
        while let Some((start, mut end)) = spans.next() {
            while let Some(&(next_start, next_end)) = spans.peek() {
                if next_start > end {
                    break;
                }
                end = end.max(next_end);
                spans.next();
            }
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

impl fmt::Debug for Redactor {
    /// Says how many values it looks for, never which.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("values", &self.needles.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(values: &[&str]) -> Redactor {
        let secrets: Vec<Secret> = values
            .iter()
            .map(|v| Secret::new((*v).to_owned()))
            .collect();
        Redactor::new(&secrets)
    }

    #[test]
    fn replaces_every_occurrence() {
        let r = redactor(&["dop_v1_canary"]);
        assert_eq!(
            r.redact("token=dop_v1_canary; again dop_v1_canary."),
            "token=<redacted>; again <redacted>."
        );
    }

    #[test]
    fn borrows_text_with_nothing_to_replace() {
        let r = redactor(&["dop_v1_canary"]);
        assert!(matches!(
            r.redact("nothing here"),
            Cow::Borrowed("nothing here")
        ));
        assert!(matches!(
            Redactor::default().redact("x"),
            Cow::Borrowed("x")
        ));
    }

    #[test]
    fn ignores_values_shorter_than_six_characters() {
        let r = redactor(&["admin", "12345", "abcdef"]);
        assert_eq!(r.redact("admin 12345 abcdef"), "admin 12345 <redacted>");
        assert!(redactor(&["short", ""]).is_empty());
        // Characters, not bytes: five two-byte letters are still too short.
        assert!(redactor(&["ééééé"]).is_empty());
        assert_eq!(redactor(&["éééééé"]).redact("xéééééé"), "x<redacted>");
    }

    #[test]
    fn overlapping_and_adjacent_values_leave_no_fragment() {
        let r = redactor(&["abcdef123", "123xyz789"]);
        assert_eq!(r.redact("<abcdef123xyz789>"), "<<redacted>>");
        let r = redactor(&["secret-one", "secret-two"]);
        assert_eq!(r.redact("secret-onesecret-two!"), "<redacted>!");
        // One value inside another.
        let r = redactor(&["password-long", "word-l"]);
        assert_eq!(
            r.redact("[password-long] [word-l]"),
            "[<redacted>] [<redacted>]"
        );
        // A value overlapping itself.
        let r = redactor(&["aaaaaa"]);
        assert_eq!(r.redact("baaaaaaab"), "b<redacted>b");
    }

    #[test]
    fn redacts_each_line_of_a_multi_line_key() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\n\
                   b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
                   QyNTUxOQAAACDgQ2Yf3Ff2rQ6lJ0xXo7CqS4ZxWlH0a4r4cZ8qH8vJ9gAAAJgN3pZ+Dd6W\n\
                   AAAEC4Tx\n\
                   -----END OPENSSH PRIVATE KEY-----\n";
        let r = redactor(&[key]);
        let printed = format!(
            "debug1: loading key\n  \
             b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n  \
             QyNTUxOQAAACDgQ2Yf3Ff2rQ6lJ0xXo7CqS4ZxWlH0a4r4cZ8qH8vJ9gAAAJgN3pZ+Dd6W\n\
             json: {key:?}\n\
             whole:\n{key}"
        );
        let redacted = r.redact(&printed);
        for line in key.lines().filter(|line| !line.starts_with("-----")) {
            assert!(!redacted.contains(line), "{line} leaked in:\n{redacted}");
        }
        assert_eq!(
            redacted,
            "debug1: loading key\n  <redacted>\n  <redacted>\n\
             json: \"-----BEGIN OPENSSH PRIVATE KEY-----\\n<redacted>\\n<redacted>\\n\
             <redacted>\\n-----END OPENSSH PRIVATE KEY-----\\n\"\n\
             whole:\n<redacted>"
        );
    }

    #[test]
    fn handles_windows_line_endings_and_multibyte_text() {
        let r = redactor(&["first-line\r\nsecond-line"]);
        assert_eq!(
            r.redact("é first-line é second-line\r\n"),
            "é <redacted> é <redacted>\r\n"
        );
    }

    #[test]
    fn debug_shows_only_a_count() {
        let r = redactor(&["dop_v1_canary", "line-one-canary\nline-two-canary"]);
        assert_eq!(format!("{r:?}"), "Redactor { values: 4 }");
    }
}
