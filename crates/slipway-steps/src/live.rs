//! Running releases without dropping a request.
//!
//! The app runs as one of two instances of a systemd template unit, `<app>@blue` and
//! `<app>@green`, each on its own unix socket and each pinned to a release through a slot
//! link (`/srv/<app>/slots/<colour>`). nginx proxies to `/srv/<app>/live.sock`, a link to
//! the live instance's socket. A new release starts in the idle instance and must answer
//! its health check on its own socket before anything changes; then one rename points
//! `live.sock` at it, so every new connection reaches it while the old instance finishes
//! its requests and is stopped once they have drained. Rolling back is the same switch
//! to an older release: no rebuild.

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

use crate::file::sha256_hex;

/// The file in a release folder that says it passed its health check and took traffic:
/// only such releases are offered for rollback.
pub const SERVED_FILE: &str = ".slipway-served";

/// The two instances.
pub const COLOURS: [&str; 2] = ["blue", "green"];

/// A small HTTP client for the server's own Python: `GET path` on a unix socket
/// (`unix:/run/x.sock`), a TCP address (`127.0.0.1:80`) or HTTPS to one
/// (`https:127.0.0.1:443`, with the host as the TLS server name; the certificate is
/// checked where it was issued, not here), retried until `wait` seconds
/// have passed. Prints the status; exits 1 unless it is below 400. Given a systemd unit
/// as well, it gives up as soon as that unit has had to restart: the app crashed.
const HTTP_CHECK: &str = r#"
import http.client, socket, subprocess, sys, time
target, path, host, wait = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
unit = sys.argv[5] if len(sys.argv) > 5 else ""
deadline = time.monotonic() + wait
last = "no answer"
while True:
    if unit:
        restarts = subprocess.run(["systemctl", "show", "-p", "NRestarts", "--value", unit], capture_output=True, text=True).stdout.strip()
        if restarts not in ("", "0"):
            print("the app exited while starting")
            sys.exit(1)
    try:
        if target.startswith("unix:"):
            c = http.client.HTTPConnection(host, timeout=10)
            c.sock = socket.socket(socket.AF_UNIX)
            c.sock.settimeout(10)
            c.sock.connect(target[5:])
        elif target.startswith("https:"):
            import ssl
            address, port = target[6:].rsplit(":", 1)
            raw = socket.create_connection((address, int(port)), timeout=10)
            c = http.client.HTTPConnection(host, timeout=10)
            c.sock = ssl._create_unverified_context().wrap_socket(raw, server_hostname=host)
        else:
            address, port = target.rsplit(":", 1)
            c = http.client.HTTPConnection(address, int(port), timeout=10)
        c.request("GET", path, headers={"Host": host, "User-Agent": "slipway-health-check"})
        status = c.getresponse().status
        if status < 400:
            print(status)
            sys.exit(0)
        last = "HTTP %d" % status
    except OSError as error:
        last = error.strerror or str(error)
    if time.monotonic() >= deadline:
        print(last)
        sys.exit(1)
    time.sleep(0.05)
"#;

/// `python3 -c HTTP_CHECK target path host wait [unit]`, as argv.
fn http_check_argv(
    target: &str,
    path: &str,
    host: &str,
    wait_secs: u32,
    unit: Option<&str>,
) -> Vec<String> {
    let mut argv: Vec<String> = [
        "python3",
        "-c",
        HTTP_CHECK,
        target,
        path,
        host,
        &wait_secs.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    argv.extend(unit.map(str::to_owned));
    argv
}

/// A health check from the server itself: see [`HTTP_CHECK`].
pub fn http_check(target: &str, path: &str, host: &str, wait_secs: u32) -> Cmd {
    let argv = http_check_argv(target, path, host, wait_secs, None);
    Cmd::new(&argv[0]).args(&argv[1..])
}

/// How the app server runs the app: the template unit both instances share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppUnit {
    /// The app's name: its user, group, unit and runtime folders.
    pub app: String,
    /// The app's folder, such as `/srv/shop`.
    pub root: String,
    /// What gunicorn loads: `module:app`, `module:factory()` or `production.ini`.
    pub entry: String,
    /// Serve with uvicorn workers.
    pub asgi: bool,
    /// Worker processes.
    pub workers: u32,
    /// Environment files the app reads, in order (missing ones skipped).
    pub env_files: Vec<String>,
}

impl AppUnit {
    /// The template unit's file name: `shop@.service`.
    pub fn template(&self) -> String {
        format!("{}@.service", self.app)
    }

    /// One instance's unit name: `shop@blue.service`.
    pub fn instance(&self, colour: &str) -> String {
        format!("{}@{colour}.service", self.app)
    }

