//! Servers, their actions, and SSH keys.

use std::time::Duration;

use serde_json::{Value, json};

use super::wire::{
    ActionEnvelope, CreatedServer, KeyEnvelope, ServerEnvelope, WireAction, WireImage, WireKey,
    WireLocation, WireServer, WireServerType,
};
use super::{
    API, Hetzner, PROJECT_LABEL, PROVIDER, Problem, USER_DATA_LIMIT, catalogue, error_code,
    project_label, server_labels,
};
use crate::error::CloudError;
use crate::http::{Failure, Method};
use crate::server::{
    Account, Catalogue, EnsuredKey, ProjectTag, Provision, Provisioned, Server, ServerId,
    ServerProvider, ServerRequest, WaitProgress, poll_until_ready, server_to_destroy,
    the_only_server,
};
use crate::ssh_key::PublicKey;

/// Why running a create again after an unclear failure cannot make a second server.
const RERUN_IS_SAFE: &str = "Run the same step again: Slipway first looks for the server \
                             by the project's label, so it will not create a second one";

impl ServerProvider for Hetzner {
    /// Hetzner has no account endpoint: a token opens one project, and the project's
    /// name, its owner's e-mail and its limits are not in the API. The check is the
    /// cheapest authenticated read (one server of the list), and the account says so:
    /// `email` is empty, `team` is `None`, `server_limit` is 0 (unknown) and
    /// `status_message` counts the project's servers.
    fn check_token(&self) -> Result<Account, CloudError> {
        let (_, pagination) = self.page::<Value>(
            "/servers",
            &[("per_page", "1")],
            "servers",
            "check the API token",
        )?;
        let servers = pagination.total_entries.map_or_else(
            || "its servers".to_owned(),
            |count| match count {
                1 => "1 server".to_owned(),
                count => format!("{count} servers"),
            },
        );
        Ok(Account {
            email: String::new(),
            team: None,
            status: "active".to_owned(),
            status_message: format!(
                "The token opens one Hetzner Cloud project ({servers} now); Hetzner does not \
                 show the project's name or limits through its API"
            ),
            server_limit: 0,
        })
    }

    fn catalogue(&self) -> Result<Catalogue, CloudError> {
        let locations: Vec<WireLocation> =
            self.list("/locations", &[], "locations", "list the locations")?;
        let types: Vec<WireServerType> = self.list(
            "/server_types",
            &[],
            "server_types",
            "list the server types",
        )?;
        let images: Vec<WireImage> = self.list(
            "/images",
            &[("type", "system")],
            "images",
            "list the images",
        )?;
        catalogue::build(locations, &types, images)
    }

    fn ensure_ssh_key(&self, name: &str, key: &PublicKey) -> Result<EnsuredKey, CloudError> {
        let fingerprint = key.md5_fingerprint();
        if let Some(found) = self.key_by("fingerprint", &fingerprint)? {
            return Ok(EnsuredKey {
                key: found.into(),
                provision: Provision::Found,
            });
        }
        let action = "add the SSH key";
        let url = self.client.api_url("/ssh_keys", &[]);
        let body = json!({"name": name, "public_key": key.to_openssh()});
        match self
            .client
            .send_json::<KeyEnvelope>(Method::Post, &url, Some(&body))
        {
            Ok(envelope) => Ok(EnsuredKey {
                key: envelope.ssh_key.into(),
                provision: Provision::Created,
            }),
            Err(failure) if error_code(&failure).as_deref() == Some("uniqueness_error") => {
                self.after_key_clash(name, key, failure)
            }
            Err(failure) => Err(self.explain(failure, Method::Post, action)),
        }
    }

    fn find_server(&self, project: &ProjectTag) -> Result<Option<Server>, CloudError> {
        let selector = format!("{PROJECT_LABEL}={}", project_label(project)?);
        let servers: Vec<WireServer> = self.list(
            "/servers",
            &[("label_selector", &selector)],
            "servers",
            "look for the project's server",
        )?;
        the_only_server(selector, servers.into_iter().map(Server::from).collect())
    }

