//! `slipway server create|list|destroy|options` and `slipway dns set`: the wizard's
//! first two steps (get a server, point the domain at it), scriptable.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;

use clap::Subcommand;
use slipway_app::AppError;
use slipway_app::cloud::{self, CloudEvent, CloudServer, Endpoints, ManualRecord, Pointed};
use slipway_spec::Spec;

use crate::deploy::{Context, read_spec};

/// `slipway server …`.
#[derive(Subcommand)]
pub enum ServerCommand {
    /// Create the project's server at the provider in `[server]` (or find the one made
    /// before), wait until it is up, and pin its host key.
    Create {
        /// One JSON event per line.
        #[arg(long)]
        json: bool,
    },
    /// Show the project's server at its provider.
    List,
    /// Destroy the project's server. Asks for nothing: the server's name must be given.
    Destroy {
        /// The server's name, typed back to confirm.
        #[arg(long, value_name = "NAME")]
        confirm: Option<String>,
    },
    /// What the provider offers: regions, and the sizes and images in one region.
    Options {
        /// Sizes and images for this region; every region when left out.
        #[arg(long)]
        region: Option<String>,
    },
}

/// `slipway server …`.
pub fn server(
    out: &mut impl Write,
    config: &Path,
    context: &Context,
    command: &ServerCommand,
) -> Result<(), AppError> {
    let spec = read_spec(config)?;
    let endpoints = Endpoints::from_env()?;
    match command {
        ServerCommand::Create { json } => {
            let server = ensure(out, &spec, context, &endpoints, *json)?;
            if !json {
                let _ = writeln!(
                    out,
                    "Server {} is {} at {}.",
                    server.server.name,
                    if server.created { "created" } else { "up" },
                    server.address()?
                );
            }
            Ok(())
        }
        ServerCommand::List => {
            match cloud::find_server(&spec, &context.store, &endpoints)? {
                Some(found) => {
                    let s = &found.server;
                    let address = s
                        .public_ipv4
                        .map_or_else(|| "-".to_owned(), |a| a.to_string());
                    let _ = writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        s.name,
                        s.status.as_str(),
                        address,
                        s.region,
                        s.size,
                        found.provider.label()
                    );
                }
                None => {
                    let _ = writeln!(out, "No server for {} yet.", spec.app.name);
                }
            }
            Ok(())
        }
        ServerCommand::Destroy { confirm } => {
            let confirmation = confirm.as_deref().unwrap_or_default();
            let gone = cloud::destroy_server(
                &spec,
                &context.store,
                &endpoints,
                &context.known_hosts,
                confirmation,
            )?;
            let _ = writeln!(out, "Server {} is destroyed.", gone.name);
            Ok(())
        }
        ServerCommand::Options { region } => {
            options(out, &spec, context, &endpoints, region.as_deref())
        }
    }
}

fn options(
    out: &mut impl Write,
    spec: &Spec,
    context: &Context,
    endpoints: &Endpoints,
    region: Option<&str>,
) -> Result<(), AppError> {
    let (kind, provider) = cloud::server_provider(spec, &context.store, endpoints)?;
    let account = provider.check_token()?;
    let who = if account.email.is_empty() {
        String::new()
    } else {
        format!(" of {}", account.email)
    };
    let limit = match account.server_limit {
        0 => String::new(),
        n => format!(", up to {n} servers"),
    };
    let _ = writeln!(
        out,
        "{}: the account{who} is {}{limit}{}",
        kind.label(),
        account.status,
        if account.status_message.is_empty() {
            String::new()
        } else {
            format!(" ({})", account.status_message)
        }
    );
    let catalogue = provider.catalogue()?;
    match region {
        None => {
            let _ = writeln!(out, "Regions:");
            for r in catalogue.regions() {
                let _ = writeln!(out, "  {:<8} {}", r.slug, r.name);
            }
            let _ = writeln!(
                out,
                "Sizes and images: slipway server options --region SLUG"
            );
        }
        Some(region) => {
            let _ = writeln!(out, "Sizes in {region} (cheapest first):");
            for size in catalogue.sizes_in(region) {
                let _ = writeln!(
                    out,
                    "  {:<16} {:>3} CPU {:>6} MiB {:>4} GB  {:.2} {}/month",
                    size.slug,
                    size.vcpus,
                    size.memory_mib,
                    size.disk_gb,
                    size.price_monthly,
                    catalogue.currency()
                );
            }
            let _ = writeln!(out, "Images in {region}:");
            for (os, image) in catalogue.images_in(region) {
                let _ = writeln!(out, "  {:<16} {}", image.slug, os.label());
            }
        }
    }
    Ok(())
}

/// Finds or creates the spec's server, printing progress (or JSON events).
pub fn ensure(
    out: &mut impl Write,
    spec: &Spec,
    context: &Context,
    endpoints: &Endpoints,
    json: bool,
) -> Result<CloudServer, AppError> {
    let mut show = |event: CloudEvent| print_event(out, &event, json);
    cloud::ensure_server(
        spec,
        &context.store,
        endpoints,
        &context.known_hosts,
        &mut show,
    )
}

/// Prints a provider event: a JSON line, or an indented line of text.
pub fn print_event(out: &mut impl Write, event: &CloudEvent, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(event) {
            let _ = writeln!(out, "{line}");
        }
    } else {
        let _ = writeln!(out, "  {event}");
    }
}

/// `slipway dns set`: points the domain at the server through the DNS provider, or
/// shows the records to create by hand.
pub fn dns_set(out: &mut impl Write, config: &Path, context: &Context) -> Result<(), AppError> {
    let spec = read_spec(config)?;
    let endpoints = Endpoints::from_env()?;
    let (ipv4, ipv6) = cloud::server_addresses(&spec, &context.store, &endpoints)?;
    point(out, &spec, context, &endpoints, ipv4, ipv6, false)?;
    Ok(())
}

/// Points the names at the server and prints what changed and what is left to do.
pub fn point(
    out: &mut impl Write,
    spec: &Spec,
    context: &Context,
    endpoints: &Endpoints,
    ipv4: Ipv4Addr,
    ipv6: Option<std::net::Ipv6Addr>,
    json: bool,
) -> Result<Pointed, AppError> {
    let mut show = |event: CloudEvent| print_event(out, &event, json);
    let pointed = cloud::point_dns(spec, &context.store, endpoints, ipv4, ipv6, &mut show)?;
    if !json && !pointed.by_hand.is_empty() {
        print_by_hand(out, &pointed.by_hand);
    }
    Ok(pointed)
}

/// Prints the records to create by hand, and how to know when they are visible.
pub fn print_by_hand(out: &mut impl Write, records: &[ManualRecord]) {
    let _ = writeln!(
        out,
        "Create these records where the domain's DNS is hosted:"
    );
    for record in records {
        let _ = writeln!(
            out,
            "  {:<5} {:<32} {}",
            record.kind, record.name, record.value
        );
    }
    let _ = writeln!(
        out,
        "`slipway dns check` says when they are visible; a deploy waits for them."
    );
}
