//! DigitalOcean's OpenAPI document: finding the operation for a request and checking
//! requests and replies against it.
//!
//! The document is the resolved subset in `contracts/digitalocean/` (every `$ref`
//! inlined, DigitalOcean's Apache-2.0 licence beside it), read at run time.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::schema::{Direction, Validator, Violation};

/// Where the document lives, relative to this crate.
const DOCUMENT: &str = "contracts/digitalocean/openapi-subset.json";

/// The HTTP methods an OpenAPI path item may hold.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The loaded document with its routes.
#[derive(Debug)]
pub struct Contract {
    document: Value,
    routes: Vec<Route>,
    requests: Validator,
    replies: Validator,
}

/// One path template, split into segments (`None` for a `{parameter}`).
#[derive(Debug)]
struct Route {
    template: String,
    segments: Vec<Segment>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Parameter(String),
}

/// A route that fits a path: its literal segment count, the route, and the path
/// parameters.
type Candidate<'a> = (usize, &'a Route, Vec<(String, String)>);

/// The operation a request addresses.
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// The path template, e.g. `/v2/droplets/{droplet_id}`.
    pub template: &'a str,
    /// `get`, `post`, ….
    pub method: String,
    /// The operation's `operationId`.
    pub id: &'a str,
    /// Path parameters by name, as sent.
    pub path_parameters: Vec<(String, String)>,
    definition: &'a Value,
    path_item: &'a Value,
}

impl Operation<'_> {
    /// A path parameter's value.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.path_parameters
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Why DigitalOcean's OpenAPI document could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ContractError {
    /// The file could not be read.
    #[error(
        "cannot read DigitalOcean's OpenAPI document at {} ({detail}); the fake checks \
         every request against it",
        path.display()
    )]
    Unreadable {
        /// Where it was looked for.
        path: PathBuf,
        /// The operating system's reason.
        detail: String,
    },
    /// The file is not JSON.
    #[error("{} is not valid JSON: {detail}", path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// The JSON parser's reason.
        detail: String,
    },
}

