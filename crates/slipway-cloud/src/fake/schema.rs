//! A JSON-Schema validator for the OpenAPI 3.0 dialect, covering what DigitalOcean's
//! document uses: `type`, `nullable`, `enum`, `required`, `properties`,
//! `additionalProperties`, `items`, `minLength`/`maxLength`, `pattern`, `format`
//! (`ipv4`, `ipv6`, `date-time`, `uuid`), `minimum`/`maximum` (with the 3.0 boolean
//! `exclusiveMinimum`/`exclusiveMaximum`), `multipleOf`, `minItems`/`maxItems`,
//! `allOf`, `anyOf`, `oneOf`, and `readOnly`/`writeOnly`/`deprecated`.
//!
//! It is stricter than JSON Schema in one deliberate way: an object may only hold the
//! properties its schema (with everything `allOf` joins in, and the `anyOf`/`oneOf`
//! choices it matches) declares, unless `additionalProperties` allows more. The real API
//! ignores an unknown field, so a misspelt `tag` for `tags` would pass there and silently
//! create an untagged server; here it fails the test that sent it.
//!
//! In requests, a `readOnly` or `deprecated` property is refused; in replies, a
//! `writeOnly` one.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;

use regex::Regex;
use serde_json::{Map, Value};

/// Which way a document travels, for `readOnly` and `writeOnly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A request body or parameter: `readOnly` and `deprecated` properties are refused.
    Request,
    /// A reply body: `writeOnly` properties are refused.
    Response,
}

/// One way a value breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where, as `$.droplet.networks.v4[0].type`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Checks JSON values against schemas.
#[derive(Debug)]
pub struct Validator {
    direction: Direction,
    patterns: Mutex<HashMap<String, Result<Regex, regex::Error>>>,
}

impl Validator {
    /// A validator for documents travelling `direction`.
    pub fn new(direction: Direction) -> Self {
        Self {
            direction,
            patterns: Mutex::new(HashMap::new()),
        }
    }

