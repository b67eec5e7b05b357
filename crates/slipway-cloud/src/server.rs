//! Servers at a provider: what the pickers offer, how a project's server is found or
//! created, and the [`ServerProvider`] trait each provider implements.
//!
//! Choosing what to offer (available together, supported systems, cheapest first) is
//! pure and lives in [`Catalogue`]; only fetching the lists is the provider's job.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::clock::Clock;
use crate::error::CloudError;
use crate::ssh_key::PublicKey;

/// The tag on every server Slipway creates.
pub const SLIPWAY_TAG: &str = "slipway";

/// The most `user_data` a provider accepts (DigitalOcean: 64 KiB of plain text).
pub const USER_DATA_LIMIT: usize = 64 * 1024;

/// A provider's id for a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(pub u64);

impl std::fmt::Display for ServerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Who a token belongs to, to show after it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's email address.
    pub email: String,
    /// The team the token acts for, if any.
    pub team: Option<String>,
    /// `active`, `warning` or `locked`.
    pub status: String,
    /// The provider's note on the status (why an account is locked, for instance).
    pub status_message: String,
    /// How many servers the account may have.
    pub server_limit: u64,
}

/// A data centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// The id, e.g. `fra1`.
    pub slug: String,
    /// The name, e.g. `Frankfurt 1`.
    pub name: String,
    /// Whether it takes new servers.
    pub available: bool,
    /// The sizes it offers now.
    pub sizes: Vec<String>,
}

/// A server size (plan).
#[derive(Debug, Clone, PartialEq)]
pub struct Size {
    /// The id, e.g. `s-1vcpu-1gb`.
    pub slug: String,
    /// The provider's description, e.g. `Basic`.
    pub description: String,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Disk in GB.
    pub disk_gb: u64,
    /// Included transfer in TB.
    pub transfer_tb: f64,
    /// The price a month, in the catalogue's currency ([`Catalogue::currency`]): US
    /// dollars at DigitalOcean, euros including VAT at Hetzner.
    pub price_monthly: f64,
    /// The price an hour, in the same currency.
    pub price_hourly: f64,
    /// The regions that offer it.
    pub regions: Vec<String>,
    /// Whether it can be created at all.
    pub available: bool,
}

/// The operating systems Slipway sets servers up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Os {
    /// Debian 12 "bookworm".
    Debian12,
    /// Ubuntu 24.04 LTS.
    Ubuntu2404,
    /// Ubuntu 22.04 LTS.
    Ubuntu2204,
}

impl Os {
    /// Every supported system, in the order the picker shows them.
    pub const ALL: [Self; 3] = [Self::Debian12, Self::Ubuntu2404, Self::Ubuntu2204];

    /// The system an x64 image slug installs, if Slipway supports it.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|os| os.slug() == slug)
    }

    /// DigitalOcean's image slug.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Debian12 => "debian-12-x64",
            Self::Ubuntu2404 => "ubuntu-24-04-x64",
            Self::Ubuntu2204 => "ubuntu-22-04-x64",
        }
    }

    /// The name to show.
    pub fn label(self) -> &'static str {
        match self {
            Self::Debian12 => "Debian 12",
            Self::Ubuntu2404 => "Ubuntu 24.04 LTS",
            Self::Ubuntu2204 => "Ubuntu 22.04 LTS",
        }
    }
}

/// An operating-system image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The id to create from, e.g. `debian-12-x64`.
    pub slug: String,
    /// The provider's name, e.g. `12 x64`.
    pub name: String,
    /// The distribution, e.g. `Debian`.
    pub distribution: String,
    /// The regions it can be created in.
    pub regions: Vec<String>,
}

/// What the pickers offer: available regions, and per region the sizes and supported
/// images that can be created there.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    regions: Vec<Region>,
    sizes: Vec<Size>,
    images: Vec<(Os, Image)>,
    currency: &'static str,
}

impl Catalogue {
    /// Keeps what can be created: available regions and sizes, and images of supported
    /// systems (recognised by DigitalOcean's image slugs, [`Os::from_slug`]), priced in
    /// US dollars. Sizes come cheapest first (then by memory); images in [`Os::ALL`]
    /// order.
    pub fn new(regions: Vec<Region>, sizes: Vec<Size>, images: Vec<Image>) -> Self {
        let images = images
            .into_iter()
            .filter_map(|image| Os::from_slug(&image.slug).map(|os| (os, image)))
            .collect();
        Self::with_systems(regions, sizes, images, "USD")
    }

