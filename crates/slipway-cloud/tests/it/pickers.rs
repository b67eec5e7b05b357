//! What the region, size and image pickers offer.

use slipway_cloud::fake::FakeDigitalOcean;
use slipway_cloud::{Os, ServerProvider};

use crate::client;

#[test]
fn sizes_are_filtered_by_region_availability_and_sorted_by_price() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let catalogue = provider.catalogue().expect("the catalogue");

    let regions: Vec<&str> = catalogue
        .regions()
        .iter()
        .map(|r| r.slug.as_str())
        .collect();
    assert_eq!(
        regions,
        ["ams3", "fra1", "nyc3"],
        "nyc2 takes no new servers"
    );

    let offer = |region: &str| -> Vec<String> {
        catalogue
            .sizes_in(region)
            .iter()
            .map(|s| {
                format!(
                    "{} ${} {}MiB {}vCPU",
                    s.slug, s.price_monthly, s.memory_mib, s.vcpus
                )
            })
            .collect()
    };
    // fra1 leaves out s-1vcpu-2gb although that size lists fra1.
    assert_eq!(
        offer("fra1"),
        [
            "s-1vcpu-1gb $6 1024MiB 1vCPU",
            "s-1vcpu-2gb-amd $14 2048MiB 1vCPU",
            "s-2vcpu-4gb $24 4096MiB 2vCPU",
            "s-4vcpu-8gb $48 8192MiB 4vCPU",
        ]
    );
    // s-8vcpu-16gb is not available anywhere.
    assert_eq!(
        offer("nyc3"),
        [
            "s-1vcpu-1gb $6 1024MiB 1vCPU",
            "s-1vcpu-2gb $12 2048MiB 1vCPU",
            "s-2vcpu-4gb $24 4096MiB 2vCPU",
            "s-4vcpu-8gb $48 8192MiB 4vCPU",
        ]
    );
    assert!(offer("nyc2").is_empty());
    // Six sizes at two a page: three pages followed.
    assert_eq!(fake.count("GET", "/v2/sizes"), 3);
}

#[test]
fn images_are_filtered_to_supported_distributions() {
    let fake = FakeDigitalOcean::start();
    let (provider, _) = client(&fake);
    let catalogue = provider.catalogue().expect("the catalogue");
    let offer = |region: &str| -> Vec<(Os, String)> {
        catalogue
            .images_in(region)
            .iter()
            .map(|(os, image)| (*os, image.slug.clone()))
            .collect()
    };
    assert_eq!(
        offer("fra1"),
        [
            (Os::Debian12, "debian-12-x64".to_owned()),
            (Os::Ubuntu2404, "ubuntu-24-04-x64".to_owned()),
            (Os::Ubuntu2204, "ubuntu-22-04-x64".to_owned()),
        ]
    );
    let ams3: Vec<Os> = offer("ams3").into_iter().map(|(os, _)| os).collect();
    assert_eq!(
        ams3,
        [Os::Debian12, Os::Ubuntu2404],
        "Ubuntu 22.04 is not offered in ams3"
    );
    let asked = fake
        .exchanges()
        .into_iter()
        .find(|exchange| exchange.path == "/v2/images")
        .expect("the images were listed");
    assert!(
        asked
            .query
            .contains(&("type".to_owned(), "distribution".to_owned()))
    );
}