    /// The socket an instance listens on.
    pub fn socket(&self, colour: &str) -> String {
        format!("/run/{}-{colour}/app.sock", self.app)
    }

    /// The link nginx proxies to.
    pub fn live_socket(&self) -> String {
        format!("{}/live.sock", self.root)
    }

    fn path(&self) -> String {
        format!("/etc/systemd/system/{}", self.template())
    }

    /// The unit file's text. `%i` is the colour.
    pub fn unit(&self) -> String {
        let slot = format!("{}/slots/%i", self.root);
        let target = match self.entry.strip_suffix(".ini") {
            Some(_) => format!("--paste {slot}/{}", self.entry),
            None => self.entry.clone(),
        };
        let worker = if self.asgi {
            " --worker-class uvicorn_worker.UvicornWorker"
        } else {
            ""
        };
        let mut env = String::new();
        for file in &self.env_files {
            env.push_str("EnvironmentFile=-");
            env.push_str(file);
            env.push('\n');
        }
        format!(
            "# Managed by Slipway: changes here are replaced on the next deploy.\n\
             [Unit]\n\
             Description={app} (%i), deployed by Slipway\n\
             After=network.target\n\
             \n\
             [Service]\n\
             User={app}\n\
             Group={app}\n\
             WorkingDirectory={slot}\n\
             {env}\
             RuntimeDirectory={app}-%i\n\
             ExecStart={slot}/.venv/bin/gunicorn --bind unix:/run/{app}-%i/app.sock --workers {workers}{worker} --graceful-timeout 30 --access-logfile - {target}\n\
             ExecReload=/bin/kill -s HUP $MAINPID\n\
             Restart=on-failure\n\
             RestartSec=1\n\
             KillMode=mixed\n\
             TimeoutStopSec=40\n\
             \n\
             [Install]\n\
             WantedBy=multi-user.target\n",
            app = self.app,
            workers = self.workers,
        )
    }

    fn key(&self) -> String {
        format!("unit:{}", self.template())
    }
}

impl Step for AppUnit {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!(
            "{} runs gunicorn with {} worker(s)",
            self.template(),
            self.workers
        )
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            Cmd::new("sha256sum").arg(self.path()),
        )]
    }

    fn diff_probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            format!("{}:text", self.key()),
            Cmd::new("cat").arg(self.path()),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let unit = self.unit();
        let hash = facts
            .get(&self.key())
            .map(|a: &Answer| {
                a.stdout
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default();
        if hash == sha256_hex(unit.as_bytes()) {
            return StepPlan::Satisfied {
                evidence: "unit file current".into(),
            };
        }
        let before = facts
            .get(&format!("{}:text", self.key()))
            .filter(|a| a.ok())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        StepPlan::Change {
            actions: vec![
                Action::WriteFile {
                    path: self.path(),
                    contents: unit.clone().into_bytes(),
                    mode: 0o644,
                    owner: Some("root:root".into()),
                    validate: None,
                },
                Action::Run(Cmd::new("systemctl").arg("daemon-reload")),
            ],
            diff: Diff::new(before, unit),
        }
    }
}

/// How a release proves it is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The path asked, such as `/health`.
    pub path: String,
    /// The `Host` header sent.
    pub host: String,
    /// How long a starting release may take to answer, in seconds.
    pub wait_secs: u32,
}

/// A release is live: its instance runs with the current configuration, answered its
/// health check, and receives every new connection.
pub struct Live {
    /// The app's unit.
    pub unit: AppUnit,
    /// The release folder to run.
    pub release: String,
    /// Everything the running instance must match: the release, the unit file, the
    /// environment. A different stamp means a fresh start.
    pub stamp: String,
    /// The check the new instance must pass before it gets traffic.
    pub health: Health,
    /// How long the old instance keeps serving requests already sent to it.
    pub drain_secs: u32,
}

/// What the probe found about the instances.
#[derive(Debug, Default, PartialEq, Eq)]
struct Instances {
    /// The colour `live.sock` points at, if any.
    live: Option<String>,
    /// (colour, stamp, active) for each colour.
    slots: Vec<(String, String, bool)>,
    /// Where `current` points.
    current: String,
}

