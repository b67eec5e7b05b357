//! The rules the fake checks requests against: documented query parameters and body
//! fields, pagination bounds, label syntax and label selectors.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::fake::transport::Incoming;

/// What a body field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Integer,
    /// An object (checked further by the handler).
    Object,
    /// An array of strings or whole numbers (ids or names).
    Refs,
    /// An array of whole numbers.
    Integers,
    /// An array of objects.
    Objects,
}

impl Kind {
    fn fits(self, value: &Value) -> bool {
        let integer = |value: &Value| value.as_u64().is_some();
        match self {
            Self::Text => value.is_string(),
            Self::Bool => value.is_boolean(),
            Self::Integer => integer(value),
            Self::Object => value.is_object(),
            Self::Refs => value
                .as_array()
                .is_some_and(|items| items.iter().all(|item| item.is_string() || integer(item))),
            Self::Integers => value
                .as_array()
                .is_some_and(|items| items.iter().all(integer)),
            Self::Objects => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_object)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Text => "a string",
            Self::Bool => "a boolean",
            Self::Integer => "an integer",
            Self::Object => "an object",
            Self::Refs => "an array of ids or names",
            Self::Integers => "an array of ids",
            Self::Objects => "an array of objects",
        }
    }
}

/// A field of a request body: its name, what it holds, whether it is required.
pub type Field = (&'static str, Kind, bool);

/// `POST /servers`, as Hetzner documents it.
pub const CREATE_SERVER: &[Field] = &[
    ("name", Kind::Text, true),
    ("server_type", Kind::Text, true),
    ("image", Kind::Text, true),
    ("location", Kind::Text, false),
    ("datacenter", Kind::Text, false),
    ("ssh_keys", Kind::Refs, false),
    ("user_data", Kind::Text, false),
    ("labels", Kind::Object, false),
    ("start_after_create", Kind::Bool, false),
    ("public_net", Kind::Object, false),
    ("firewalls", Kind::Objects, false),
    ("networks", Kind::Integers, false),
    ("volumes", Kind::Integers, false),
    ("automount", Kind::Bool, false),
    ("placement_group", Kind::Integer, false),
];

/// `public_net` inside `POST /servers`.
pub const PUBLIC_NET: &[Field] = &[
    ("enable_ipv4", Kind::Bool, false),
    ("enable_ipv6", Kind::Bool, false),
    ("ipv4", Kind::Integer, false),
    ("ipv6", Kind::Integer, false),
];

/// `POST /ssh_keys`.
pub const CREATE_SSH_KEY: &[Field] = &[
    ("name", Kind::Text, true),
    ("public_key", Kind::Text, true),
    ("labels", Kind::Object, false),
];

/// What is wrong with a body, field by field; empty when it fits.
pub fn body(body: &Value, fields: &[Field]) -> Vec<(String, String)> {
    let Some(object) = body.as_object() else {
        return vec![("body".to_owned(), "must be a JSON object".to_owned())];
    };
    let mut problems = Vec::new();
    for key in object.keys() {
        if !fields.iter().any(|(name, _, _)| name == key) {
            problems.push((key.clone(), "is not a documented field".to_owned()));
        }
    }
    for (name, kind, required) in fields {
        match object.get(*name) {
            None if *required => problems.push(((*name).to_owned(), "is required".to_owned())),
            Some(value) if !kind.fits(value) => {
                problems.push(((*name).to_owned(), format!("must be {}", kind.name())));
            }
            _ => {}
        }
    }
    problems
}

/// Query parameters the request has but the endpoint does not document.
pub fn unknown_query(request: &Incoming, allowed: &[&str]) -> Vec<String> {
    request
        .query
        .iter()
        .map(|(key, _)| key)
        .filter(|key| !allowed.contains(&key.as_str()))
        .cloned()
        .collect()
}

/// `page` (from 1) and `per_page` (1-50, 25 by default), or the parameter at fault and
/// why.
pub fn paging(request: &Incoming) -> Result<(usize, usize), (&'static str, &'static str)> {
    let number = |name: &str| request.query(name).map(str::parse::<usize>);
    let page = match number("page") {
        None => 1,
        Some(Ok(page)) if page >= 1 => page,
        Some(_) => return Err(("page", "must be a whole number from 1")),
    };
    let per_page = match number("per_page") {
        None => 25,
        Some(Ok(per_page)) if (1..=50).contains(&per_page) => per_page,
        Some(_) => return Err(("per_page", "must be a whole number from 1 to 50")),
    };
    Ok((page, per_page))
}

/// A label name or value part: at most 63 characters, letters, digits, `-`, `_` and
/// `.`, starting and ending with a letter or digit.
fn label_part(text: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.len() <= 63
        && alnum(text.chars().next())
        && alnum(text.chars().last())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name part.
fn label_key(key: &str) -> bool {
    match key.rsplit_once('/') {
        Some((prefix, name)) => {
            prefix.len() <= 253
                && prefix.split('.').all(|part| {
                    !part.is_empty()
                        && part.len() <= 63
                        && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                && label_part(name)
        }
        None => label_part(key),
    }
}

/// Why labels are not as Hetzner takes them, in the words of its 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// `labels` is not a JSON object.
    #[error("labels must be an object")]
    NotAnObject,
    /// A label's value is not a string.
    #[error("label {key} must have a string value")]
    NotAString {
        /// The label.
        key: String,
    },
    /// A key breaks the rules for label keys.
    #[error("label key {key} is not valid")]
    BadKey {
        /// The key.
        key: String,
    },
    /// A value breaks the rules for label values.
    #[error("label value {value} is not valid")]
    BadValue {
        /// The value.
        value: String,
    },
}

/// Labels as Hetzner takes them: string values, valid keys, values empty or valid.
pub fn labels(value: Option<&Value>) -> Result<BTreeMap<String, String>, LabelError> {
    let Some(value) = value else {
        return Ok(BTreeMap::new());
    };
    let object = value.as_object().ok_or(LabelError::NotAnObject)?;
    let mut labels = BTreeMap::new();
    for (key, value) in object {
        let value = value
            .as_str()
            .ok_or_else(|| LabelError::NotAString { key: key.clone() })?;
        if !label_key(key) {
            return Err(LabelError::BadKey { key: key.clone() });
        }
        if !value.is_empty() && !label_part(value) {
            return Err(LabelError::BadValue {
                value: value.to_owned(),
            });
        }
        labels.insert(key.clone(), value.to_owned());
    }
    Ok(labels)
}

/// A requirement of a label selector that is not one, in the words of Hetzner's 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{requirement}\" is not a label selector requirement")]
pub struct SelectorError {
    /// The requirement as written.
    pub requirement: String,
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key` or `key=value` / `key==value`.
    Has(String, Option<String>),
    /// `!key` or `key!=value`.
    HasNot(String, Option<String>),
}

/// Parses a label selector: requirements separated by commas, all of which must hold.
pub fn selector(text: &str) -> Result<Vec<Requirement>, SelectorError> {
    let mut requirements = Vec::new();
    for part in text.split(',').map(str::trim) {
        let requirement = if let Some(key) = part.strip_prefix('!') {
            Requirement::HasNot(key.trim().to_owned(), None)
        } else if let Some((key, value)) = part.split_once("!=") {
            Requirement::HasNot(key.trim().to_owned(), Some(value.trim().to_owned()))
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::Has(key.trim().to_owned(), Some(value.trim().to_owned()))
        } else {
            Requirement::Has(part.to_owned(), None)
        };
        let (Requirement::Has(key, value) | Requirement::HasNot(key, value)) = &requirement;
        let value_ok = value
            .as_deref()
            .is_none_or(|v| v.is_empty() || label_part(v));
        if !label_key(key) || !value_ok {
            return Err(SelectorError {
                requirement: part.to_owned(),
            });
        }
        requirements.push(requirement);
    }
    Ok(requirements)
}

/// Whether `labels` meet every requirement.
pub fn matches(requirements: &[Requirement], labels: &BTreeMap<String, String>) -> bool {
    requirements.iter().all(|requirement| match requirement {
        Requirement::Has(key, None) => labels.contains_key(key),
        Requirement::Has(key, Some(value)) => labels.get(key) == Some(value),
        Requirement::HasNot(key, None) => !labels.contains_key(key),
        Requirement::HasNot(key, Some(value)) => labels.get(key) != Some(value),
    })
}

/// A host name per RFC 1123: labels of letters, digits and `-`, each 1-63 long and not
/// starting or ending with `-`, at most 253 characters in all.
pub fn hostname(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_checked_field_by_field() {
        let good = json!({"name": "k", "public_key": "ssh-ed25519 AAAA"});
        assert!(body(&good, CREATE_SSH_KEY).is_empty());
        let bad = json!({"name": 3, "fingerprint": "x"});
        let mut problems = body(&bad, CREATE_SSH_KEY);
        problems.sort();
        assert_eq!(
            problems,
            [
                (
                    "fingerprint".to_owned(),
                    "is not a documented field".to_owned()
                ),
                ("name".to_owned(), "must be a string".to_owned()),
                ("public_key".to_owned(), "is required".to_owned()),
            ]
        );
    }

    #[test]
    fn selectors_select() {
        let labels = BTreeMap::from([
            ("slipway".to_owned(), "true".to_owned()),
            ("slipway-project".to_owned(), "shop".to_owned()),
        ]);
        let yes = [
            "slipway-project=shop",
            "slipway,slipway-project==shop",
            "!other",
            "env!=prod",
        ];
        for text in yes {
            assert!(matches(&selector(text).expect(text), &labels), "{text}");
        }
        for text in ["slipway-project=blog", "!slipway", "slipway-project!=shop"] {
            assert!(!matches(&selector(text).expect(text), &labels), "{text}");
        }
        assert!(selector("a=b=c").is_err());
        assert!(selector("-bad=x").is_err());
    }

    #[test]
    fn label_rules_follow_hetzner() {
        assert!(
            labels(Some(
                &json!({"slipway-project": "shop_2", "example.com/x": ""})
            ))
            .is_ok()
        );
        for bad in [
            json!({"k": "-x"}),
            json!({"k": 3}),
            json!({"_k": "x"}),
            json!({"k": "x".repeat(64)}),
        ] {
            assert!(labels(Some(&bad)).is_err(), "{bad}");
        }
    }
}
