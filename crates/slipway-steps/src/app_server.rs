//! Running a release: the `current` link switched atomically, and the gunicorn service
//! (uvicorn workers for ASGI apps) bound to a unix socket that nginx will proxy to.

use slipway_engine::{Action, Answer, Cmd, Diff, Facts, Probe, Step, StepPlan};

/// `<root>/current` points at this release.
pub struct CurrentRelease {
    /// The app's folder, such as `/srv/shop`.
    pub root: String,
    /// The release to make live.
    pub release: String,
}

impl CurrentRelease {
    fn key(&self) -> String {
        format!("current:{}", self.root)
    }

    /// The link every service and nginx site refers to.
    pub fn link(&self) -> String {
        format!("{}/current", self.root)
    }
}

impl Step for CurrentRelease {
    fn id(&self) -> String {
        self.key()
    }

    fn describe(&self) -> String {
        format!("{} is live", self.release)
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            self.key(),
            Cmd::new("readlink").arg(self.link()),
        )]
    }

    fn plan(&self, facts: &Facts) -> StepPlan {
        let now = facts
            .get(&self.key())
            .filter(|a| a.ok())
            .map(|a: &Answer| a.stdout.trim().to_owned());
        if now.as_deref() == Some(self.release.as_str()) {
            return StepPlan::Satisfied {
                evidence: format!("current -> {}", self.release),
            };
        }
        // A new link beside the old one, renamed over it: the switch is one rename.
        let next = format!("{}.next", self.link());
        let switch = Cmd::new("ln")
            .args(["-sfn", &self.release, &next])
            .and(Cmd::new("mv").args(["-Tf", &next, &self.link()]));
        StepPlan::Change {
            actions: vec![Action::Run(switch)],
            diff: Diff::new(now.unwrap_or_default(), self.release.clone()),
        }
    }
}

/// How gunicorn runs the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppServer {
    /// The app's name: its user, group, service and runtime folder.
    pub app: String,
    /// The app's folder, such as `/srv/shop`.
    pub root: String,
    /// What gunicorn loads: `module:app`, `module:factory()` or `production.ini`.
    pub entry: String,
    /// Serve with uvicorn workers.
    pub asgi: bool,
    /// Worker processes.
    pub workers: u32,
}

impl AppServer {
    /// The service's name.
    pub fn service(&self) -> String {
        format!("{}.service", self.app)
    }

    /// The socket gunicorn listens on.
    pub fn socket(&self) -> String {
        format!("/run/{}/app.sock", self.app)
    }

    /// The systemd unit. Paths go through `current`, so switching releases is a link
    /// change plus a graceful reload.
    pub fn unit(&self) -> String {
        let current = format!("{}/current", self.root);
        let (target, paste) = match self.entry.strip_suffix(".ini") {
            Some(_) => (format!("{current}/{}", self.entry), "--paste "),
            None => (self.entry.clone(), ""),
        };
        let worker = if self.asgi {
            " --worker-class uvicorn.workers.UvicornWorker"
        } else {
            ""
        };
        format!(
            "[Unit]\n\
             Description={app} (deployed by Slipway)\n\
             After=network.target\n\
             \n\
             [Service]\n\
             User={app}\n\
             Group={app}\n\
             WorkingDirectory={current}\n\
             RuntimeDirectory={app}\n\
             ExecStart={current}/.venv/bin/gunicorn --bind unix:{socket} --workers {workers}{worker} --access-logfile - {paste}{target}\n\
             ExecReload=/bin/kill -s HUP $MAINPID\n\
             Restart=on-failure\n\
             KillMode=mixed\n\
             TimeoutStopSec=30\n\
             \n\
             [Install]\n\
             WantedBy=multi-user.target\n",
            app = self.app,
            socket = self.socket(),
            workers = self.workers,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wsgi_unit_runs_gunicorn_from_the_current_release() {
        let server = AppServer {
            app: "shop".into(),
            root: "/srv/shop".into(),
            entry: "app:app".into(),
            asgi: false,
            workers: 3,
        };
        assert_eq!(
            server.unit(),
            "[Unit]\nDescription=shop (deployed by Slipway)\nAfter=network.target\n\n[Service]\nUser=shop\nGroup=shop\n\
             WorkingDirectory=/srv/shop/current\nRuntimeDirectory=shop\n\
             ExecStart=/srv/shop/current/.venv/bin/gunicorn --bind unix:/run/shop/app.sock --workers 3 --access-logfile - app:app\n\
             ExecReload=/bin/kill -s HUP $MAINPID\nRestart=on-failure\nKillMode=mixed\nTimeoutStopSec=30\n\n\
             [Install]\nWantedBy=multi-user.target\n"
        );
    }

    #[test]
    fn asgi_apps_get_uvicorn_workers_and_pyramid_a_paste_file() {
        let asgi = AppServer {
            app: "api".into(),
            root: "/srv/api".into(),
            entry: "main:app".into(),
            asgi: true,
            workers: 2,
        };
        assert!(asgi.unit().contains(
            "--workers 2 --worker-class uvicorn.workers.UvicornWorker --access-logfile - main:app\n"
        ));
        let paste = AppServer {
            app: "site".into(),
            root: "/srv/site".into(),
            entry: "production.ini".into(),
            asgi: false,
            workers: 2,
        };
        assert!(
            paste
                .unit()
                .contains("--access-logfile - --paste /srv/site/current/production.ini\n")
        );
    }

    #[test]
    fn the_current_link_is_switched_by_one_rename() {
        let step = CurrentRelease {
            root: "/srv/shop".into(),
            release: "/srv/shop/releases/r2".into(),
        };
        let mut facts = Facts::default();
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: "/srv/shop/releases/r1\n".into(),
            },
        );
        let StepPlan::Change { actions, diff } = step.plan(&facts) else {
            panic!("change")
        };
        assert_eq!(
            actions[0].describe(),
            "ln -sfn /srv/shop/releases/r2 /srv/shop/current.next && mv -Tf /srv/shop/current.next /srv/shop/current"
        );
        assert_eq!(
            diff,
            Diff::new("/srv/shop/releases/r1", "/srv/shop/releases/r2")
        );
        facts.insert(
            step.key(),
            Answer {
                status: 0,
                stdout: "/srv/shop/releases/r2\n".into(),
            },
        );
        assert!(matches!(step.plan(&facts), StepPlan::Satisfied { .. }));
    }
}
