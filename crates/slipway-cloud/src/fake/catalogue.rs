//! What the fake sells: a few regions, sizes and distribution images shaped like
//! DigitalOcean's, with the awkward cases the pickers must handle (a region that takes
//! no servers, a size a region does not list, a retired size, unsupported systems).

use serde_json::{Value, json};

/// When the fake's catalogue entries were made.
const CREATED_AT: &str = "2025-04-30T12:00:00Z";

/// Regions: `nyc2` is closed to new servers; `fra1` does not offer `s-1vcpu-2gb`.
pub fn regions() -> Vec<Value> {
    let features = json!([
        "backups",
        "ipv6",
        "metadata",
        "install_agent",
        "storage",
        "image_transfer"
    ]);
    let region = |slug: &str, name: &str, available: bool, sizes: &[&str]| json!({"slug": slug, "name": name, "available": available, "sizes": sizes, "features": features});
    vec![
        region(
            "nyc3",
            "New York 3",
            true,
            &["s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"],
        ),
        region(
            "fra1",
            "Frankfurt 1",
            true,
            &[
                "s-2vcpu-4gb",
                "s-1vcpu-1gb",
                "s-4vcpu-8gb",
                "s-1vcpu-2gb-amd",
            ],
        ),
        region("ams3", "Amsterdam 3", true, &["s-1vcpu-1gb", "s-2vcpu-4gb"]),
        region("nyc2", "New York 2", false, &[]),
    ]
}

/// Sizes, not in price order (the pickers sort). `s-8vcpu-16gb` is not available, and
/// `s-1vcpu-2gb` lists `fra1` while `fra1` leaves it out.
pub fn sizes() -> Vec<Value> {
    let size = |slug: &str,
                memory: u64,
                vcpus: u64,
                disk: u64,
                price: f64,
                regions: &[&str],
                available: bool| {
        json!({
            "slug": slug, "memory": memory, "vcpus": vcpus, "disk": disk, "transfer": 1.0,
            "price_monthly": price, "price_hourly": (price / 672.0 * 100_000.0).round() / 100_000.0,
            "regions": regions, "available": available, "description": "Basic",
            "disk_info": [{"type": "local", "size": {"amount": disk, "unit": "gib"}}]
        })
    };
    vec![
        size(
            "s-2vcpu-4gb",
            4096,
            2,
            80,
            24.0,
            &["nyc3", "fra1", "ams3"],
            true,
        ),
        size("s-1vcpu-2gb", 2048, 1, 50, 12.0, &["nyc3", "fra1"], true),
        size(
            "s-1vcpu-1gb",
            1024,
            1,
            25,
            6.0,
            &["nyc3", "fra1", "ams3", "nyc2"],
            true,
        ),
        size("s-1vcpu-2gb-amd", 2048, 1, 50, 14.0, &["fra1"], true),
        size("s-4vcpu-8gb", 8192, 4, 160, 48.0, &["nyc3", "fra1"], true),
        size("s-8vcpu-16gb", 16384, 8, 320, 96.0, &["nyc3"], false),
    ]
}

/// Distribution images: the three supported systems (Ubuntu 22.04 not in `ams3`) and
/// others the pickers must leave out.
pub fn images() -> Vec<Value> {
    let image = |id: u64, slug: &str, name: &str, distribution: &str, regions: &[&str]| {
        json!({
            "id": id, "name": name, "type": "base", "distribution": distribution, "slug": slug,
            "public": true, "regions": regions, "created_at": CREATED_AT, "min_disk_size": 7,
            "size_gigabytes": 2.36, "description": format!("{distribution} {name}"), "tags": [],
            "status": "available", "error_message": ""
        })
    };
    let everywhere = ["nyc3", "fra1", "ams3", "nyc2"];
    vec![
        image(
            160_000_001,
            "ubuntu-24-04-x64",
            "24.04 (LTS) x64",
            "Ubuntu",
            &everywhere,
        ),
        image(
            160_000_002,
            "debian-12-x64",
            "12 x64",
            "Debian",
            &everywhere,
        ),
        image(
            160_000_003,
            "ubuntu-22-04-x64",
            "22.04 (LTS) x64",
            "Ubuntu",
            &["nyc3", "fra1", "nyc2"],
        ),
        image(
            160_000_004,
            "debian-11-x64",
            "11 x64",
            "Debian",
            &everywhere,
        ),
        image(
            160_000_005,
            "fedora-40-x64",
            "40 x64",
            "Fedora",
            &everywhere,
        ),
        image(
            160_000_006,
            "centos-stream-9-x64",
            "Stream 9 x64",
            "CentOS",
            &everywhere,
        ),
        image(
            160_000_007,
            "ubuntu-24-10-x64",
            "24.10 x64",
            "Ubuntu",
            &everywhere,
        ),
    ]
}
