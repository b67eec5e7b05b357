//! Rate limits and server failures: waited out as the provider says, within a budget.

use std::time::Duration;

use slipway_cloud::fake::{FakeDigitalOcean, Fault};
use slipway_cloud::{CloudError, ServerProvider};

use crate::client;

fn statuses(fake: &FakeDigitalOcean) -> Vec<Option<u16>> {
    fake.exchanges()
        .iter()
        .map(|exchange| exchange.status)
        .collect()
}

#[test]
fn a_rate_limit_is_waited_out_as_retry_after_says() {
    let fake = FakeDigitalOcean::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::RateLimit {
        times: 2,
        retry_after_secs: Some(2),
        reset_in_secs: 40,
    });
    provider.check_token().expect("the third try succeeds");
    assert_eq!(clock.sleeps(), [Duration::from_secs(2); 2]);
    assert_eq!(statuses(&fake), [Some(429), Some(429), Some(200)]);
}

#[test]
fn without_retry_after_the_client_waits_until_ratelimit_reset() {
    let fake = FakeDigitalOcean::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::RateLimit {
        times: 1,
        retry_after_secs: None,
        reset_in_secs: 5,
    });
    provider.check_token().expect("the second try succeeds");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1);
    // The reset is in whole epoch seconds, so the wait is 4 to 6 s.
    assert!(
        (Duration::from_secs(4)..=Duration::from_secs(6)).contains(&sleeps[0]),
        "{sleeps:?}"
    );
}

#[test]
fn a_rate_limit_longer_than_the_budget_is_reported_with_the_wait() {
    let fake = FakeDigitalOcean::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::RateLimit {
        times: 1,
        retry_after_secs: Some(3600),
        reset_in_secs: 3600,
    });
    let error = provider
        .check_token()
        .expect_err("an hour is too long to wait");
    assert!(
        matches!(
            error,
            CloudError::RateLimited {
                retry_in_secs: Some(3600),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "DigitalOcean is limiting how fast this token may call its API (API Rate limit \
         exceeded.). Wait 3600 s and try again"
    );
    assert!(clock.sleeps().is_empty());
}

#[test]
fn a_server_error_is_retried_after_a_backoff() {
    let fake = FakeDigitalOcean::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::ServerError { times: 1 });
    let catalogue = provider.catalogue().expect("the retry succeeds");
    assert!(!catalogue.regions().is_empty());
    assert_eq!(clock.sleeps(), [Duration::from_secs(1)]);
    assert_eq!(statuses(&fake)[..2], [Some(500), Some(200)]);
}

#[test]
fn persistent_server_errors_give_up_after_the_retries() {
    let fake = FakeDigitalOcean::start();
    let (provider, clock) = client(&fake);
    fake.inject(Fault::ServerError { times: 10 });
    let error = provider
        .check_token()
        .expect_err("DigitalOcean keeps failing");
    assert!(
        matches!(error, CloudError::ProviderFailure { status: 500, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("try again in a few minutes"),
        "{error}"
    );
    let secs: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
    assert_eq!(secs, [1, 2, 4, 8], "exponential backoff, four retries");
    assert_eq!(fake.exchanges().len(), 5);
}
