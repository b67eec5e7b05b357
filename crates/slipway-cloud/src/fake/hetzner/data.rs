//! The fake's catalogue: locations, server types with prices per location, and system
//! images, shaped like Hetzner's replies.

use serde_json::{Value, json};

/// When the fake's catalogue objects were made.
const CREATED: &str = "2024-03-01T09:00:00+00:00";

/// 20 TB of included traffic, in bytes, as in the EU locations.
const EU_TRAFFIC: u64 = 21_990_232_555_520;

/// 1 TB, as in the US locations.
const US_TRAFFIC: u64 = 1_099_511_627_776;

/// Every location: fsn1, nbg1, hel1, ash, hil.
pub fn locations() -> Vec<Value> {
    [
        (
            1,
            "fsn1",
            "Falkenstein DC Park 1",
            "DE",
            "Falkenstein",
            50.476_12,
            12.370_071,
            "eu-central",
        ),
        (
            2,
            "nbg1",
            "Nuremberg DC Park 1",
            "DE",
            "Nuremberg",
            49.452_102,
            11.076_665,
            "eu-central",
        ),
        (
            3,
            "hel1",
            "Helsinki DC Park 1",
            "FI",
            "Helsinki",
            60.169_855,
            24.938_379,
            "eu-central",
        ),
        (
            4,
            "ash",
            "Ashburn, VA",
            "US",
            "Ashburn, VA",
            39.045_8,
            -77.487_4,
            "us-east",
        ),
        (
            5,
            "hil",
            "Hillsboro, OR",
            "US",
            "Hillsboro, OR",
            45.542_2,
            -122.951_9,
            "us-west",
        ),
    ]
    .into_iter()
    .map(
        |(id, name, description, country, city, latitude, longitude, zone)| {
            json!({
                "id": id, "name": name, "description": description, "country": country,
                "city": city, "latitude": latitude, "longitude": longitude, "network_zone": zone,
            })
        },
    )
    .collect()
}

/// The datacenter of a location, as servers show it.
pub fn datacenter(location: &Value) -> Value {
    let name = location["name"].as_str().unwrap_or_default();
    let number = location["id"].as_u64().unwrap_or(1);
    json!({
        "id": number,
        "name": format!("{name}-dc{}", 10 + number),
        "description": format!("{} virtual DC", location["description"].as_str().unwrap_or_default()),
        "location": location,
        "server_types": {"supported": [], "available": [], "available_for_migration": []},
    })
}

/// One server type priced in `prices` (location, euros a month including VAT).
#[expect(
    clippy::too_many_arguments,
    reason = "one row of the catalogue table, read best as it is"
)]
fn server_type(
    id: u64,
    name: &str,
    cores: u32,
    memory: f64,
    disk: u64,
    cpu: &str,
    architecture: &str,
    prices: &[(&str, f64)],
) -> Value {
    let prices: Vec<Value> = prices
        .iter()
        .map(|(location, monthly)| {
            let net = monthly / 1.19;
            let traffic = if matches!(*location, "ash" | "hil") {
                US_TRAFFIC
            } else {
                EU_TRAFFIC
            };
            json!({
                "location": location,
                "price_hourly": {"net": format!("{:.10}", net / 730.0), "gross": format!("{:.10}", monthly / 730.0)},
                "price_monthly": {"net": format!("{net:.10}"), "gross": format!("{monthly:.10}")},
                "included_traffic": traffic,
                "price_per_tb_traffic": {"net": "1.0000000000", "gross": "1.1900000000"},
            })
        })
        .collect();
    json!({
        "id": id, "name": name, "description": name.to_uppercase(), "cores": cores,
        "memory": memory, "disk": disk, "deprecated": false, "prices": prices,
        "storage_type": "local", "cpu_type": cpu, "architecture": architecture,
        "deprecation": null,
    })
}

/// Every server type: shared and dedicated x86 ones, an Arm one, and a retired one.
/// `cx22` is sold in the EU only; `cpx11` costs more in the US.
pub fn server_types() -> Vec<Value> {
    let eu = |price: f64| vec![("fsn1", price), ("nbg1", price), ("hel1", price)];
    let everywhere = |eu_price: f64, us_price: f64| {
        let mut prices = eu(eu_price);
        prices.extend([("ash", us_price), ("hil", us_price)]);
        prices
    };
    let mut retired = server_type(1, "cx11", 1, 2.0, 20, "shared", "x86", &eu(4.15));
    retired["deprecated"] = json!(true);
    retired["deprecation"] = json!({
        "announced": "2024-06-06T09:00:00+00:00",
        "unavailable_after": "2024-09-06T09:00:00+00:00",
    });
    vec![
        retired,
        server_type(
            22,
            "cpx11",
            2,
            2.0,
            40,
            "shared",
            "x86",
            &everywhere(5.18, 5.99),
        ),
        server_type(104, "cx22", 2, 4.0, 40, "shared", "x86", &eu(4.51)),
        server_type(
            23,
            "cpx21",
            3,
            4.0,
            80,
            "shared",
            "x86",
            &everywhere(9.38, 10.99),
        ),
        server_type(
            96,
            "ccx13",
            2,
            8.0,
            80,
            "dedicated",
            "x86",
            &everywhere(14.86, 15.99),
        ),
        server_type(45, "cax11", 2, 4.0, 40, "shared", "arm", &eu(4.51)),
    ]
}

/// One system image.
fn image(id: u64, name: &str, description: &str, flavor: &str, version: &str, arch: &str) -> Value {
    json!({
        "id": id, "type": "system", "status": "available", "name": name,
        "description": description, "image_size": null, "disk_size": 5, "created": CREATED,
        "created_from": null, "bound_to": null, "os_flavor": flavor, "os_version": version,
        "rapid_deploy": true, "protection": {"delete": false}, "deprecated": null,
        "deleted": null, "labels": {}, "architecture": arch,
    })
}

/// System images for both architectures, some Slipway does not support, one
/// deprecated, and a snapshot.
pub fn images() -> Vec<Value> {
    let mut debian_11 = image(45_557_056, "debian-11", "Debian 11", "debian", "11", "x86");
    debian_11["deprecated"] = json!("2024-08-14T00:00:00+00:00");
    let mut snapshot = image(
        160_000_001,
        "snapshot",
        "shop before upgrade",
        "debian",
        "12",
        "x86",
    );
    snapshot["type"] = json!("snapshot");
    snapshot["name"] = Value::Null;
    snapshot["image_size"] = json!(1.2);
    snapshot["rapid_deploy"] = json!(false);
    vec![
        image(
            15_512_617,
            "ubuntu-20.04",
            "Ubuntu 20.04",
            "ubuntu",
            "20.04",
            "x86",
        ),
        image(
            67_794_396,
            "ubuntu-22.04",
            "Ubuntu 22.04",
            "ubuntu",
            "22.04",
            "x86",
        ),
        image(
            161_547_269,
            "ubuntu-24.04",
            "Ubuntu 24.04",
            "ubuntu",
            "24.04",
            "x86",
        ),
        image(114_690_387, "debian-12", "Debian 12", "debian", "12", "x86"),
        image(
            59_752_342,
            "centos-stream-9",
            "CentOS Stream 9",
            "centos",
            "9",
            "x86",
        ),
        image(114_690_389, "debian-12", "Debian 12", "debian", "12", "arm"),
        image(
            161_547_270,
            "ubuntu-24.04",
            "Ubuntu 24.04",
            "ubuntu",
            "24.04",
            "arm",
        ),
        debian_11,
        snapshot,
    ]
}