    /// Every violation of `schema` by `value`; empty when it conforms.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(schema, value, "$", true, &mut out);
        out
    }

    /// Whether `value` conforms, ignoring unknown properties at the top (for trying the
    /// choices of `anyOf`/`oneOf`).
    fn passes(&self, schema: &Value, value: &Value, path: &str) -> Result<(), Vec<Violation>> {
        let mut out = Vec::new();
        self.check(schema, value, path, false, &mut out);
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    /// Checks one value. `strict` says whether unknown properties are this level's to
    /// report (false inside `allOf`/`anyOf`/`oneOf` members, whose siblings may declare
    /// them).
    fn check(
        &self,
        schema: &Value,
        value: &Value,
        path: &str,
        strict: bool,
        out: &mut Vec<Violation>,
    ) {
        let Some(rules) = schema.as_object() else {
            return;
        };
        let expected = rules.get("type").and_then(Value::as_str);
        if value.is_null() {
            if rules.get("nullable") == Some(&Value::Bool(true)) {
                return;
            }
            if let Some(expected) = expected {
                push(
                    out,
                    path,
                    format!("null is not allowed here (expected {expected})"),
                );
                return;
            }
        } else if let Some(expected) = expected
            && !type_matches(expected, value)
        {
            push(
                out,
                path,
                format!("expected {expected}, found {}", kind(value)),
            );
            return;
        }
        if let Some(allowed) = rules.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            push(
                out,
                path,
                format!("{value} is not one of {}", Value::Array(allowed.clone())),
            );
        }
        match value {
            Value::String(text) => self.strings(rules, text, path, out),
            Value::Number(_) => numbers(rules, value, path, out),
            Value::Array(items) => self.arrays(rules, items, path, out),
            Value::Object(map) => self.objects(schema, map, path, strict, out),
            Value::Null | Value::Bool(_) => {}
        }
        self.composition(rules, value, path, out);
    }

    /// `allOf`, `anyOf` and `oneOf`.
    fn composition(
        &self,
        rules: &Map<String, Value>,
        value: &Value,
        path: &str,
        out: &mut Vec<Violation>,
    ) {
        for member in members(rules, "allOf") {
            self.check(member, value, path, false, out);
        }
        for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            let choices = members(rules, keyword);
            if choices.is_empty() {
                continue;
            }
            let mut matched = 0;
            let mut closest: Option<Vec<Violation>> = None;
            for choice in &choices {
                match self.passes(choice, value, path) {
                    Ok(()) => matched += 1,
                    Err(found) => {
                        if closest.as_ref().is_none_or(|best| found.len() < best.len()) {
                            closest = Some(found);
                        }
                    }
                }
            }
            if matched == 0 {
                let reasons = closest
                    .unwrap_or_default()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                push(
                    out,
                    path,
                    format!("matches none of the {keyword} choices (closest: {reasons})"),
                );
            } else if exactly_one && matched > 1 {
                push(
                    out,
                    path,
                    format!("matches {matched} of the oneOf choices; exactly one is allowed"),
                );
            }
        }
    }

    fn strings(
        &self,
        rules: &Map<String, Value>,
        text: &str,
        path: &str,
        out: &mut Vec<Violation>,
    ) {
        let length = text.chars().count();
        if let Some(min) = rules.get("minLength").and_then(Value::as_u64)
            && (length as u64) < min
        {
            push(
                out,
                path,
                format!("is {length} characters; at least {min} required"),
            );
        }
        if let Some(max) = rules.get("maxLength").and_then(Value::as_u64)
            && (length as u64) > max
        {
            push(
                out,
                path,
                format!("is {length} characters; at most {max} allowed"),
            );
        }
        if let Some(pattern) = rules.get("pattern").and_then(Value::as_str) {
            match self.matches(pattern, text) {
                Ok(true) => {}
                Ok(false) => push(out, path, format!("{text:?} does not match {pattern}")),
                Err(error) => push(
                    out,
                    path,
                    format!("pattern {pattern} cannot be checked: {error}"),
                ),
            }
        }
        if let Some(format) = rules.get("format").and_then(Value::as_str)
            && !format_matches(format, text)
        {
            push(out, path, format!("{text:?} is not a valid {format}"));
        }
    }

    fn matches(&self, pattern: &str, text: &str) -> Result<bool, regex::Error> {
        let mut cache = self
            .patterns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let compiled = cache
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(pattern));
        compiled
            .as_ref()
            .map(|regex| regex.is_match(text))
            .map_err(Clone::clone)
    }

    fn arrays(
        &self,
        rules: &Map<String, Value>,
        items: &[Value],
        path: &str,
        out: &mut Vec<Violation>,
    ) {
        if let Some(min) = rules.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            push(
                out,
                path,
                format!("has {} items; at least {min} required", items.len()),
            );
        }
        if let Some(max) = rules.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > max
        {
            push(
                out,
                path,
                format!("has {} items; at most {max} allowed", items.len()),
            );
        }
        if let Some(schema) = rules.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.check(schema, item, &format!("{path}[{index}]"), true, out);
            }
        }
    }

    fn objects(
        &self,
        schema: &Value,
        map: &Map<String, Value>,
        path: &str,
        strict: bool,
        out: &mut Vec<Violation>,
    ) {
        let Some(rules) = schema.as_object() else {
            return;
        };
        for name in members(rules, "required")
            .iter()
            .filter_map(|name| name.as_str())
        {
            if !map.contains_key(name) {
                push(out, path, format!("the required field `{name}` is missing"));
            }
        }
        let properties = rules.get("properties").and_then(Value::as_object);
        for (name, value) in map {
            let at = format!("{path}.{name}");
            match properties.and_then(|properties| properties.get(name)) {
                Some(property) => {
                    self.flags(property, name, &at, out);
                    self.check(property, value, &at, true, out);
                }
                None => match rules.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        push(out, &at, format!("`{name}` is not allowed here"));
                    }
                    Some(extra @ Value::Object(_)) => self.check(extra, value, &at, true, out),
                    _ => {}
                },
            }
        }
        if strict && let Some(known) = self.known_properties(schema, &Value::Object(map.clone())) {
            for name in map.keys().filter(|name| !known.contains(*name)) {
                push(
                    out,
                    &format!("{path}.{name}"),
                    format!("unknown field `{name}`: the API does not document it here"),
                );
            }
        }
    }

    /// `readOnly`, `writeOnly` and `deprecated` on a property that is present.
    fn flags(&self, property: &Value, name: &str, path: &str, out: &mut Vec<Violation>) {
        let flag = |key: &str| property.get(key) == Some(&Value::Bool(true));
        match self.direction {
            Direction::Request if flag("readOnly") => {
                push(
                    out,
                    path,
                    format!("`{name}` is read-only: the API sets it and refuses it in requests"),
                );
            }
            Direction::Request if flag("deprecated") => {
                push(out, path, format!("`{name}` is deprecated: do not send it"));
            }
            Direction::Response if flag("writeOnly") => {
                push(
                    out,
                    path,
                    format!("`{name}` is write-only and never appears in replies"),
                );
            }
            _ => {}
        }
    }

    /// The property names an object may hold under `schema`, or `None` when any name is
    /// allowed (no properties declared anywhere, or `additionalProperties`).
    fn known_properties(&self, schema: &Value, value: &Value) -> Option<HashSet<String>> {
        let mut names = HashSet::new();
        let mut declared = false;
        let open = self.collect_properties(schema, value, &mut names, &mut declared);
        (!open && declared).then_some(names)
    }

    /// Adds the properties `schema` declares for `value` to `names`; true when the
    /// schema allows any property.
    fn collect_properties(
        &self,
        schema: &Value,
        value: &Value,
        names: &mut HashSet<String>,
        declared: &mut bool,
    ) -> bool {
        let Some(rules) = schema.as_object() else {
            return false;
        };
        if let Some(properties) = rules.get("properties").and_then(Value::as_object) {
            *declared = true;
            names.extend(properties.keys().cloned());
        }
        let mut open = matches!(
            rules.get("additionalProperties"),
            Some(Value::Bool(true) | Value::Object(_))
        );
        for member in members(rules, "allOf") {
            open |= self.collect_properties(member, value, names, declared);
        }
        for keyword in ["anyOf", "oneOf"] {
            for choice in members(rules, keyword) {
                if self.passes(choice, value, "$").is_ok() {
                    open |= self.collect_properties(choice, value, names, declared);
                }
            }
        }
        open
    }
}