    /// Like [`Catalogue::new`], for a provider whose image names are not DigitalOcean's
    /// slugs: `images` are already matched to the system each installs, and prices are
    /// in `currency` (an ISO 4217 code such as `EUR`).
    pub fn with_systems(
        regions: Vec<Region>,
        sizes: Vec<Size>,
        images: Vec<(Os, Image)>,
        currency: &'static str,
    ) -> Self {
        let mut sizes: Vec<Size> = sizes.into_iter().filter(|size| size.available).collect();
        sizes.sort_by(|a, b| {
            a.price_monthly
                .total_cmp(&b.price_monthly)
                .then(a.memory_mib.cmp(&b.memory_mib))
                .then_with(|| a.slug.cmp(&b.slug))
        });
        let mut images = images;
        images.sort_by_key(|(os, _)| *os);
        images.dedup_by_key(|(os, _)| *os);
        let regions = regions
            .into_iter()
            .filter(|region| region.available)
            .collect();
        Self {
            regions,
            sizes,
            images,
            currency,
        }
    }

    /// The currency of every price in the catalogue, as an ISO 4217 code: `USD` at
    /// DigitalOcean, `EUR` at Hetzner.
    pub fn currency(&self) -> &'static str {
        self.currency
    }

    /// Regions where at least one size and one supported image can be created, sorted
    /// by slug.
    pub fn regions(&self) -> Vec<&Region> {
        let mut regions: Vec<&Region> = self
            .regions
            .iter()
            .filter(|region| {
                !self.sizes_in(&region.slug).is_empty() && !self.images_in(&region.slug).is_empty()
            })
            .collect();
        regions.sort_by(|a, b| a.slug.cmp(&b.slug));
        regions
    }

    /// Sizes that can be created in `region` now, cheapest first: both the region and
    /// the size must list each other.
    pub fn sizes_in(&self, region: &str) -> Vec<&Size> {
        let Some(offered) = self.regions.iter().find(|r| r.slug == region) else {
            return Vec::new();
        };
        self.sizes
            .iter()
            .filter(|size| {
                size.regions.iter().any(|r| r == region) && offered.sizes.contains(&size.slug)
            })
            .collect()
    }

    /// Supported images that can be created in `region`.
    pub fn images_in(&self, region: &str) -> Vec<(Os, &Image)> {
        self.images
            .iter()
            .filter(|(_, image)| image.regions.iter().any(|r| r == region))
            .map(|(os, image)| (*os, image))
            .collect()
    }
}

/// The tag that marks a project's server: `slipway-project-<id>`. Finding a server by
/// this tag before creating one is what makes creation safe to repeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectTag(String);

impl ProjectTag {
    /// The tag for project `id`: letters, digits, `-` and `_` (what DigitalOcean and
    /// Hetzner both accept in tags and labels), at most 63 characters.
    pub fn new(id: &str) -> Result<Self, CloudError> {
        let valid = !id.is_empty()
            && id.len() <= 63
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self(format!("slipway-project-{id}")))
        } else {
            Err(CloudError::InvalidInput {
                field: "project",
                message: format!(
                    "\"{id}\" cannot name a project at the provider: use 1 to 63 letters, \
                     digits, '-' or '_'"
                ),
            })
        }
    }

    /// The tag text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The project's id, the tag without its `slipway-project-` prefix (what goes into
    /// a key/value label, as at Hetzner).
    pub fn id(&self) -> &str {
        self.0.strip_prefix("slipway-project-").unwrap_or(&self.0)
    }
}

/// What to create. Its `Debug` output leaves out the user data, which may carry a
/// private host key.
#[derive(Clone, PartialEq)]
pub struct ServerRequest {
    /// The project the server belongs to.
    pub project: ProjectTag,
    /// The server's name, which becomes its host name.
    pub name: String,
    /// Region slug.
    pub region: String,
    /// Size slug.
    pub size: String,
    /// Image slug.
    pub image: String,
    /// MD5 fingerprints of SSH keys already on the account, allowed to log in as root.
    pub ssh_keys: Vec<String>,
    /// A cloud-init script or cloud-config, plain text.
    pub user_data: Option<String>,
    /// Whether to give the server a public IPv6 address too.
    pub ipv6: bool,
}

