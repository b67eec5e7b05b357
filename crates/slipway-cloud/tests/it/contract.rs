//! The fake really checks: its validator against DigitalOcean's own request schemas, and
//! the fake's answer to a request off the contract.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use slipway_cloud::clock::ManualClock;
use slipway_cloud::fake::FakeDigitalOcean;
use slipway_cloud::fake::openapi::Contract;
use slipway_cloud::http::{Client, ClientConfig, Failure, Method, RetryPolicy};

fn contract() -> Arc<Contract> {
    Contract::shared().expect("DigitalOcean's OpenAPI document")
}

fn create_violations(body: &serde_json::Value) -> Vec<String> {
    let contract = contract();
    let operation = contract
        .operation("POST", "/v2/droplets")
        .expect("droplets_create");
    assert_eq!(operation.id, "droplets_create");
    contract
        .check_request(&operation, &[], Some(body))
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn good_create() -> serde_json::Value {
    json!({"name": "shop-web", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "debian-12-x64",
           "ssh_keys": ["d4:55:27:54:d7:a3:98:ff:2f:a8:bb:97:5c:ca:6d:d4", 512_189],
           "tags": ["slipway"], "ipv6": false})
}

#[test]
fn the_validator_accepts_a_documented_create_body() {
    assert_eq!(create_violations(&good_create()), Vec::<String>::new());
}

#[test]
fn the_validator_rejects_unknown_and_invalid_fields() {
    let mut unknown = good_create();
    unknown["tag"] = json!("slipway");
    assert_eq!(
        create_violations(&unknown),
        ["$.tag: unknown field `tag`: the API does not document it here"]
    );

    let mut invalid = good_create();
    invalid["name"] = json!("shop web!");
    invalid["ipv6"] = json!("yes");
    let found = create_violations(&invalid);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("matches none of the oneOf choices"),
        "{found:?}"
    );
    assert!(found[0].contains("does not match"), "{found:?}");
    assert!(
        found[0].contains("$.ipv6: expected boolean, found string"),
        "{found:?}"
    );

    let mut missing = good_create();
    missing.as_object_mut().expect("an object").remove("size");
    let found = create_violations(&missing);
    assert!(
        found[0].contains("the required field `size` is missing"),
        "{found:?}"
    );

    let mut deprecated = good_create();
    deprecated["private_networking"] = json!(true);
    let found = create_violations(&deprecated);
    assert!(
        found[0].contains("`private_networking` is deprecated"),
        "{found:?}"
    );
}

#[test]
fn query_and_path_parameters_are_checked_too() {
    let contract = contract();
    let list = contract
        .operation("GET", "/v2/droplets")
        .expect("droplets_list");
    let query = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert!(
        contract
            .check_request(
                &list,
                &query(&[("tag_name", "slipway"), ("per_page", "200")]),
                None
            )
            .is_empty()
    );
    let found = contract.check_request(&list, &query(&[("per_page", "500"), ("tags", "x")]), None);
    let found: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "parameter per_page: 500 is above the maximum 200",
            "query.tags: `tags` is not a query parameter of droplets_list",
        ]
    );
    // A literal segment wins over a parameter.
    let by_tag = contract
        .operation("POST", "/v2/droplets/actions")
        .expect("an operation");
    assert_eq!(by_tag.id, "dropletActions_post_byTag");
    let one = contract
        .operation("GET", "/v2/droplets/abc")
        .expect("droplets_get");
    let found = contract.check_request(&one, &[], None);
    assert_eq!(found.len(), 1, "{found:?}");
}

/// A raw client for the fake, to send what the provider code never would.
fn raw_client(fake: &FakeDigitalOcean) -> Client {
    Client::new(
        ClientConfig {
            base_url: fake.base_url(),
            token: fake.token(),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        },
        Arc::new(ManualClock::new()),
    )
    .expect("a client")
}