impl Instances {
    fn parse(output: &str, unit: &AppUnit) -> Self {
        let mut found = Self::default();
        for line in output.lines() {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("live") => {
                    let target = words.next().unwrap_or_default();
                    found.live = COLOURS
                        .iter()
                        .find(|c| unit.socket(c) == target)
                        .map(|c| (*c).to_owned());
                }
                Some("current") => words
                    .next()
                    .unwrap_or_default()
                    .clone_into(&mut found.current),
                Some("slot") => {
                    let colour = words.next().unwrap_or_default().to_owned();
                    let active = words.next() == Some("active");
                    let stamp = words.next().unwrap_or_default().to_owned();
                    found.slots.push((colour, stamp, active));
                }
                _ => {}
            }
        }
        found
    }

    fn slot(&self, colour: &str) -> Option<&(String, String, bool)> {
        self.slots.iter().find(|(c, _, _)| c == colour)
    }
}

/// Starts `$2` (colour) of app `$1` on release `$4` with stamp `$5`, after cancelling any
/// pending retirement of it. `$3` is the app's folder.
const START: &str = r#"app=$1 colour=$2 root=$3 release=$4 stamp=$5
systemctl stop "$app-retire-$colour.timer" "$app-retire-$colour.service" >/dev/null 2>&1
systemctl reset-failed "$app-retire-$colour.timer" "$app-retire-$colour.service" >/dev/null 2>&1
systemctl stop "$app@$colour.service" && systemctl reset-failed "$app@$colour.service" >/dev/null 2>&1
mkdir -p "$root/slots" && ln -sfn "$release" "$root/slots/$colour.next" && mv -Tf "$root/slots/$colour.next" "$root/slots/$colour" && printf '%s\n' "$stamp" > "$root/slots/$colour.stamp" && systemctl start "$app@$colour.service""#;

/// Runs the health check given as the remaining arguments against the new instance.
/// On failure: says what the check saw, shows the instance's log, and stops it, so it
/// never takes traffic. `$1` app, `$2` colour, `$3` the app's folder.
const VERIFY: &str = r#"app=$1 colour=$2 root=$3; shift 3
if seen=$("$@"); then echo "answered HTTP $seen"; exit 0; fi
log=$(journalctl -u "$app@$colour.service" -n 300 --no-pager -o cat)
# The app's own error comes first: gunicorn's tracebacks about stopping follow it.
first=$(printf '%s\n' "$log" | awk '/^Traceback/ && !done { on = 1 } on { print } on && !/^[ \t]/ && !/^Traceback/ { done = 1; on = 0 }')
if [ -n "$first" ]; then
  echo "the new release did not pass its health check on its own socket ($seen); it received no traffic. The app failed with:" >&2
  printf '%s\n' "$first" >&2
else
  echo "the new release did not pass its health check on its own socket ($seen); it received no traffic. Its log ends:" >&2
  printf '%s\n' "$log" | tail -n 20 >&2
fi
systemctl stop "$app@$colour.service"; rm -f "$root/slots/$colour.stamp"; exit 1"#;

/// Points `live.sock` and `current` at the new instance and release, enables it for
/// boot, and stops the old instance once its requests have drained. Until then the old
/// instance keeps its stamp, so switching straight back to it needs no start.
/// `$1` app, `$2` new colour, `$3` root, `$4` release, `$5` old colour or empty, `$6`
/// drain seconds.
const SWITCH: &str = r#"app=$1 colour=$2 root=$3 release=$4 old=$5 drain=$6
ln -sfn "/run/$app-$colour/app.sock" "$root/live.sock.next" && mv -Tf "$root/live.sock.next" "$root/live.sock" || exit 1
ln -sfn "$release" "$root/current.next" && mv -Tf "$root/current.next" "$root/current" || exit 1
touch "$release/.slipway-served"
systemctl enable --quiet --no-reload "$app@$colour.service" || exit 1
if [ -n "$old" ]; then
  systemctl disable --quiet --no-reload "$app@$old.service"
  systemctl stop "$app-retire-$old.timer" "$app-retire-$old.service" >/dev/null 2>&1
  systemctl reset-failed "$app-retire-$old.timer" "$app-retire-$old.service" >/dev/null 2>&1
  systemd-run --quiet --collect --unit="$app-retire-$old" --on-active="$drain" systemctl stop "$app@$old.service"
fi"#;

impl Live {
    fn key(&self) -> String {
        format!("live:{}", self.unit.app)
    }

    /// The probe script's shell: where the links point, and each slot's state and stamp.
    fn probe(&self) -> Cmd {
        let root = &self.unit.root;
        let script = r#"app=$1 root=$2
printf 'live %s\n' "$(readlink "$root/live.sock")"
printf 'current %s\n' "$(readlink "$root/current")"
for colour in blue green; do
  printf 'slot %s %s %s\n' "$colour" "$(systemctl is-active "$app@$colour.service")" "$(cat "$root/slots/$colour.stamp" 2>/dev/null)"
done"#;
        Cmd::new("sh").args(["-c", script, "slipway", &self.unit.app, root])
    }
}

