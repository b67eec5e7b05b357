//! Refusals explained in the user's terms, and never with the token in them.

use std::sync::Arc;
use std::time::Duration;

use slipway_cloud::clock::ManualClock;
use slipway_cloud::fake::{FakeDigitalOcean, Fault};
use slipway_cloud::{CloudError, DigitalOcean, DigitalOceanConfig, PublicKey, ServerProvider};
use slipway_secrets::Secret;

use crate::{KEY, client, client_with, request};

const CANARY: &str = "dop_v1_canary0123456789abcdef0123456789abcdef0123456789abcdef0123";

#[test]
fn an_invalid_token_is_explained() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client_with(&fake, Secret::new(CANARY.to_owned()));
    let error = provider.check_token().expect_err("an unknown token");
    assert!(
        matches!(error, CloudError::InvalidToken { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "DigitalOcean does not accept the API token: it is invalid or revoked (Unable to \
         authenticate you.). Create a new token at \
         https://cloud.digitalocean.com/account/api/tokens and store it in Slipway again"
    );
}

#[test]
fn a_valid_token_names_the_account() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let account = provider.check_token().expect("a valid token");
    assert_eq!(account.email, "ada@example.com");
    assert_eq!(account.team.as_deref(), Some("My Team"));
    assert_eq!(account.status, "active");
}

#[test]
fn a_read_only_token_passes_the_check_but_changes_are_explained() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client_with(&fake, fake.read_only_token());
    provider.check_token().expect("reading works");
    let error = provider
        .ensure_ssh_key("slipway", &PublicKey::parse(KEY).expect("a key"))
        .expect_err("uploading needs write scope");
    assert!(
        matches!(error, CloudError::ReadOnlyToken { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "DigitalOcean refused to add the SSH key: the token is read-only: create one with write \
         scope at https://cloud.digitalocean.com/account/api/tokens and store it in Slipway \
         again (DigitalOcean said: You do not have access for the attempted action.)"
    );
    let error = provider
        .create_server(&request("shop"))
        .expect_err("creating needs write scope");
    assert!(
        matches!(error, CloudError::ReadOnlyToken { .. }),
        "{error:?}"
    );
    assert!(fake.ssh_keys().is_empty() && fake.droplets().is_empty());
}

#[test]
fn an_invalid_image_names_the_field_and_the_value() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let mut wanted = request("shop");
    wanted.image = "ubuntu-18-04-x64".into();
    let error = provider
        .create_server(&wanted)
        .expect_err("a retired image");
    assert_eq!(
        error.to_string(),
        "DigitalOcean refused image \"ubuntu-18-04-x64\": You specified an invalid image for \
         Droplet creation. Pick one of the images Slipway lists for the region: DigitalOcean \
         retires old image names"
    );
    assert!(fake.droplets().is_empty());
}

#[test]
fn an_unavailable_region_names_the_field_and_the_value() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let mut wanted = request("shop");
    wanted.region = "nyc2".into();
    let error = provider
        .create_server(&wanted)
        .expect_err("a closed region");
    match &error {
        CloudError::InvalidField { field, value, .. } => {
            assert_eq!((*field, value.as_str()), ("region", "nyc2"));
        }
        other => panic!("expected InvalidField, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "DigitalOcean refused region \"nyc2\": Region is not available Pick another region: \
         this one is not taking new servers right now"
    );
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let mut wanted = request("shop");
    wanted.name = "shop web".into();
    let error = provider
        .create_server(&wanted)
        .expect_err("a name with a space");
    assert!(
        error
            .to_string()
            .starts_with("name: \"shop web\" cannot be a server name"),
        "{error}"
    );
    assert!(fake.exchanges().is_empty());
}

/// Every error a token can meet, from a client holding `token`.
fn errors_with(fake: &FakeDigitalOcean, token: &Secret<String>) -> Vec<CloudError> {
    let (provider, _) = client_with(fake, token.clone());
    let key = PublicKey::parse(KEY).expect("a key");
    let mut errors = Vec::new();
    errors.extend(provider.ensure_ssh_key("slipway", &key).err());
    let mut wanted = request("canary");
    wanted.image = "ubuntu-18-04-x64".into();
    errors.extend(provider.create_server(&wanted).err());
    fake.inject(Fault::RateLimit {
        times: 1,
        retry_after_secs: Some(3600),
        reset_in_secs: 3600,
    });
    errors.extend(provider.check_token().err());
    fake.inject(Fault::ServerError { times: 10 });
    errors.extend(provider.check_token().err());
    errors
}

#[test]
fn errors_never_contain_the_token() {
    let fake = FakeDigitalOcean::start();
    let tokens = [
        Secret::new(CANARY.to_owned()),
        fake.read_only_token(),
        fake.token(),
    ];
    let mut errors = Vec::new();
    for token in &tokens {
        errors.extend(errors_with(&fake, token));
    }
    // Nothing listens on a port just released: the connection is refused.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("an address")
    };
    let mut config = DigitalOceanConfig::new(Secret::new(CANARY.to_owned()));
    config.base_url = format!("http://{closed}").parse().expect("a URL");
    config.timeout = Duration::from_secs(2);
    let offline = DigitalOcean::new(config, Arc::new(ManualClock::new())).expect("a client");
    errors.extend(offline.check_token().err());
    assert!(errors.len() >= 10, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|error| matches!(error, CloudError::Unreachable { .. }))
    );
    for error in &errors {
        let shown = format!("{error} {error:?}");
        for token in &tokens {
            assert!(
                !shown.contains(token.expose().as_str()),
                "the token leaked: {shown}"
            );
        }
        assert!(!shown.contains("dop_v1_"), "a token leaked: {shown}");
    }
    // A client's own debug output hides the token too.
    let (provider, _) = client(&fake);
    assert!(!format!("{provider:?}").contains(fake.token().expose().as_str()));
}
