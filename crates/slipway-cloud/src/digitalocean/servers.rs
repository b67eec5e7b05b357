//! Droplets and SSH keys.

use std::time::Duration;

use serde_json::json;

use super::wire::{
    AccountEnvelope, DropletEnvelope, KeyEnvelope, WireDroplet, WireImage, WireKey, WireRegion,
    WireSize,
};
use super::{API, DigitalOcean, PROVIDER, provider_message};
use crate::error::CloudError;
use crate::http::{Failure, Method};
use crate::server::{
    Account, Catalogue, EnsuredKey, ProjectTag, Provision, Provisioned, SLIPWAY_TAG, Server,
    ServerId, ServerProvider, ServerRequest, SshKey, WaitProgress, poll_until_ready,
    server_to_destroy, the_only_server,
};
use crate::ssh_key::PublicKey;

impl ServerProvider for DigitalOcean {
    fn check_token(&self) -> Result<Account, CloudError> {
        let envelope: AccountEnvelope = self.get("/v2/account", &[], "check the API token")?;
        Ok(envelope.account.into())
    }

    fn catalogue(&self) -> Result<Catalogue, CloudError> {
        let regions: Vec<WireRegion> =
            self.list("/v2/regions", &[], "regions", "list the regions")?;
        let sizes: Vec<WireSize> = self.list("/v2/sizes", &[], "sizes", "list the sizes")?;
        let images: Vec<WireImage> = self.list(
            "/v2/images",
            &[("type", "distribution")],
            "images",
            "list the images",
        )?;
        Ok(Catalogue::new(
            regions.into_iter().map(Into::into).collect(),
            sizes.into_iter().map(Into::into).collect(),
            images
                .into_iter()
                .filter_map(WireImage::into_image)
                .collect(),
        ))
    }

    fn ensure_ssh_key(&self, name: &str, key: &PublicKey) -> Result<EnsuredKey, CloudError> {
        let fingerprint = key.md5_fingerprint();
        // By fingerprint first: one read, and no upload when the key is there.
        if let Some(found) = self.key_by_fingerprint(&fingerprint)? {
            return Ok(EnsuredKey {
                key: found,
                provision: Provision::Found,
            });
        }
        let action = "add the SSH key";
        let url = self.client.api_url("/v2/account/keys", &[]);
        let body = json!({"name": name, "public_key": key.to_openssh()});
        match self
            .client
            .send_json::<KeyEnvelope>(Method::Post, &url, Some(&body))
        {
            Ok(envelope) => Ok(EnsuredKey {
                key: envelope.ssh_key.into(),
                provision: Provision::Created,
            }),
            Err(Failure::Refused(refusal))
                if refusal.status == 422
                    && provider_message(&refusal)
                        .1
                        .to_lowercase()
                        .contains("already in use") =>
            {
                // The account has it although the lookup missed it (another team
                // member's upload, a lookup rate-limited away): use it.
                let found = self.key_in_list(key)?.unwrap_or(SshKey {
                    id: None,
                    name: name.to_owned(),
                    fingerprint,
                });
                Ok(EnsuredKey {
                    key: found,
                    provision: Provision::Found,
                })
            }
            Err(failure) => Err(self.explain(failure, Method::Post, action)),
        }
    }

    fn find_server(&self, project: &ProjectTag) -> Result<Option<Server>, CloudError> {
        let droplets: Vec<WireDroplet> = self.list(
            "/v2/droplets",
            &[("tag_name", project.as_str())],
            "droplets",
            "look for the project's server",
        )?;
        the_only_server(
            project.as_str().to_owned(),
            droplets.into_iter().map(Server::from).collect(),
        )
    }