impl std::fmt::Debug for ServerRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerRequest")
            .field("project", &self.project)
            .field("name", &self.name)
            .field("region", &self.region)
            .field("size", &self.size)
            .field("image", &self.image)
            .field("ssh_keys", &self.ssh_keys)
            .field(
                "user_data",
                &self
                    .user_data
                    .as_ref()
                    .map(|data| format!("<{} bytes>", data.len())),
            )
            .field("ipv6", &self.ipv6)
            .finish()
    }
}

impl ServerRequest {
    /// Checks what the provider would refuse, before asking it.
    pub fn validate(&self) -> Result<(), CloudError> {
        check_server_name(&self.name)?;
        if let Some(user_data) = &self.user_data
            && user_data.len() > USER_DATA_LIMIT
        {
            return Err(CloudError::InvalidInput {
                field: "user_data",
                message: format!(
                    "the first-boot script is {} bytes; providers take at most {USER_DATA_LIMIT}",
                    user_data.len()
                ),
            });
        }
        Ok(())
    }
}

/// Checks a server name: it becomes the host name, so letters, digits, `.` and `-`,
/// starting and ending with a letter or digit, at most 255 characters (DigitalOcean's
/// rule; 63 per label for the host name).
pub fn check_server_name(name: &str) -> Result<(), CloudError> {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let valid = name.len() <= 255
        && alnum(name.chars().next())
        && alnum(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && name
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63);
    if valid {
        Ok(())
    } else {
        Err(CloudError::InvalidInput {
            field: "name",
            message: format!(
                "\"{name}\" cannot be a server name: use letters, digits, '-' and '.', \
                 starting and ending with a letter or digit (for example shop-web-1)"
            ),
        })
    }
}

/// Where a server is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerStatus {
    /// Being created.
    New,
    /// Running.
    Active,
    /// Powered off.
    Off,
    /// Destroyed and kept for the record.
    Archive,
    /// A status this version does not know.
    Other(String),
}

impl ServerStatus {
    /// Reads a provider's status word.
    pub fn parse(text: &str) -> Self {
        match text {
            "new" => Self::New,
            "active" => Self::Active,
            "off" => Self::Off,
            "archive" => Self::Archive,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The status word.
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "new",
            Self::Active => "active",
            Self::Off => "off",
            Self::Archive => "archive",
            Self::Other(text) => text,
        }
    }
}

/// A server as the provider describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// The provider's id.
    pub id: ServerId,
    /// Its name.
    pub name: String,
    /// Where it is in its life.
    pub status: ServerStatus,
    /// Region slug.
    pub region: String,
    /// Size slug.
    pub size: String,
    /// Image slug (empty for images without one, such as snapshots).
    pub image: String,
    /// The public IPv4 address, once assigned.
    pub public_ipv4: Option<Ipv4Addr>,
    /// The public IPv6 address, once assigned (if asked for).
    pub public_ipv6: Option<Ipv6Addr>,
    /// Its tags.
    pub tags: Vec<String>,
}

impl Server {
    /// Running and reachable: active with a public IPv4 address.
    pub fn is_ready(&self) -> bool {
        self.status == ServerStatus::Active && self.public_ipv4.is_some()
    }
}

/// Whether something was made now or was already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provision {
    /// Made by this call.
    Created,
    /// Already there; nothing was made.
    Found,
}

/// A project's server, and whether this call created it.
#[derive(Debug, Clone, PartialEq)]
pub struct Provisioned {
    /// The server.
    pub server: Server,
    /// Created now or found by the project's tag.
    pub provision: Provision,
}

/// An SSH key on the provider's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKey {
    /// The provider's id, when known.
    pub id: Option<u64>,
    /// Its name on the account.
    pub name: String,
    /// Its MD5 fingerprint, usable wherever the id is.
    pub fingerprint: String,
}

/// A key made sure of, and whether this call uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsuredKey {
    /// The key.
    pub key: SshKey,
    /// Uploaded now or already on the account.
    pub provision: Provision,
}