#[test]
fn the_fake_answers_422_and_records_a_violation_for_a_body_off_the_contract() {
    let fake = FakeDigitalOcean::start();
    let client = raw_client(&fake);
    let mut body = good_create();
    body["tag"] = json!("slipway");
    let url = client.url("/v2/droplets", &[]);
    let Err(Failure::Refused(refusal)) = client.send(Method::Post, &url, Some(&body)) else {
        panic!("the fake should refuse the body");
    };
    assert_eq!(refusal.status, 422);
    let reply: serde_json::Value = serde_json::from_slice(&refusal.body).expect("JSON");
    assert_eq!(reply["id"], "unprocessable_entity");
    assert_eq!(
        reply["message"],
        "$.tag: unknown field `tag`: the API does not document it here"
    );
    assert!(fake.droplets().is_empty(), "nothing was created");
    let violations = fake.take_violations();
    assert_eq!(
        violations,
        ["POST /v2/droplets: $.tag: unknown field `tag`: the API does not document it here"]
    );
}

#[test]
fn an_undocumented_request_is_a_violation() {
    let fake = FakeDigitalOcean::start();
    let client = raw_client(&fake);
    let url = client.url("/v2/servers", &[]);
    let Err(Failure::Refused(refusal)) = client.send(Method::Get, &url, None) else {
        panic!("no such path");
    };
    assert_eq!(refusal.status, 404);
    let url = client.url("/v2/account", &[]);
    let Err(Failure::Refused(refusal)) = client.send(Method::Delete, &url, None) else {
        panic!("no such method");
    };
    assert_eq!(refusal.status, 404);
    assert_eq!(
        fake.take_violations(),
        [
            "GET /v2/servers: no such path in the API",
            "DELETE /v2/account: the method is not documented for this path",
        ]
    );
}

#[test]
#[should_panic(expected = "break the API contract")]
fn a_fake_with_unclaimed_violations_fails_the_test_when_dropped() {
    let fake = FakeDigitalOcean::start();
    let client = raw_client(&fake);
    let url = client.url("/v2/account/keys", &[]);
    let _ = client.send(Method::Post, &url, Some(&json!({"name": "k"})));
    drop(fake);
}

#[test]
fn the_create_action_completes_when_the_droplet_is_active() {
    let fake = FakeDigitalOcean::start();
    let client = raw_client(&fake);
    let created = client
        .send(
            Method::Post,
            &client.url("/v2/droplets", &[]),
            Some(&good_create_without_keys()),
        )
        .expect("created");
    assert_eq!(created.status, 202);
    let reply: serde_json::Value = created.json().expect("JSON");
    assert_eq!(reply["droplet"]["status"], "new");
    assert_eq!(reply["droplet"]["networks"], json!({"v4": [], "v6": []}));
    let link = reply["links"]["actions"][0]["href"]
        .as_str()
        .expect("an action link");
    let action = client.follow(link).expect("a link to the same API");
    let status = |client: &Client| -> serde_json::Value {
        let reply: serde_json::Value = client
            .send(Method::Get, &action, None)
            .expect("the action")
            .json()
            .expect("JSON");
        reply["action"]["status"].clone()
    };
    assert_eq!(status(&client), "in-progress");
    let droplet = client.url(&format!("/v2/droplets/{}", reply["droplet"]["id"]), &[]);
    for _ in 0..2 {
        client.send(Method::Get, &droplet, None).expect("a look");
    }
    assert_eq!(status(&client), "completed");
}

#[test]
fn links_to_another_host_are_not_followed() {
    let fake = FakeDigitalOcean::start();
    let client = raw_client(&fake);
    let Err(Failure::ForeignLink(origin)) =
        client.follow("https://attacker.example/v2/droplets?page=2")
    else {
        panic!("a link to another host must be refused");
    };
    assert_eq!(origin, "https://attacker.example");
}

fn good_create_without_keys() -> serde_json::Value {
    let mut body = good_create();
    body["ssh_keys"] = json!([]);
    body
}