    fn create_server(&self, request: &ServerRequest) -> Result<Provisioned, CloudError> {
        request.validate()?;
        // Looking first is what makes a rerun safe: after a lost reply, a timeout or a
        // crash, the server made last time carries the project's tag.
        if let Some(server) = self.find_server(&request.project)? {
            return Ok(Provisioned {
                server,
                provision: Provision::Found,
            });
        }
        let url = self.client.api_url("/v2/droplets", &[]);
        let body = create_body(request);
        match self
            .client
            .send_json::<DropletEnvelope>(Method::Post, &url, Some(&body))
        {
            Ok(envelope) => Ok(Provisioned {
                server: envelope.droplet.into(),
                provision: Provision::Created,
            }),
            Err(failure) => Err(explain_create(self, failure, request)),
        }
    }

    fn wait_until_ready(
        &self,
        id: ServerId,
        timeout: Duration,
        progress: &mut dyn FnMut(&WaitProgress),
    ) -> Result<Server, CloudError> {
        poll_until_ready(
            self.client.clock().as_ref(),
            self.poll_interval,
            timeout,
            progress,
            || self.server(id),
        )
    }

    fn destroy_server(&self, id: ServerId, confirmation: &str) -> Result<(), CloudError> {
        let Some(server) = server_to_destroy(self.server(id), confirmation)? else {
            return Ok(());
        };
        let action = format!("destroy server {}", server.name);
        let url = self.client.api_url(&format!("/v2/droplets/{id}"), &[]);
        match self.client.send(Method::Delete, &url, None) {
            Ok(_) => Ok(()),
            Err(failure) if failure.is_status(404) => Ok(()),
            Err(failure) => Err(self.explain(failure, Method::Delete, &action)),
        }
    }
}

impl DigitalOcean {
    /// One droplet, or [`CloudError::NotFound`].
    fn server(&self, id: ServerId) -> Result<Server, CloudError> {
        let action = format!("look at server {id}");
        let url = self.client.api_url(&format!("/v2/droplets/{id}"), &[]);
        match self
            .client
            .send_json::<DropletEnvelope>(Method::Get, &url, None)
        {
            Ok(envelope) => Ok(envelope.droplet.into()),
            Err(failure) if failure.is_status(404) => Err(CloudError::NotFound {
                provider: PROVIDER,
                what: format!("server {id}"),
                advice: "It was destroyed, or it belongs to another account or team.".to_owned(),
            }),
            Err(failure) => Err(self.explain(failure, Method::Get, &action)),
        }
    }

    /// The key with this fingerprint, if the account has it.
    fn key_by_fingerprint(&self, fingerprint: &str) -> Result<Option<SshKey>, CloudError> {
        let url = self
            .client
            .api_url(&format!("/v2/account/keys/{fingerprint}"), &[]);
        match self
            .client
            .send_json::<KeyEnvelope>(Method::Get, &url, None)
        {
            Ok(envelope) => Ok(Some(envelope.ssh_key.into())),
            Err(failure) if failure.is_status(404) => Ok(None),
            Err(failure) => Err(self.explain(failure, Method::Get, "look up the SSH key")),
        }
    }

    /// The same key in the account's list, compared by key data.
    fn key_in_list(&self, key: &PublicKey) -> Result<Option<SshKey>, CloudError> {
        let keys: Vec<WireKey> =
            self.list("/v2/account/keys", &[], "ssh_keys", "list the SSH keys")?;
        let fingerprint = key.md5_fingerprint();
        Ok(keys
            .into_iter()
            .find(|listed| {
                listed.fingerprint == fingerprint
                    || PublicKey::parse(&listed.public_key).is_ok_and(|other| other.same_key(key))
            })
            .map(SshKey::from))
    }
}

/// The body of `POST /v2/droplets`: only fields the API documents for a single droplet.
fn create_body(request: &ServerRequest) -> serde_json::Value {
    let mut body = json!({
        "name": request.name,
        "region": request.region,
        "size": request.size,
        "image": request.image,
        "ssh_keys": request.ssh_keys,
        "ipv6": request.ipv6,
        "tags": [SLIPWAY_TAG, request.project.as_str()],
    });
    if let Some(user_data) = &request.user_data {
        body["user_data"] = json!(user_data);
    }
    body
}