impl Contract {
    /// The document in this crate's `contracts` folder, loaded once per process.
    pub fn shared() -> Result<Arc<Self>, ContractError> {
        static LOADED: OnceLock<Result<Arc<Contract>, ContractError>> = OnceLock::new();
        LOADED
            .get_or_init(|| {
                let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DOCUMENT);
                let text =
                    std::fs::read_to_string(&path).map_err(|error| ContractError::Unreadable {
                        path: path.clone(),
                        detail: error.to_string(),
                    })?;
                let document: Value =
                    serde_json::from_str(&text).map_err(|error| ContractError::NotJson {
                        path: path.clone(),
                        detail: error.to_string(),
                    })?;
                Ok(Arc::new(Self::new(document)))
            })
            .clone()
    }

    /// A contract from a parsed document.
    pub fn new(document: Value) -> Self {
        let routes = document
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| {
                paths
                    .keys()
                    .map(|template| Route::parse(template))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            document,
            routes,
            requests: Validator::new(Direction::Request),
            replies: Validator::new(Direction::Response),
        }
    }

    /// The operation for `method` on `path`. Literal segments win over parameters, so
    /// `/v2/droplets/actions` is not read as droplet "actions".
    pub fn operation(&self, method: &str, path: &str) -> Option<Operation<'_>> {
        let method = method.to_ascii_lowercase();
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut best: Option<Candidate<'_>> = None;
        for route in &self.routes {
            let Some(parameters) = route.matches(&parts) else {
                continue;
            };
            let path_item = &self.document["paths"][&route.template];
            if path_item.get(&method).is_none() {
                continue;
            }
            let literals = route.segments.len() - parameters.len();
            if best.as_ref().is_none_or(|(most, _, _)| literals > *most) {
                best = Some((literals, route, parameters));
            }
        }
        let (_, route, path_parameters) = best?;
        let path_item = &self.document["paths"][&route.template];
        let operation = &path_item[&method];
        Some(Operation {
            template: &route.template,
            id: operation
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or(""),
            method,
            path_parameters,
            definition: operation,
            path_item,
        })
    }

    /// Whether any method is documented for `path`.
    pub fn knows_path(&self, path: &str) -> bool {
        METHODS
            .iter()
            .any(|method| self.operation(method, path).is_some())
    }

    /// Checks a request's path and query parameters and its JSON body.
    pub fn check_request(
        &self,
        operation: &Operation<'_>,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        let parameters = parameters(operation);
        for (name, value) in &operation.path_parameters {
            if let Some(parameter) = find(&parameters, "path", name) {
                self.check_parameter(parameter, name, value, &mut out);
            }
        }
        for (name, value) in query {
            match find(&parameters, "query", name) {
                Some(parameter) => self.check_parameter(parameter, name, value, &mut out),
                None => out.push(Violation {
                    path: format!("query.{name}"),
                    message: format!("`{name}` is not a query parameter of {}", operation.id),
                }),
            }
        }
        for parameter in &parameters {
            let required = parameter.get("required") == Some(&Value::Bool(true));
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
            if required
                && parameter.get("in").and_then(Value::as_str) == Some("query")
                && !query.iter().any(|(key, _)| key == name)
            {
                out.push(Violation {
                    path: format!("query.{name}"),
                    message: "this query parameter is required".to_owned(),
                });
            }
        }
        out.extend(self.check_request_body(operation, body));
        out
    }

    fn check_request_body(
        &self,
        operation: &Operation<'_>,
        body: Option<&Value>,
    ) -> Vec<Violation> {
        let declared = operation.definition.get("requestBody");
        let schema = declared.and_then(|body| body.pointer("/content/application~1json/schema"));
        match (body, schema) {
            (Some(body), Some(schema)) => self.requests.validate(schema, body),
            (Some(_), None) => vec![Violation {
                path: "$".to_owned(),
                message: format!("{} takes no JSON body", operation.id),
            }],
            (None, _) if declared.and_then(|b| b.get("required")) == Some(&Value::Bool(true)) => {
                vec![Violation {
                    path: "$".to_owned(),
                    message: format!("{} needs a JSON body", operation.id),
                }]
            }
            (None, _) => Vec::new(),
        }
    }

    /// Checks a reply the fake is about to send.
    pub fn check_response(
        &self,
        operation: &Operation<'_>,
        status: u16,
        body: Option<&Value>,
    ) -> Vec<Violation> {
        let responses = &operation.definition["responses"];
        let Some(response) = responses
            .get(status.to_string())
            .or_else(|| responses.get("default"))
        else {
            return vec![Violation {
                path: "status".to_owned(),
                message: format!("{} documents no {status} reply", operation.id),
            }];
        };
        let schema = response.pointer("/content/application~1json/schema");
        match (body, schema) {
            (Some(body), Some(schema)) => self.replies.validate(schema, body),
            (Some(_), None) => vec![Violation {
                path: "$".to_owned(),
                message: format!("the {status} reply of {} has no body", operation.id),
            }],
            (None, Some(_)) => vec![Violation {
                path: "$".to_owned(),
                message: format!("the {status} reply of {} needs a JSON body", operation.id),
            }],
            (None, None) => Vec::new(),
        }
    }

    /// Checks one parameter's text, read as its schema's type.
    fn check_parameter(&self, parameter: &Value, name: &str, text: &str, out: &mut Vec<Violation>) {
        let Some(schema) = parameter.get("schema") else {
            return;
        };
        let value = match schema.get("type").and_then(Value::as_str) {
            Some("integer") => text.parse::<i64>().map(Value::from).ok(),
            Some("number") => text.parse::<f64>().ok().map(Value::from),
            Some("boolean") => text.parse::<bool>().map(Value::from).ok(),
            _ => Some(Value::from(text)),
        };
        match value {
            Some(value) => {
                for violation in self.requests.validate(schema, &value) {
                    out.push(Violation {
                        path: format!("parameter {name}"),
                        message: violation.message,
                    });
                }
            }
            None => out.push(Violation {
                path: format!("parameter {name}"),
                message: format!("{text:?} is not a {}", schema["type"]),
            }),
        }
    }
}

/// The operation's parameters with the path item's.
fn parameters<'a>(operation: &Operation<'a>) -> Vec<&'a Value> {
    [operation.definition, operation.path_item]
        .iter()
        .filter_map(|holder| holder.get("parameters").and_then(Value::as_array))
        .flatten()
        .collect()
}

fn find<'a>(parameters: &[&'a Value], location: &str, name: &str) -> Option<&'a Value> {
    parameters.iter().copied().find(|parameter| {
        parameter.get("in").and_then(Value::as_str) == Some(location)
            && parameter.get("name").and_then(Value::as_str) == Some(name)
    })
}

impl Route {
    fn parse(template: &str) -> Self {
        let segments = template
            .split('/')
            .map(
                |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) => Segment::Parameter(name.to_owned()),
                    None => Segment::Literal(part.to_owned()),
                },
            )
            .collect();
        Self {
            template: template.to_owned(),
            segments,
        }
    }

    /// The path parameters if `parts` fits this template.
    fn matches(&self, parts: &[&str]) -> Option<Vec<(String, String)>> {
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut parameters = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Parameter(_) if part.is_empty() => return None,
                Segment::Parameter(name) => parameters.push((name.clone(), (*part).to_owned())),
            }
        }
        Some(parameters)
    }
}
