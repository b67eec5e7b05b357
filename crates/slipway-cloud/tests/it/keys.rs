//! Making sure the SSH key is on the account without uploading it twice.

use slipway_cloud::fake::{FakeDigitalOcean, Fault};
use slipway_cloud::{Provision, PublicKey, ServerProvider};

use crate::{KEY, KEY_MD5, client};

fn key() -> PublicKey {
    PublicKey::parse(KEY).expect("a key")
}

#[test]
fn a_key_already_on_the_account_is_found_by_fingerprint_without_an_upload() {
    let fake = FakeDigitalOcean::start();
    let id = fake.add_ssh_key("laptop", KEY);
    let (provider, _) = client(&fake);

    let ensured = provider.ensure_ssh_key("slipway", &key()).expect("the key");
    assert_eq!(ensured.provision, Provision::Found);
    assert_eq!(ensured.key.id, Some(id));
    assert_eq!(
        ensured.key.name, "laptop",
        "the name on the account is kept"
    );
    assert_eq!(ensured.key.fingerprint, KEY_MD5);
    assert_eq!(fake.count("GET", &format!("/v2/account/keys/{KEY_MD5}")), 1);
    assert_eq!(fake.count("POST", "/v2/account/keys"), 0);
}

#[test]
fn a_new_key_is_uploaded_once() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);

    let first = provider
        .ensure_ssh_key("slipway", &key())
        .expect("uploaded");
    assert_eq!(first.provision, Provision::Created);
    assert_eq!(
        first.key.fingerprint, KEY_MD5,
        "DigitalOcean's fingerprint is ours"
    );
    let second = provider.ensure_ssh_key("slipway", &key()).expect("found");
    assert_eq!(second.provision, Provision::Found);
    assert_eq!(second.key.id, first.key.id);
    assert_eq!(fake.ssh_keys().len(), 1);
    assert_eq!(fake.count("POST", "/v2/account/keys"), 1);
}

#[test]
fn already_in_use_is_treated_as_found() {
    let fake = FakeDigitalOcean::start();
    let id = fake.add_ssh_key("laptop", KEY);
    fake.inject(Fault::MissNextKeyLookup);
    let (provider, _) = client(&fake);

    let ensured = provider.ensure_ssh_key("slipway", &key()).expect("the key");
    assert_eq!(ensured.provision, Provision::Found);
    assert_eq!(ensured.key.id, Some(id), "found in the account's list");
    assert_eq!(fake.ssh_keys().len(), 1);
    let uploads: Vec<Option<u16>> = fake
        .exchanges()
        .iter()
        .filter(|exchange| exchange.method == "POST")
        .map(|exchange| exchange.status)
        .collect();
    assert_eq!(
        uploads,
        [Some(422)],
        "one upload, refused as already in use"
    );
}