/// One look at a server while waiting for it.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitProgress {
    /// Its status.
    pub status: ServerStatus,
    /// Its public IPv4 address, once it has one.
    pub public_ipv4: Option<Ipv4Addr>,
    /// Time since the wait began.
    pub elapsed: Duration,
}

/// A provider that makes servers. Every operation is safe to repeat: running a step
/// again after a failure never makes a second key or a second server.
pub trait ServerProvider {
    /// Checks the token and says whose account it opens.
    fn check_token(&self) -> Result<Account, CloudError>;

    /// The regions, sizes and images the pickers offer.
    fn catalogue(&self) -> Result<Catalogue, CloudError>;

    /// Makes sure the key is on the account, uploading it under `name` if it is not.
    fn ensure_ssh_key(&self, name: &str, key: &PublicKey) -> Result<EnsuredKey, CloudError>;

    /// The project's server, if one exists (found by the project's tag).
    fn find_server(&self, project: &ProjectTag) -> Result<Option<Server>, CloudError>;

    /// The project's server: the existing one if the project's tag is on one, else a new
    /// one tagged [`SLIPWAY_TAG`] and the project's tag.
    fn create_server(&self, request: &ServerRequest) -> Result<Provisioned, CloudError>;

    /// Polls until the server is active with a public IPv4 address, calling `progress`
    /// after every look, and gives up after `timeout`.
    fn wait_until_ready(
        &self,
        id: ServerId,
        timeout: Duration,
        progress: &mut dyn FnMut(&WaitProgress),
    ) -> Result<Server, CloudError>;

    /// Destroys a server, only if `confirmation` is exactly its name. A server that is
    /// already gone counts as destroyed.
    fn destroy_server(&self, id: ServerId, confirmation: &str) -> Result<(), CloudError>;
}