/// A failed create as an error: a 422 names the field and value; a lost reply or a
/// server failure says a rerun is safe, because the rerun looks for the tag first.
fn explain_create(
    provider: &DigitalOcean,
    failure: Failure,
    request: &ServerRequest,
) -> CloudError {
    let action = format!("create server {}", request.name);
    match failure {
        Failure::Refused(refusal) if refusal.status == 422 => {
            let (id, message) = provider_message(&refusal);
            match refused_field(&message, request) {
                Some((field, value, advice)) => CloudError::InvalidField {
                    provider: PROVIDER,
                    field,
                    value,
                    message,
                    advice,
                },
                None => CloudError::Refused {
                    provider: PROVIDER,
                    action,
                    status: 422,
                    id,
                    message,
                },
            }
        }
        other => API
            .unanswered_create(other, &action, RERUN_IS_SAFE)
            .unwrap_or_else(|other| provider.explain(other, Method::Post, &action)),
    }
}

/// Why running a create again after an unclear failure cannot make a second server.
const RERUN_IS_SAFE: &str = "Run the same step again: Slipway first looks for the server \
                             by the project's tag, so it will not create a second one";

/// The request field a 422 on create is about, its value, and what to do: from
/// DigitalOcean's messages ("You specified an invalid image for Droplet creation.",
/// "Region is not available", "… are invalid key identifiers for Droplet creation.").
fn refused_field(
    message: &str,
    request: &ServerRequest,
) -> Option<(&'static str, String, &'static str)> {
    let message = message.to_lowercase();
    if message.contains("key identifier") || message.contains("ssh key") {
        Some((
            "ssh_keys",
            request.ssh_keys.join(", "),
            "Add the key to the account first; Slipway does this before creating a server, \
             so run the whole step again",
        ))
    } else if message.contains("image") {
        Some((
            "image",
            request.image.clone(),
            "Pick one of the images Slipway lists for the region: DigitalOcean retires old \
             image names",
        ))
    } else if message.contains("size") {
        Some((
            "size",
            request.size.clone(),
            "Pick one of the sizes Slipway lists for the region",
        ))
    } else if message.contains("region") {
        Some((
            "region",
            request.region.clone(),
            "Pick another region: this one is not taking new servers right now",
        ))
    } else if message.contains("name") {
        Some((
            "name",
            request.name.clone(),
            "Use letters, digits, '-' and '.' only",
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ServerRequest {
        ServerRequest {
            project: ProjectTag::new("shop").expect("a project id"),
            name: "shop-web".into(),
            region: "nyc2".into(),
            size: "s-1vcpu-1gb".into(),
            image: "ubuntu-18-04-x64".into(),
            ssh_keys: vec!["d4:55".into()],
            user_data: None,
            ipv6: false,
        }
    }

    #[test]
    fn create_refusals_name_the_field_and_value() {
        let cases = [
            (
                "You specified an invalid image for Droplet creation.",
                "image",
                "ubuntu-18-04-x64",
            ),
            (
                "You specified an invalid region for Droplet creation.",
                "region",
                "nyc2",
            ),
            ("Region is not available", "region", "nyc2"),
            (
                "Size is not available in this region.",
                "size",
                "s-1vcpu-1gb",
            ),
            (
                "d4:55 are invalid key identifiers for Droplet creation.",
                "ssh_keys",
                "d4:55",
            ),
        ];
        for (message, field, value) in cases {
            let (got_field, got_value, _) = refused_field(message, &request()).expect(message);
            assert_eq!((got_field, got_value.as_str()), (field, value), "{message}");
        }
        assert!(refused_field("Something else.", &request()).is_none());
    }

    #[test]
    fn the_create_body_tags_the_server_for_its_project() {
        let body = create_body(&ServerRequest {
            user_data: Some("#cloud-config\n".into()),
            ..request()
        });
        assert_eq!(body["tags"], json!(["slipway", "slipway-project-shop"]));
        assert_eq!(body["user_data"], json!("#cloud-config\n"));
        assert_eq!(body["name"], json!("shop-web"));
    }
}