    fn create_server(&self, request: &ServerRequest) -> Result<Provisioned, CloudError> {
        request.validate()?;
        check_user_data(request)?;
        let project_id = project_label(&request.project)?;
        // Looking first is what makes a rerun safe: after a lost reply, a timeout or a
        // crash, the server made last time carries the project's label.
        if let Some(server) = self.find_server(&request.project)? {
            return Ok(Provisioned {
                server,
                provision: Provision::Found,
            });
        }
        let ssh_keys = self.key_references(&request.ssh_keys)?;
        let url = self.client.api_url("/servers", &[]);
        let body = create_body(request, project_id, &ssh_keys);
        match self
            .client
            .send_json::<CreatedServer>(Method::Post, &url, Some(&body))
        {
            Ok(created) => {
                let id = ServerId(created.server.id);
                let awaited: Vec<u64> = std::iter::once(&created.action)
                    .chain(&created.next_actions)
                    .filter(|action| action.status != "success")
                    .map(|action| action.id)
                    .collect();
                self.pending_actions().insert(id, awaited);
                Ok(Provisioned {
                    server: created.server.into(),
                    provision: Provision::Created,
                })
            }
            Err(failure) => Err(self.explain_create(failure, request)),
        }
    }

    fn wait_until_ready(
        &self,
        id: ServerId,
        timeout: Duration,
        progress: &mut dyn FnMut(&WaitProgress),
    ) -> Result<Server, CloudError> {
        let server = poll_until_ready(
            self.client.clock().as_ref(),
            self.poll_interval,
            timeout,
            progress,
            || {
                self.check_actions(id)?;
                self.server(id)
            },
        )?;
        self.pending_actions().remove(&id);
        Ok(server)
    }

    fn destroy_server(&self, id: ServerId, confirmation: &str) -> Result<(), CloudError> {
        let Some(server) = server_to_destroy(self.server(id), confirmation)? else {
            return Ok(());
        };
        let action = format!("destroy server {}", server.name);
        let url = self.client.api_url(&format!("/servers/{id}"), &[]);
        // 200 with the `delete_server` action; the server is gone moments later.
        match self.client.send(Method::Delete, &url, None) {
            Ok(_) => {
                self.pending_actions().remove(&id);
                Ok(())
            }
            Err(failure) if failure.is_status(404) => Ok(()),
            Err(failure) => Err(self.explain(failure, Method::Delete, &action)),
        }
    }
}

impl Hetzner {
    /// One server, or [`CloudError::NotFound`].
    fn server(&self, id: ServerId) -> Result<Server, CloudError> {
        let url = self.client.api_url(&format!("/servers/{id}"), &[]);
        match self
            .client
            .send_json::<ServerEnvelope>(Method::Get, &url, None)
        {
            Ok(envelope) => Ok(envelope.server.into()),
            Err(failure) if failure.is_status(404) => Err(CloudError::NotFound {
                provider: PROVIDER,
                what: format!("server {id}"),
                advice: "It was destroyed, or it belongs to another project.".to_owned(),
            }),
            Err(failure) => {
                Err(self.explain(failure, Method::Get, &format!("look at server {id}")))
            }
        }
    }

    /// Looks at the first action still awaited for a server this client created:
    /// finished ones are forgotten, a failed one is an error.
    fn check_actions(&self, id: ServerId) -> Result<(), CloudError> {
        let Some(action_id) = self
            .pending_actions()
            .get(&id)
            .and_then(|awaited| awaited.first().copied())
        else {
            return Ok(());
        };
        let url = self.client.api_url(&format!("/actions/{action_id}"), &[]);
        let action = match self
            .client
            .send_json::<ActionEnvelope>(Method::Get, &url, None)
        {
            Ok(envelope) => envelope.action,
            // An action Hetzner no longer keeps tells nothing; the server still does.
            Err(failure) if failure.is_status(404) => {
                self.forget_action(id, action_id);
                return Ok(());
            }
            Err(failure) => {
                return Err(self.explain(
                    failure,
                    Method::Get,
                    &format!("look at the progress of server {id}"),
                ));
            }
        };
        match action.status.as_str() {
            "success" => {
                self.forget_action(id, action_id);
                Ok(())
            }
            "error" => {
                self.pending_actions().remove(&id);
                Err(action_failed(id, &action))
            }
            _ => Ok(()),
        }
    }

    fn forget_action(&self, id: ServerId, action_id: u64) {
        if let Some(awaited) = self.pending_actions().get_mut(&id) {
            awaited.retain(|awaited| *awaited != action_id);
        }
    }

    /// The project's key matching `filter` (`fingerprint` or `name`), if any.
    fn key_by(&self, filter: &str, value: &str) -> Result<Option<WireKey>, CloudError> {
        let keys: Vec<WireKey> = self.list(
            "/ssh_keys",
            &[(filter, value)],
            "ssh_keys",
            "look up the SSH key",
        )?;
        // Filtered again here: a filter the API ignored must not pick another key.
        Ok(keys.into_iter().find(|key| match filter {
            "fingerprint" => key.fingerprint == value,
            _ => key.name == value,
        }))
    }