/// The project's server among those its tag (or label) found: none, one, or an error
/// naming them all, since Slipway never guesses which of two servers is the project's.
pub(crate) fn the_only_server(
    tag: String,
    servers: Vec<Server>,
) -> Result<Option<Server>, CloudError> {
    if servers.len() > 1 {
        return Err(CloudError::AmbiguousServers {
            tag,
            count: servers.len(),
            names: servers
                .iter()
                .map(|server| server.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(servers.into_iter().next())
}

/// Looks at a server with `look` every `poll_interval` until it is ready, telling
/// `progress` after every look, and gives up with [`CloudError::NotReady`] after
/// `timeout`. The waits go by `clock`.
pub(crate) fn poll_until_ready(
    clock: &dyn Clock,
    poll_interval: Duration,
    timeout: Duration,
    progress: &mut dyn FnMut(&WaitProgress),
    mut look: impl FnMut() -> Result<Server, CloudError>,
) -> Result<Server, CloudError> {
    let started = clock.now();
    loop {
        let server = look()?;
        let elapsed = clock.now().duration_since(started).unwrap_or_default();
        progress(&WaitProgress {
            status: server.status.clone(),
            public_ipv4: server.public_ipv4,
            elapsed,
        });
        if server.is_ready() {
            return Ok(server);
        }
        if elapsed >= timeout {
            return Err(CloudError::NotReady {
                status: server.status.as_str().to_owned(),
                has_ip: server.public_ipv4.is_some(),
                name: server.name,
                secs: elapsed.as_secs(),
            });
        }
        clock.sleep(poll_interval.min(timeout.saturating_sub(elapsed)));
    }
}

/// The server to destroy, given how looking it up went: `None` when it is already
/// gone, an error when `confirmation` is not exactly its name.
pub(crate) fn server_to_destroy(
    found: Result<Server, CloudError>,
    confirmation: &str,
) -> Result<Option<Server>, CloudError> {
    let server = match found {
        Ok(server) => server,
        Err(CloudError::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    if confirmation != server.name {
        return Err(CloudError::ConfirmationMismatch {
            name: server.name,
            typed: confirmation.to_owned(),
        });
    }
    Ok(Some(server))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(slug: &str, available: bool, sizes: &[&str]) -> Region {
        Region {
            slug: slug.into(),
            name: slug.to_uppercase(),
            available,
            sizes: sizes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn size(slug: &str, price: f64, memory_mib: u64, regions: &[&str], available: bool) -> Size {
        Size {
            slug: slug.into(),
            description: "Basic".into(),
            memory_mib,
            vcpus: 1,
            disk_gb: 25,
            transfer_tb: 1.0,
            price_monthly: price,
            price_hourly: price / 730.0,
            regions: regions.iter().map(|s| (*s).to_owned()).collect(),
            available,
        }
    }

    fn image(slug: &str, regions: &[&str]) -> Image {
        Image {
            slug: slug.into(),
            name: slug.into(),
            distribution: "Debian".into(),
            regions: regions.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn slugs<'a>(sizes: impl IntoIterator<Item = &'a Size>) -> Vec<&'a str> {
        sizes.into_iter().map(|s| s.slug.as_str()).collect()
    }

    #[test]
    fn sizes_are_offered_only_where_both_sides_agree_and_cheapest_first() {
        let catalogue = Catalogue::new(
            vec![
                region("fra1", true, &["big", "small", "gone", "one-sided"]),
                region("nyc2", false, &["small"]),
            ],
            vec![
                size("big", 24.0, 4096, &["fra1"], true),
                size("small", 6.0, 1024, &["fra1", "nyc2"], true),
                size("same-price-more-memory", 6.0, 2048, &["fra1"], true),
                size("gone", 4.0, 512, &["fra1"], false),
                size("one-sided", 5.0, 1024, &["ams3"], true),
            ],
            vec![image("debian-12-x64", &["fra1", "nyc2"])],
        );
        assert_eq!(slugs(catalogue.sizes_in("fra1")), ["small", "big"]);
        assert!(
            catalogue.sizes_in("nyc2").is_empty(),
            "nyc2 is not available"
        );
        let regions: Vec<&str> = catalogue
            .regions()
            .iter()
            .map(|r| r.slug.as_str())
            .collect();
        assert_eq!(regions, ["fra1"]);
    }

    #[test]
    fn only_supported_systems_are_offered() {
        let catalogue = Catalogue::new(
            vec![region("fra1", true, &["small"])],
            vec![size("small", 6.0, 1024, &["fra1"], true)],
            vec![
                image("ubuntu-22-04-x64", &["fra1"]),
                image("centos-stream-9-x64", &["fra1"]),
                image("debian-12-x64", &["fra1"]),
                image("ubuntu-24-04-x64", &["ams3"]),
                image("debian-11-x64", &["fra1"]),
            ],
        );
        let offered: Vec<Os> = catalogue
            .images_in("fra1")
            .iter()
            .map(|(os, _)| *os)
            .collect();
        assert_eq!(offered, [Os::Debian12, Os::Ubuntu2204]);
    }

    #[test]
    fn a_request_never_shows_its_user_data() {
        let request = ServerRequest {
            project: ProjectTag::new("shop").expect("a valid id"),
            name: "shop".into(),
            region: "fra1".into(),
            size: "s-1vcpu-1gb".into(),
            image: "debian-12-x64".into(),
            ssh_keys: Vec::new(),
            user_data: Some("ssh_keys: BEGIN OPENSSH PRIVATE KEY".into()),
            ipv6: false,
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
        assert!(shown.contains("<35 bytes>"), "{shown}");
    }

    #[test]
    fn project_tags_and_server_names_are_checked_before_any_request() {
        assert_eq!(
            ProjectTag::new("shop_2").expect("a valid id").as_str(),
            "slipway-project-shop_2"
        );
        assert_eq!(
            ProjectTag::new("shop_2").expect("a valid id").id(),
            "shop_2"
        );
        for bad in ["", "shop 2", "shop:2", &"x".repeat(64)] {
            let error = ProjectTag::new(bad).expect_err(bad);
            assert!(error.to_string().starts_with("project: "), "{error}");
        }
        for good in ["shop", "shop-web-1", "web.shop.example.com", "a"] {
            check_server_name(good).expect(good);
        }
        for bad in ["", "-shop", "shop-", "shop_web", "shop..web", "shöp"] {
            let error = check_server_name(bad).expect_err(bad);
            assert!(
                error.to_string().contains("cannot be a server name"),
                "{error}"
            );
        }
    }
}
