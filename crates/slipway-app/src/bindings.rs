//! TypeScript declarations for everything the UI receives, written to
//! `ui/src/lib/ipc/bindings.ts` by this crate's `bindings` test, which fails when the
//! committed file is stale.

use slipway_spec::detect::{
    Dependencies, EntryPoint, Evidence, Found, GitFacts, Manifest, PythonRequest, StaticMount,
};
use slipway_spec::spec::Installer;
use slipway_spec::{
    AppSpec, Detected, Detection, DnsSpec, DomainSpec, EmailNotify, Framework, HardenSpec,
    Interface, NotifySpec, Problem, ServerSpec, SlackNotify, SmsNotify, Spec, StaticSpec, TlsSpec,
    WebhookNotify, When,
};
use ts_rs::{Config, TS};

use slipway_engine::{Diff, Event, Outcome, Planned, Stream};

use crate::dashboard::{CertificateRow, LiveStatus, ProjectCard, ReleaseRow};
use crate::history::{RunKind, RunOutcome, RunRecord};
use crate::notify::TestDelivery;
use crate::run::{HandRecord, Live, News, PlannedStep, Preview};
use crate::secrets::PublicKey;
use crate::wizard::{
    DnsStatus, ImageOffer, NameStatus, RegionOffer, SecretState, ServerOffer, SizeOffer,
};
use crate::{ErrorCode, IpcError, Project};

/// Where the generated file lives, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/ipc/bindings.ts";

/// The full text of the bindings file.
pub fn typescript() -> String {
    let config = Config::new();
    let declarations = [
        Framework::decl(&config),
        Interface::decl(&config),
        Installer::decl(&config),
        Spec::decl(&config),
        AppSpec::decl(&config),
        StaticSpec::decl(&config),
        ServerSpec::decl(&config),
        DomainSpec::decl(&config),
        DnsSpec::decl(&config),
        TlsSpec::decl(&config),
        HardenSpec::decl(&config),
        NotifySpec::decl(&config),
        When::decl(&config),
        EmailNotify::decl(&config),
        SmsNotify::decl(&config),
        SlackNotify::decl(&config),
        WebhookNotify::decl(&config),
        Problem::decl(&config),
        Evidence::decl(&config),
        Found::<()>::decl(&config),
        Detected::<()>::decl(&config),
        EntryPoint::decl(&config),
        Manifest::decl(&config),
        Dependencies::decl(&config),
        PythonRequest::decl(&config),
        StaticMount::decl(&config),
        GitFacts::decl(&config),
        Detection::decl(&config),
        Project::decl(&config),
        ErrorCode::decl(&config),
        IpcError::decl(&config),
        ServerOffer::decl(&config),
        RegionOffer::decl(&config),
        SizeOffer::decl(&config),
        ImageOffer::decl(&config),
        SecretState::decl(&config),
        DnsStatus::decl(&config),
        NameStatus::decl(&config),
        Stream::decl(&config),
        Diff::decl(&config),
        Planned::decl(&config),
        Outcome::decl(&config),
        Event::decl(&config),
        HandRecord::decl(&config),
        News::decl(&config),
        Live::decl(&config),
        RunKind::decl(&config),
        RunOutcome::decl(&config),
        RunRecord::decl(&config),
        ProjectCard::decl(&config),
        ReleaseRow::decl(&config),
        CertificateRow::decl(&config),
        LiveStatus::decl(&config),
        TestDelivery::decl(&config),
        PublicKey::decl(&config),
        PlannedStep::decl(&config),
        Preview::decl(&config),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `cargo test -p slipway-app --test bindings`.\n\
         // Do not edit: change the Rust type and run that test with UPDATE_BINDINGS=1.\n\n",
    );
    for declaration in declarations {
        out.push_str("export ");
        out.push_str(&declaration);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
