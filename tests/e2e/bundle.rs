//! The .deb that `scripts/bundle.sh` builds installs with `apt install` on a fresh
//! Debian 12 (a sandbox server), pulls in what the app needs at run time, and puts the
//! desktop app, its entry and icon, and the `slipway` command in place.
//!
//! `scripts/test.sh` builds the packages first (`scripts/bundle.sh --debug`: the same
//! package around a debug build).

use std::path::{Path, PathBuf};
use std::process::Command;

use slipway_sandbox::{Sandbox, Server, ServerOptions};

/// The .deb built for this checkout.
fn package() -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/bundle/deb");
    let found: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; build the packages first: bash scripts/bundle.sh --debug",
                folder.display()
            )
        })
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|x| x == "deb"))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one package in {}: {found:?}",
        folder.display()
    );
    found.into_iter().next().expect("one package")
}

/// Runs `script` as root on the server; its standard output, or a panic with both.
fn on(server: &Server, script: &str) -> String {
    let output = server.ssh(script).expect("ssh runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{script}\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_deb_installs_with_apt_on_a_fresh_debian_12() {
    let deb = package();
    let server = Sandbox::from_env()
        .server(&ServerOptions::default())
        .expect("server boots");
    let name = deb.file_name().and_then(|n| n.to_str()).expect("a name");
    let copied = Command::new("scp")
        .arg("-i")
        .arg(server.key())
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            server.known_hosts().display()
        ))
        .args(["-o", "BatchMode=yes", "-q"])
        .arg(&deb)
        .arg(format!("root@{}:/tmp/{name}", server.address))
        .status()
        .expect("scp runs");
    assert!(copied.success(), "the package is copied to the server");

    on(
        &server,
        &format!(
            "apt-get update -q >/dev/null && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/{name} >/dev/null"
        ),
    );
    let status = on(&server, "dpkg-query -W -f '${Status} ${Version}' slipway");
    assert_eq!(status, "install ok installed 0.1.0");

    // Every library the app links is there: apt pulled in WebKitGTK and GTK.
    let missing = on(
        &server,
        "ldd /usr/bin/slipway-desktop | grep 'not found' || true",
    );
    assert_eq!(missing, "", "libraries missing after install");
    assert!(on(&server, "ldd /usr/bin/slipway-desktop").contains("libwebkit2gtk-4.1"));

    let version = on(&server, "slipway --version");
    assert_eq!(version.trim(), "slipway 0.1.0");
    on(&server, "git --version");

    let entry = on(&server, "cat /usr/share/applications/Slipway.desktop");
    for line in [
        "Name=Slipway",
        "Exec=slipway-desktop",
        "Icon=slipway-desktop",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line} missing:\n{entry}");
    }
    on(
        &server,
        "test -s /usr/share/icons/hicolor/128x128/apps/slipway-desktop.png",
    );
}