/// The array under `keyword`, or nothing.
fn members<'a>(rules: &'a Map<String, Value>, keyword: &str) -> Vec<&'a Value> {
    rules
        .get(keyword)
        .and_then(Value::as_array)
        .map(|items| items.iter().collect())
        .unwrap_or_default()
}

fn push(out: &mut Vec<Violation>, path: &str, message: String) {
    out.push(Violation {
        path: path.to_owned(),
        message,
    });
}

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "string" => value.is_string(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn numbers(rules: &Map<String, Value>, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(number) = value.as_f64() else {
        return;
    };
    let exclusive = |key: &str| rules.get(key) == Some(&Value::Bool(true));
    if let Some(min) = rules.get("minimum").and_then(Value::as_f64) {
        let below = if exclusive("exclusiveMinimum") {
            number <= min
        } else {
            number < min
        };
        if below {
            push(out, path, format!("{value} is below the minimum {min}"));
        }
    }
    if let Some(max) = rules.get("maximum").and_then(Value::as_f64) {
        let above = if exclusive("exclusiveMaximum") {
            number >= max
        } else {
            number > max
        };
        if above {
            push(out, path, format!("{value} is above the maximum {max}"));
        }
    }
    if let Some(step) = rules.get("multipleOf").and_then(Value::as_f64)
        && step > 0.0
        && (number / step).fract().abs() > 1e-9
    {
        push(out, path, format!("{value} is not a multiple of {step}"));
    }
}

fn format_matches(format: &str, text: &str) -> bool {
    match format {
        "ipv4" => text.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => text.parse::<Ipv6Addr>().is_ok(),
        "date-time" => is_date_time(text),
        "uuid" => is_uuid(text),
        _ => true,
    }
}

/// RFC 3339: `2020-07-21T18:37:44Z` or with fractions and an offset.
fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let zone_ok = text.ends_with('Z') || {
        let tail = &bytes[bytes.len().saturating_sub(6)..];
        tail.len() == 6 && (tail[0] == b'+' || tail[0] == b'-') && tail[3] == b':'
    };
    bytes.len() >= 20
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && (bytes[10] == b'T' || bytes[10] == b't')
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19)
        && zone_ok
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(schema: &Value, value: &Value) -> Vec<String> {
        Validator::new(Direction::Request)
            .validate(schema, value)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn types_required_enums_and_bounds() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]+$"},
                "count": {"type": "integer", "minimum": 1, "maximum": 200},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}, "nullable": true}
            }
        });
        assert!(
            messages(
                &schema,
                &json!({"name": "abc", "count": 3, "kind": "a", "tags": null})
            )
            .is_empty()
        );
        assert_eq!(
            messages(&schema, &json!({"count": 0, "kind": "c", "tags": [1]})),
            [
                "$: the required field `name` is missing",
                "$.count: 0 is below the minimum 1",
                "$.kind: \"c\" is not one of [\"a\",\"b\"]",
                "$.tags[0]: expected string, found integer",
            ]
        );
        assert_eq!(
            messages(&schema, &json!({"name": "ABCDEF"})),
            [
                "$.name: is 6 characters; at most 5 allowed",
                "$.name: \"ABCDEF\" does not match ^[a-z]+$",
            ]
        );
    }

    #[test]
    fn unknown_fields_are_refused_across_all_of() {
        let schema = json!({"allOf": [
            {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
            {"type": "object", "properties": {"size": {"type": "string"}}}
        ]});
        assert!(messages(&schema, &json!({"name": "a", "size": "b"})).is_empty());
        assert_eq!(
            messages(&schema, &json!({"name": "a", "tag": "b"})),
            ["$.tag: unknown field `tag`: the API does not document it here"]
        );
        let open = json!({"type": "object", "properties": {"a": {}}, "additionalProperties": true});
        assert!(messages(&open, &json!({"a": 1, "b": 2})).is_empty());
    }

    #[test]
    fn one_of_needs_exactly_one_match() {
        let schema = json!({"oneOf": [
            {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
            {"type": "object", "properties": {"names": {"type": "array"}}, "required": ["names"]}
        ]});
        assert!(messages(&schema, &json!({"name": "a"})).is_empty());
        let both = messages(&schema, &json!({"name": "a", "names": []}));
        assert_eq!(
            both,
            ["$: matches 2 of the oneOf choices; exactly one is allowed"]
        );
        let neither = messages(&schema, &json!({}));
        assert_eq!(neither.len(), 1);
        assert!(
            neither[0].starts_with("$: matches none of the oneOf choices"),
            "{neither:?}"
        );
    }

    #[test]
    fn read_only_and_write_only_depend_on_direction() {
        let schema = json!({"type": "object", "properties": {
            "id": {"type": "integer", "readOnly": true},
            "ip_address": {"type": "string", "writeOnly": true}
        }});
        let request = Validator::new(Direction::Request)
            .validate(&schema, &json!({"id": 1, "ip_address": "x"}));
        assert_eq!(request.len(), 1);
        assert!(request[0].message.contains("read-only"), "{request:?}");
        let reply = Validator::new(Direction::Response)
            .validate(&schema, &json!({"id": 1, "ip_address": "x"}));
        assert_eq!(reply.len(), 1);
        assert!(reply[0].message.contains("write-only"), "{reply:?}");
    }

    #[test]
    fn formats_are_checked() {
        let schema = json!({"type": "object", "properties": {
            "ip": {"type": "string", "format": "ipv4"},
            "at": {"type": "string", "format": "date-time"},
            "id": {"type": "string", "format": "uuid"},
            "memory": {"type": "integer", "multipleOf": 8}
        }});
        assert!(messages(&schema, &json!({"ip": "203.0.113.1", "at": "2020-07-21T18:37:44Z", "id": "2b9a4c7e-0c0a-4a4e-9b1a-2f1d3c4b5a6f", "memory": 1024})).is_empty());
        assert_eq!(
            messages(
                &schema,
                &json!({"ip": "nil", "at": "yesterday", "id": "x", "memory": 1001})
            )
            .len(),
            4
        );
    }
}
