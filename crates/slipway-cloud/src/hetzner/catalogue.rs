//! What the pickers offer at Hetzner: locations, server types priced per location, and
//! the system images Slipway supports.

use super::wire::{WireImage, WireLocation, WireServerType};
use crate::error::CloudError;
use crate::server::{Catalogue, Image, Os, Region, Size};

/// Bytes in a tebibyte: Hetzner counts included traffic in bytes (20 TB is
/// 21,990,232,555,520).
const TEBIBYTE: f64 = 1_099_511_627_776.0;

/// Hetzner's name for the image of a system.
pub fn image_name(os: Os) -> &'static str {
    match os {
        Os::Debian12 => "debian-12",
        Os::Ubuntu2404 => "ubuntu-24.04",
        Os::Ubuntu2204 => "ubuntu-22.04",
    }
}

/// The system a Hetzner image name installs, if Slipway supports it.
pub fn os_of_image(name: &str) -> Option<Os> {
    Os::ALL.into_iter().find(|os| image_name(*os) == name)
}

/// Builds the catalogue from Hetzner's three lists.
pub(super) fn build(
    locations: Vec<WireLocation>,
    types: &[WireServerType],
    images: Vec<WireImage>,
) -> Result<Catalogue, CloudError> {
    let offered: Vec<&WireServerType> = types
        .iter()
        .filter(|kind| kind.is_x86() && !kind.retired())
        .collect();
    let names: Vec<String> = locations.iter().map(|l| l.name.clone()).collect();
    let regions = locations
        .into_iter()
        .map(|location| Region {
            sizes: offered
                .iter()
                .filter(|kind| kind.prices.iter().any(|p| p.location == location.name))
                .map(|kind| kind.name.clone())
                .collect(),
            name: location_name(&location),
            slug: location.name,
            available: true,
        })
        .collect();
    let mut sizes = Vec::new();
    for kind in types {
        sizes.extend(sizes_of(kind)?);
    }
    let images = images
        .into_iter()
        .filter_map(|image| system_image(image, &names))
        .collect();
    Ok(Catalogue::with_systems(regions, sizes, images, "EUR"))
}

/// `Falkenstein, DE`, or Hetzner's description when the city is missing.
fn location_name(location: &WireLocation) -> String {
    match (location.city.as_str(), location.country.as_str()) {
        ("", _) => location.description.clone(),
        (city, "") => city.to_owned(),
        (city, country) => format!("{city}, {country}"),
    }
}

/// One size per location the type is priced in, each with that location's price. A
/// retired type or one for Arm processors is listed as unavailable.
fn sizes_of(kind: &WireServerType) -> Result<Vec<Size>, CloudError> {
    let mut sizes = Vec::new();
    for price in &kind.prices {
        let traffic = price.included_traffic.or(kind.included_traffic);
        sizes.push(Size {
            slug: kind.name.clone(),
            description: describe(kind),
            memory_mib: memory_mib(kind.memory),
            vcpus: kind.cores,
            disk_gb: kind.disk,
            transfer_tb: traffic.map_or(0.0, bytes_to_tb),
            price_monthly: euros(&price.price_monthly.gross, &kind.name)?,
            price_hourly: euros(&price.price_hourly.gross, &kind.name)?,
            regions: vec![price.location.clone()],
            available: kind.is_x86() && !kind.retired(),
        });
    }
    Ok(sizes)
}

/// `CX22 (shared vCPU)`.
fn describe(kind: &WireServerType) -> String {
    let name = if kind.description.is_empty() {
        kind.name.to_uppercase()
    } else {
        kind.description.clone()
    };
    match kind.cpu_type.as_deref() {
        Some(cpu) if !cpu.is_empty() => format!("{name} ({cpu} vCPU)"),
        _ => name,
    }
}

/// GB (a float at Hetzner) to MiB, rounded.
fn memory_mib(gb: f64) -> u64 {
    let mib = (gb * 1024.0).round().max(0.0);
    // Server memory is far below 2^52 MiB, so the cast is exact.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a non-negative whole number far below u64::MAX"
    )]
    let mib = mib as u64;
    mib
}

/// Bytes to TB (tebibytes, as Hetzner's "20 TB" means).
fn bytes_to_tb(bytes: u64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "traffic quotas are far below 2^53 bytes"
    )]
    let bytes = bytes as f64;
    (bytes / TEBIBYTE * 100.0).round() / 100.0
}

/// A price string (`"4.5100000000"`) as a number.
fn euros(text: &str, kind: &str) -> Result<f64, CloudError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|price| price.is_finite() && *price >= 0.0)
        .ok_or_else(|| CloudError::UnexpectedReply {
            provider: super::PROVIDER,
            action: "list the server types".to_owned(),
            detail: format!("server type {kind} has the price \"{text}\", which is not a number"),
        })
}

/// A system image Slipway supports, available, for x86 and not deprecated. Hetzner's
/// system images can be used in every location.
fn system_image(image: WireImage, locations: &[String]) -> Option<(Os, Image)> {
    let usable = image.kind == "system"
        && image.status == "available"
        && image.deprecated.is_none()
        && image
            .architecture
            .as_deref()
            .is_none_or(|arch| arch == "x86");
    let name = image.name.filter(|_| usable)?;
    let os = os_of_image(&name)?;
    let mut distribution = image.os_flavor;
    if let Some(first) = distribution.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Some((
        os,
        Image {
            slug: name,
            name: image.description,
            distribution,
            regions: locations.to_vec(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_round_trip() {
        for os in Os::ALL {
            assert_eq!(os_of_image(image_name(os)), Some(os));
        }
        assert_eq!(os_of_image("debian-12-x64"), None);
        assert_eq!(os_of_image("ubuntu-20.04"), None);
    }

    #[test]
    fn units_are_converted() {
        assert_eq!(memory_mib(0.5), 512);
        assert_eq!(memory_mib(4.0), 4096);
        assert!((bytes_to_tb(21_990_232_555_520) - 20.0).abs() < f64::EPSILON);
        assert!((euros("4.5100000000", "cx22").expect("a price") - 4.51).abs() < 1e-9);
        let error = euros("n/a", "cx22").expect_err("not a number");
        assert!(error.to_string().contains("\"n/a\""), "{error}");
    }
}