    /// After a 409 on upload: the key is there after all (another upload won the race,
    /// or the lookup missed it), or the name belongs to another key.
    fn after_key_clash(
        &self,
        name: &str,
        key: &PublicKey,
        failure: Failure,
    ) -> Result<EnsuredKey, CloudError> {
        let found = |wire: WireKey| {
            Ok(EnsuredKey {
                key: wire.into(),
                provision: Provision::Found,
            })
        };
        if let Some(wire) = self.key_by("fingerprint", &key.md5_fingerprint())? {
            return found(wire);
        }
        let Some(named) = self.key_by("name", name)? else {
            return Err(self.explain(failure, Method::Post, "add the SSH key"));
        };
        if PublicKey::parse(&named.public_key).is_ok_and(|other| other.same_key(key)) {
            return found(named);
        }
        let message = match &failure {
            Failure::Refused(refusal) => Problem::of(refusal).message,
            _ => String::new(),
        };
        Err(CloudError::Refused {
            provider: PROVIDER,
            action: "add the SSH key".to_owned(),
            status: 409,
            id: Some("uniqueness_error".to_owned()),
            message: format!(
                "{message}. The project already has a different key named \"{name}\" \
                 (fingerprint {}): choose another name for this key, or delete the old one \
                 in the Cloud Console (Security → SSH keys) if it is no longer used",
                named.fingerprint
            ),
        })
    }

    /// The request's keys as Hetzner takes them: ids for MD5 fingerprints (looked up
    /// in the project), numbers for ids, names as they are.
    fn key_references(&self, keys: &[String]) -> Result<Vec<Value>, CloudError> {
        let mut references = Vec::new();
        for key in keys {
            if is_md5_fingerprint(key) {
                let Some(found) = self.key_by("fingerprint", key)? else {
                    return Err(CloudError::InvalidField {
                        provider: PROVIDER,
                        field: "ssh_keys",
                        value: key.clone(),
                        message: "no SSH key with this fingerprint is in the project".to_owned(),
                        advice: "Add the key to the project first; Slipway does this before \
                                 creating a server, so run the whole step again",
                    });
                };
                references.push(json!(found.id));
            } else if let Ok(id) = key.parse::<u64>() {
                references.push(json!(id));
            } else {
                references.push(json!(key));
            }
        }
        Ok(references)
    }

    /// A failed create as an error: a 422 names the field and value; a lost reply or a
    /// server failure says a rerun is safe, because the rerun looks for the label
    /// first.
    fn explain_create(&self, failure: Failure, request: &ServerRequest) -> CloudError {
        let action = format!("create server {}", request.name);
        match failure {
            Failure::Refused(refusal) => {
                let problem = Problem::of(&refusal);
                refused_field(&problem, request).unwrap_or_else(|| {
                    self.explain(Failure::Refused(refusal), Method::Post, &action)
                })
            }
            other => API
                .unanswered_create(other, &action, RERUN_IS_SAFE)
                .unwrap_or_else(|other| self.explain(other, Method::Post, &action)),
        }
    }
}

/// Hetzner takes at most 32 KiB of user data, half of what DigitalOcean takes.
fn check_user_data(request: &ServerRequest) -> Result<(), CloudError> {
    match &request.user_data {
        Some(user_data) if user_data.len() > USER_DATA_LIMIT => Err(CloudError::InvalidInput {
            field: "user_data",
            message: format!(
                "the first-boot script is {} bytes; Hetzner Cloud takes at most \
                 {USER_DATA_LIMIT}",
                user_data.len()
            ),
        }),
        _ => Ok(()),
    }
}

/// The body of `POST /servers`: only fields the API documents.
fn create_body(request: &ServerRequest, project_id: &str, ssh_keys: &[Value]) -> Value {
    let mut body = json!({
        "name": request.name,
        "server_type": request.size,
        "image": request.image,
        "location": request.region,
        "ssh_keys": ssh_keys,
        "labels": server_labels(project_id),
        "start_after_create": true,
        "public_net": {"enable_ipv4": true, "enable_ipv6": request.ipv6},
    });
    if let Some(user_data) = &request.user_data {
        body["user_data"] = json!(user_data);
    }
    body
}