impl Step for Live {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} is live", self.release)
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(self.key(), self.probe())]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let output = facts
            .get(&self.key())
            .map(|a| a.stdout.clone())
            .unwrap_or_default();
        let found = Instances::parse(&output, &self.unit);
        let live = found.live.as_deref().and_then(|c| found.slot(c));
        if let Some((colour, stamp, true)) = live
            && *stamp == self.stamp
            && found.current == self.release
        {
            return StepPlan::Satisfied {
                evidence: format!("{} serves {}", self.unit.instance(colour), self.release),
            };
        }
        let old = live
            .filter(|(_, _, active)| *active)
            .map(|(c, _, _)| c.as_str());
        let colour = match found.live.as_deref() {
            Some("blue") => "green",
            _ => "blue",
        };
        let app = &self.unit.app;
        let root = &self.unit.root;
        // The idle instance may still be draining with exactly what is wanted (a rollback
        // right after a deploy): then it only has to stay up.
        let warm = found
            .slot(colour)
            .is_some_and(|(_, stamp, active)| *active && *stamp == self.stamp);
        let instance = self.unit.instance(colour);
        let start = if warm {
            Cmd::new("systemctl")
                .args(["stop", &format!("{app}-retire-{colour}.timer")])
                .quiet()
                .or(Cmd::Fixed("true"))
        } else {
            Cmd::new("sh").args([
                "-c",
                START,
                "slipway",
                app,
                colour,
                root,
                &self.release,
                &self.stamp,
            ])
        };
        let check = http_check_argv(
            &format!("unix:{}", self.unit.socket(colour)),
            &self.health.path,
            &self.health.host,
            self.health.wait_secs,
            Some(&self.unit.instance(colour)),
        );
        let verify = Cmd::new("sh")
            .args(["-c", VERIFY, "slipway", app, colour, root])
            .args(check);
        let switch = Cmd::new("sh").args([
            "-c",
            SWITCH,
            "slipway",
            app,
            colour,
            root,
            &self.release,
            old.unwrap_or_default(),
            &self.drain_secs.to_string(),
        ]);
        // One remote execution: each part runs only if the one before succeeded.
        let label = format!(
            "{}; check GET {} on its socket; {}",
            if warm {
                format!("{instance} still runs {}", self.release)
            } else {
                format!("start {instance} on {}", self.release)
            },
            self.health.path,
            match old {
                Some(old) => format!(
                    "switch traffic to it and stop {} after {} s",
                    self.unit.instance(old),
                    self.drain_secs
                ),
                None => "send traffic to it".to_owned(),
            }
        );
        let before = match live {
            Some((c, _, _)) => format!("{} serves {}", self.unit.instance(c), found.current),
            None => "nothing live".to_owned(),
        };
        StepPlan::Change {
            actions: vec![Action::Run(
                Cmd::all([start, verify, switch]).labelled(label),
            )],
            diff: Diff::new(
                before,
                format!("{} serves {}", self.unit.instance(colour), self.release),
            ),
        }
    }
}

/// The site answers its health check through nginx, as visitors reach it.
pub struct Reachable {
    /// The address nginx listens on, from the server: `127.0.0.1:80`, or
    /// `https:127.0.0.1:443` for HTTPS.
    pub address: String,
    /// The check.
    pub health: Health,
}

impl Reachable {
    fn key(&self) -> String {
        format!("reachable:{}", self.address)
    }
}

impl Step for Reachable {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        let scheme = if self.address.starts_with("https:") {
            "https"
        } else {
            "http"
        };
        format!(
            "{scheme}://{}{} answers through nginx",
            self.health.host, self.health.path
        )
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            http_check(&self.address, &self.health.path, &self.health.host, 0),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let answer = facts.get(&self.key());
        let seen = answer
            .map(|a| a.stdout.trim().to_owned())
            .unwrap_or_default();
        if answer.is_some_and(Answer::ok) {
            return StepPlan::Satisfied {
                evidence: format!("HTTP {seen}"),
            };
        }
        // nginx applies a reload in the background: give it a moment before failing.
        let wait = http_check(
            &self.address,
            &self.health.path,
            &self.health.host,
            self.health.wait_secs,
        );
        StepPlan::Change {
            actions: vec![Action::Run(wait)],
            diff: Diff::new(seen, "answers"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> AppUnit {
        AppUnit {
            app: "shop".into(),
            root: "/srv/shop".into(),
            entry: "app:app".into(),
            asgi: false,
            workers: 3,
            env_files: vec!["/srv/shop/shared/env".into()],
        }
    }

    fn live(stamp: &str) -> Live {
        Live {
            unit: unit(),
            release: "/srv/shop/releases/r2".into(),
            stamp: stamp.into(),
            health: Health {
                path: "/health".into(),
                host: "shop.example.com".into(),
                wait_secs: 30,
            },
            drain_secs: 10,
        }
    }

    fn facts(step: &Live, output: &str) -> Facts {
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: output.into(),
            },
        );
        facts
    }

