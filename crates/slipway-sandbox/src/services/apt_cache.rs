//! A caching apt proxy on the host (apt-cacher-ng, with a configuration of its own), so
//! every sandbox server installs packages from a local cache after the first download
//! instead of from Debian's mirror.

use std::fs;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::{SandboxError, cmd};

/// The port the sandbox's apt-cacher-ng listens on, on every host address. Not the
/// package's usual 3142, so a system instance with other settings never stands in.
pub const PORT: u16 = 3149;

const PROGRAM: &str = "/usr/sbin/apt-cacher-ng";

/// Starts the sandbox's apt-cacher-ng, keeping its cache in `cache`, unless it answers.
pub fn ensure(cache: &Path) -> Result<(), SandboxError> {
    if answers() {
        return Ok(());
    }
    // Test binaries boot servers in parallel: one starts the proxy, the others wait for it.
    fs::create_dir_all(cache).map_err(|e| SandboxError::io(cache, e))?;
    let lock_path = cache.join("apt-cacher-ng.lock");
    let lock = fs::File::create(&lock_path).map_err(|e| SandboxError::io(&lock_path, e))?;
    lock.lock().map_err(|e| SandboxError::io(&lock_path, e))?;
    if answers() {
        return Ok(());
    }
    if !Path::new(PROGRAM).is_file() {
        return Err(SandboxError::Missing {
            program: "apt-cacher-ng",
            package: "apt-cacher-ng",
        });
    }
    let dir = cache.join("apt-cacher-ng");
    for sub in ["cache", "log"] {
        let path = dir.join(sub);
        fs::create_dir_all(&path).map_err(|e| SandboxError::io(&path, e))?;
    }
    // A plain caching proxy: no remapping to mirror lists, every URL fetched as asked.
    let config = format!(
        "CacheDir: {cache}\nLogDir: {log}\nSupportDir: /usr/lib/apt-cacher-ng\nPort: {PORT}\nExThreshold: 4\n",
        cache = dir.join("cache").display(),
        log = dir.join("log").display(),
    );
    let config_path = dir.join("acng.conf");
    fs::write(&config_path, config).map_err(|e| SandboxError::io(&config_path, e))?;
    let pidfile = format!("pidfile={}", dir.join("pid").display());
    cmd::run(
        PROGRAM,
        [
            "-c".as_ref(),
            dir.as_os_str(),
            "ForeGround=0".as_ref(),
            pidfile.as_ref(),
        ],
    )?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !answers() {
        if Instant::now() > deadline {
            return Err(SandboxError::Command {
                command: PROGRAM.into(),
                status: None,
                stderr: format!("apt-cacher-ng did not listen on port {PORT} within 10 s"),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn answers() -> bool {
    TcpStream::connect(("127.0.0.1", PORT)).is_ok()
}