/// Whether `text` is an MD5 fingerprint: 16 hex bytes separated by colons.
fn is_md5_fingerprint(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    parts.len() == 16
        && parts
            .iter()
            .all(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A create refused over one field of the request, by Hetzner's code and
/// `details.fields`.
fn refused_field(problem: &Problem, request: &ServerRequest) -> Option<CloudError> {
    let field = |field, value: &str, advice| CloudError::InvalidField {
        provider: PROVIDER,
        field,
        value: value.to_owned(),
        message: problem.with_fields(),
        advice,
    };
    match problem.code.as_str() {
        "resource_unavailable" | "placement_error" => Some(field(
            "location",
            &request.region,
            "That server type is not available in this location right now; pick another \
             location (or another server type)",
        )),
        "uniqueness_error" => Some(field(
            "name",
            &request.name,
            "Another server in the project already has this name but not the project's \
             label: choose another name, or rename or destroy that server in the Cloud \
             Console",
        )),
        "invalid_input" => {
            let has = |name: &str| {
                problem.fields.iter().any(|f| f.name == name)
                    || problem.message.contains(&format!("'{name}'"))
            };
            if has("server_type") {
                Some(field(
                    "server_type",
                    &request.size,
                    "Pick one of the server types Slipway lists for the location",
                ))
            } else if has("image") {
                Some(field(
                    "image",
                    &request.image,
                    "Pick one of the images Slipway lists; Hetzner names them like debian-12 \
                     or ubuntu-24.04",
                ))
            } else if has("location") {
                Some(field(
                    "location",
                    &request.region,
                    "Pick one of the locations Slipway lists",
                ))
            } else if has("name") {
                Some(field(
                    "name",
                    &request.name,
                    "Use letters, digits, '-' and '.' only",
                ))
            } else if has("ssh_keys") {
                Some(field(
                    "ssh_keys",
                    &request.ssh_keys.join(", "),
                    "Add the key to the project first; Slipway does this before creating a \
                     server, so run the whole step again",
                ))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A create or start action that ended in `error`.
fn action_failed(id: ServerId, action: &WireAction) -> CloudError {
    let (code, message) = action.error.as_ref().map_or_else(
        || ("unknown".to_owned(), "no reason given".to_owned()),
        |error| (error.code.clone(), error.message.clone()),
    );
    let what = match action.command.as_str() {
        "" => format!("finish setting up server {id}"),
        command => format!(
            "{} server {id}",
            command.replace('_', " ").replace(" server", "")
        ),
    };
    CloudError::ActionFailed {
        provider: PROVIDER,
        action: what,
        code,
        message,
        advice: "Look at the server in Hetzner's Cloud Console: destroy it there (or with \
                 Slipway) and create it again; if it fails again, pick another location",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ProjectTag;

    fn request() -> ServerRequest {
        ServerRequest {
            project: ProjectTag::new("shop").expect("a project id"),
            name: "shop-web".into(),
            region: "fsn1".into(),
            size: "cx22".into(),
            image: "debian-12".into(),
            ssh_keys: vec!["d4:55:27:54:d7:a3:98:ff:2f:a8:bb:97:5c:ca:6d:d4".into()],
            user_data: Some("#cloud-config\n".into()),
            ipv6: true,
        }
    }

    #[test]
    fn the_create_body_labels_the_server_for_its_project() {
        let body = create_body(&request(), "shop", &[json!(7)]);
        assert_eq!(
            body,
            json!({
                "name": "shop-web",
                "server_type": "cx22",
                "image": "debian-12",
                "location": "fsn1",
                "ssh_keys": [7],
                "labels": {"slipway": "true", "slipway-project": "shop"},
                "start_after_create": true,
                "public_net": {"enable_ipv4": true, "enable_ipv6": true},
                "user_data": "#cloud-config\n",
            })
        );
    }

    #[test]
    fn fingerprints_are_told_from_names_and_ids() {
        assert!(is_md5_fingerprint(
            "d4:55:27:54:d7:a3:98:ff:2f:a8:bb:97:5c:ca:6d:d4"
        ));
        assert!(!is_md5_fingerprint("ada@laptop"));
        assert!(!is_md5_fingerprint("12345"));
        assert!(!is_md5_fingerprint("d4:55:27"));
    }

    #[test]
    fn a_failed_action_names_its_command_and_code() {
        let action: WireAction = serde_json::from_value(json!({
            "id": 13, "command": "create_server", "status": "error", "progress": 100,
            "error": {"code": "action_failed", "message": "Action failed"},
        }))
        .expect("an action");
        assert_eq!(
            action_failed(ServerId(42), &action).to_string(),
            "Hetzner Cloud could not create server 42: Action failed (action_failed). Look at \
             the server in Hetzner's Cloud Console: destroy it there (or with Slipway) and \
             create it again; if it fails again, pick another location"
        );
    }

    #[test]
    fn too_much_user_data_is_refused_before_asking() {
        let big = ServerRequest {
            user_data: Some("x".repeat(USER_DATA_LIMIT + 1)),
            ..request()
        };
        let error = check_user_data(&big).expect_err("too big");
        assert!(error.to_string().starts_with("user_data: "), "{error}");
        check_user_data(&request()).expect("small enough");
    }
}
