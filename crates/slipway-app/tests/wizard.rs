//! The wizard's provider and keychain calls against the fake DigitalOcean and an
//! in-memory keychain: a token is kept only once the provider accepts it.

use slipway_app::AppError;
use slipway_app::cloud::Endpoints;
use slipway_app::wizard;
use slipway_cloud::fake::FakeDigitalOcean;
use slipway_secrets::{MemoryStore, Secret, SecretKey, SecretStore};
use slipway_spec::ServerProvider;

fn endpoints(fake: &FakeDigitalOcean) -> Endpoints {
    Endpoints {
        digitalocean: Some(fake.base_url()),
        ..Endpoints::default()
    }
}

fn stored(store: &MemoryStore, name: &str) -> Option<String> {
    let key = SecretKey::new("shop".to_owned(), name).expect("a key");
    store
        .get(&key)
        .expect("readable")
        .map(|secret| secret.expose().clone())
}

#[test]
fn an_accepted_token_is_kept_and_fills_the_pickers() {
    let fake = FakeDigitalOcean::start();
    let store = MemoryStore::new();
    let token = fake.token();
    let offer = wizard::server_offer(
        "shop",
        ServerProvider::DigitalOcean,
        Some(token.clone()),
        &store,
        &endpoints(&fake),
    )
    .expect("an offer");
    assert_eq!(offer.currency, "USD");
    let fra1 = offer
        .regions
        .iter()
        .find(|r| r.slug == "fra1")
        .expect("fra1 is offered");
    let prices: Vec<f64> = fra1.sizes.iter().map(|s| s.price_monthly).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(fra1.images.iter().any(|i| i.label == "Debian 12"));
    assert!(
        offer.regions.iter().all(|r| r.slug != "nyc2"),
        "a closed region is not offered"
    );
    assert_eq!(
        stored(&store, "digitalocean-token").as_deref(),
        Some(token.expose().as_str())
    );

    // The stored token serves the next look.
    let again = wizard::server_offer(
        "shop",
        ServerProvider::DigitalOcean,
        None,
        &store,
        &endpoints(&fake),
    )
    .expect("an offer with the stored token");
    assert_eq!(again, offer);
}

#[test]
fn a_refused_token_is_kept_nowhere_and_named_in_the_error() {
    let fake = FakeDigitalOcean::start();
    let store = MemoryStore::new();
    let error = wizard::server_offer(
        "shop",
        ServerProvider::DigitalOcean,
        Some(Secret::new("dop_v1_not-a-real-token".to_owned())),
        &store,
        &endpoints(&fake),
    )
    .expect_err("refused");
    let text = error.to_string();
    assert!(text.contains("does not accept the API token"), "{text}");
    assert!(!text.contains("not-a-real-token"), "{text}");
    assert_eq!(stored(&store, "digitalocean-token"), None);
    let missing = wizard::server_offer(
        "shop",
        ServerProvider::DigitalOcean,
        None,
        &store,
        &endpoints(&fake),
    )
    .expect_err("no token stored");
    assert!(
        matches!(missing, AppError::MissingSecret { .. }),
        "{missing:?}"
    );
}

#[test]
fn secrets_are_reported_set_or_not_and_an_empty_one_is_refused() {
    let store = MemoryStore::new();
    wizard::store_secret(
        &store,
        "shop",
        "slack-webhook",
        &Secret::new("https://hooks.slack.com/services/T0/B0/x".to_owned()),
    )
    .expect("stored");
    let states = wizard::secret_states(
        &store,
        "shop",
        &["slack-webhook".to_owned(), "twilio-token".to_owned()],
    )
    .expect("states");
    let set: Vec<(&str, bool)> = states.iter().map(|s| (s.name.as_str(), s.set)).collect();
    assert_eq!(set, [("slack-webhook", true), ("twilio-token", false)]);
    let error = wizard::store_secret(&store, "shop", "twilio-token", &Secret::new("  ".into()))
        .expect_err("empty");
    assert!(error.to_string().contains("the value is empty"), "{error}");
    assert_eq!(stored(&store, "twilio-token"), None);
}

#[test]
fn the_login_key_is_made_once_and_only_its_public_half_comes_back() {
    let store = MemoryStore::default();
    let mut spec = slipway_spec::Spec::default();
    spec.app.name = "shop".into();
    assert_eq!(
        wizard::login_key(&store, &spec, false).expect("asks"),
        None,
        "no key yet, none made"
    );
    assert_eq!(stored(&store, "ssh-key"), None);
    let made = wizard::login_key(&store, &spec, true)
        .expect("makes")
        .expect("a key");
    assert!(made.line.starts_with("ssh-ed25519 "), "{}", made.line);
    assert!(
        made.fingerprint.starts_with("SHA256:"),
        "{}",
        made.fingerprint
    );
    let private = stored(&store, "ssh-key").expect("kept in the store");
    assert!(
        private.contains("PRIVATE KEY"),
        "the store holds the private half"
    );
    assert!(!made.line.contains("PRIVATE"));
    let again = wizard::login_key(&store, &spec, true)
        .expect("asks again")
        .expect("the same key");
    assert_eq!(again, made, "an existing key is never replaced");
    assert_eq!(stored(&store, "ssh-key").as_deref(), Some(private.as_str()));
}