    #[test]
    fn each_instance_runs_its_slot_on_its_own_socket() {
        let text = unit().unit();
        assert!(
            text.contains("WorkingDirectory=/srv/shop/slots/%i\n"),
            "{text}"
        );
        assert!(
            text.contains("EnvironmentFile=-/srv/shop/shared/env\n"),
            "{text}"
        );
        assert!(text.contains(
            "ExecStart=/srv/shop/slots/%i/.venv/bin/gunicorn --bind unix:/run/shop-%i/app.sock --workers 3 --graceful-timeout 30 --access-logfile - app:app\n"
        ), "{text}");
        let asgi = AppUnit {
            asgi: true,
            entry: "production.ini".into(),
            ..unit()
        };
        assert!(asgi.unit().contains(
            "--worker-class uvicorn_worker.UvicornWorker --graceful-timeout 30 --access-logfile - --paste /srv/shop/slots/%i/production.ini\n"
        ));
    }

    #[test]
    fn the_live_instance_with_the_same_stamp_is_satisfied() {
        let step = live("s2");
        let now = "live /run/shop-green/app.sock\ncurrent /srv/shop/releases/r2\nslot blue inactive \nslot green active s2\n";
        assert!(matches!(
            step.plan(&facts(&step, now)),
            StepPlan::Satisfied { .. }
        ));
    }

    #[test]
    fn a_new_stamp_starts_the_idle_colour_checks_it_then_switches_and_retires_the_old() {
        let step = live("s3");
        let now = "live /run/shop-green/app.sock\ncurrent /srv/shop/releases/r2\nslot blue inactive \nslot green active s2\n";
        let StepPlan::Change { actions, diff } = step.plan(&facts(&step, now)) else {
            panic!("change")
        };
        assert_eq!(actions.len(), 1, "one remote execution");
        assert_eq!(
            actions[0].describe(),
            "start shop@blue.service on /srv/shop/releases/r2; check GET /health on its socket; \
             switch traffic to it and stop shop@green.service after 10 s"
        );
        let script = actions[0].to_script().expect("script").0;
        let start = script
            .find(" slipway shop blue /srv/shop /srv/shop/releases/r2 s3 && ")
            .expect("start");
        let check = script
            .find(" unix:/run/shop-blue/app.sock /health shop.example.com 30 shop@blue.service; } && ")
            .expect("check");
        let switch = script
            .find(" slipway shop blue /srv/shop /srv/shop/releases/r2 green 10")
            .expect("switch");
        assert!(start < check && check < switch, "{script}");
        assert_eq!(
            diff,
            Diff::new(
                "shop@green.service serves /srv/shop/releases/r2",
                "shop@blue.service serves /srv/shop/releases/r2"
            )
        );
    }

    #[test]
    fn switching_back_to_an_instance_still_draining_needs_no_start() {
        let step = live("s1");
        let now = "live /run/shop-green/app.sock\ncurrent /srv/shop/releases/r3\nslot blue active s1\nslot green active s3\n";
        let StepPlan::Change { actions, .. } = step.plan(&facts(&step, now)) else {
            panic!("change")
        };
        assert_eq!(
            actions[0].describe(),
            "shop@blue.service still runs /srv/shop/releases/r2; check GET /health on its socket; \
             switch traffic to it and stop shop@green.service after 10 s"
        );
        let script = actions[0].to_script().expect("script").0;
        assert!(!script.contains("systemctl start"), "{script}");
    }

    #[test]
    fn a_first_release_starts_blue_with_nothing_to_retire() {
        let step = live("s1");
        let now = "live \ncurrent \nslot blue inactive \nslot green inactive \n";
        let StepPlan::Change { actions, diff } = step.plan(&facts(&step, now)) else {
            panic!("change")
        };
        let script = actions[0].to_script().expect("script").0;
        assert!(script.ends_with("/srv/shop/releases/r2 '' 10"), "{script}");
        assert!(
            actions[0].describe().ends_with("; send traffic to it"),
            "{}",
            actions[0].describe()
        );
        assert_eq!(diff.before, "nothing live");
    }
}
