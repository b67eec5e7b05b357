//! Entry points, static files and release commands, framework by framework.

use super::deps::string_literals;
use super::scan::Project;
use super::{Detected, EntryPoint, Evidence, Found, StaticMount};
use crate::spec::{Framework, Interface};

/// What [`detect`] finds about the app itself.
pub(super) struct Apps {
    pub entry: Detected<EntryPoint>,
    pub static_files: Vec<Found<StaticMount>>,
    pub release: Vec<Found<String>>,
}

const LOOKED_FOR: &str = "manage.py (Django), a PasteDeploy .ini with [app:main] (Pyramid), \
    `app = Flask(...)`, `FastAPI(...)` or `Starlette(...)` in a .py file, or wsgi.py/asgi.py";

/// Constructors that create an app, and the framework each belongs to.
const CONSTRUCTORS: [(&str, Framework); 4] = [
    ("Flask(", Framework::Flask),
    ("Quart(", Framework::Asgi),
    ("FastAPI(", Framework::FastApi),
    ("Starlette(", Framework::Starlette),
];

pub(super) fn detect(project: &Project, packages: &[String], warnings: &mut Vec<String>) -> Apps {
    let mut apps = Apps {
        entry: Detected::Missing {
            looked_for: LOOKED_FOR.into(),
        },
        static_files: Vec::new(),
        release: Vec::new(),
    };
    if let Some(found) = django(project, &mut apps, warnings) {
        apps.entry = Detected::Found {
            value: found.value,
            evidence: found.evidence,
        };
    } else if let Some(found) = pyramid(project, &mut apps, warnings) {
        apps.entry = Detected::Found {
            value: found.value,
            evidence: found.evidence,
        };
    } else {
        let candidates = python_candidates(project, packages);
        for candidate in &candidates {
            static_for(project, &candidate.value, &mut apps.static_files);
        }
        apps.entry = Detected::from_candidates(candidates, LOOKED_FOR);
    }
    alembic(project, packages, &mut apps.release);
    apps
}

/// The dotted module name of a Python file: `shop/app.py` → `shop.app`,
/// `myapp/__init__.py` → `myapp`.
fn module_name(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    let module = stem.replace('/', ".");
    module
        .split('.')
        .all(crate::check::python_identifier)
        .then_some(module)
}

/// The folder holding a module's file: `shop/app.py` → `shop`, `app.py` → the empty string.
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// The first string literal after `key` on a line: `X = 'value'` → `value`.
fn assigned_string(text: &str, key: &str) -> Option<(usize, String)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let rest = line.strip_prefix(key)?.trim_start();
        let rest = rest.strip_prefix('=')?;
        string_literals(rest)
            .into_iter()
            .next()
            .map(|value| (i + 1, value))
    })
}

fn django(
    project: &Project,
    apps: &mut Apps,
    warnings: &mut Vec<String>,
) -> Option<Found<EntryPoint>> {
    let manage = project.text("manage.py")?;
    let (line, settings_module) = manage.lines().enumerate().find_map(|(i, line)| {
        line.contains("DJANGO_SETTINGS_MODULE")
            .then(|| string_literals(line).into_iter().nth(1))
            .flatten()
            .map(|m| (i + 1, m))
    })?;
    let mut evidence = vec![Evidence::line(
        "manage.py",
        line,
        format!("settings module {settings_module}"),
    )];
    let settings_path = settings_module.replace('.', "/");
    let settings_file = [
        format!("{settings_path}.py"),
        format!("{settings_path}/__init__.py"),
    ]
    .into_iter()
    .find(|f| project.has(f));
    let settings = settings_file
        .as_deref()
        .and_then(|f| project.text(f))
        .unwrap_or_default();
    let settings_file = settings_file.unwrap_or_else(|| format!("{settings_path}.py"));
    let package = settings_module
        .rsplit_once('.')
        .map_or("", |(p, _)| p)
        .to_owned();

    let entry = if let Some((line, target)) = assigned_string(settings, "WSGI_APPLICATION") {
        evidence.push(Evidence::line(
            &settings_file,
            line,
            format!("WSGI_APPLICATION = {target}"),
        ));
        target.rsplit_once('.').map(|(m, a)| format!("{m}:{a}"))
    } else {
        let wsgi = join(&package.replace('.', "/"), "wsgi.py");
        project.has(&wsgi).then(|| {
            evidence.push(Evidence::file(&wsgi, "defines application"));
            format!("{package}.wsgi:application")
        })
    };
    let entry = entry.unwrap_or_else(|| format!("{package}.wsgi:application"));
    let asgi = join(&package.replace('.', "/"), "asgi.py");
    if project.has(&asgi) {
        evidence.push(Evidence::file(
            &asgi,
            format!("also present: set the entry to {package}.asgi:application to serve ASGI"),
        ));
    }

    migrate_and_collect(project, settings, &settings_file, apps, warnings);
    Some(Found {
        value: EntryPoint {
            framework: Framework::Django,
            entry,
            interface: Interface::Wsgi,
        },
        evidence,
    })
}

fn migrate_and_collect(
    project: &Project,
    settings: &str,
    settings_file: &str,
    apps: &mut Apps,
    warnings: &mut Vec<String>,
) {
    let migrations: Vec<String> = project
        .files()
        .map(|(path, _)| path)
        .filter(|p| p.ends_with("/models.py") && project.has_dir(&join(folder_of(p), "migrations")))
        .map(|p| join(folder_of(p), "migrations"))
        .collect();
    let mut evidence: Vec<Evidence> = migrations
        .iter()
        .map(|m| Evidence::file(m, "holds migrations"))
        .collect();
    if settings.contains("django.contrib.auth") {
        evidence.push(Evidence::file(
            settings_file,
            "django.contrib.auth keeps its tables",
        ));
    }
    if !evidence.is_empty() {
        apps.release.push(Found {
            value: "python manage.py migrate --noinput".into(),
            evidence,
        });
    }
    if !settings.contains("django.contrib.staticfiles") {
        return;
    }
    let url = assigned_string(settings, "STATIC_URL")
        .map_or_else(|| "/static/".to_owned(), |(_, url)| url);
    let url = format!("/{}/", url.trim_matches('/'));
    let root = settings.lines().enumerate().find_map(|(i, line)| {
        let value = line
            .strip_prefix("STATIC_ROOT")?
            .trim_start()
            .strip_prefix('=')?;
        let literals = string_literals(value);
        literals
            .last()
            .map(|dir| (i + 1, dir.trim_matches('/').to_owned()))
    });
    let evidence = if let Some((line, dir)) = &root {
        vec![Evidence::line(
            settings_file,
            *line,
            format!("STATIC_ROOT is {dir}"),
        )]
    } else {
        warnings.push(format!(
            "{settings_file} sets no STATIC_ROOT, which collectstatic needs; add \
             STATIC_ROOT = BASE_DIR / \"staticfiles\" to it before deploying"
        ));
        vec![Evidence::file(
            settings_file,
            "no STATIC_ROOT: staticfiles is suggested",
        )]
    };
    let dir = root.map_or_else(|| "staticfiles".to_owned(), |(_, dir)| dir);
    apps.static_files.push(Found {
        value: StaticMount {
            url,
            dir,
            collected: true,
        },
        evidence: evidence.clone(),
    });
    apps.release.push(Found {
        value: "python manage.py collectstatic --noinput".into(),
        evidence,
    });
}

fn pyramid(
    project: &Project,
    apps: &mut Apps,
    warnings: &mut Vec<String>,
) -> Option<Found<EntryPoint>> {
    let inis: Vec<&str> = project
        .files()
        .filter(|(path, text)| {
            !path.contains('/') && path.ends_with(".ini") && text.contains("[app:main]")
        })
        .map(|(path, _)| path)
        .collect();
    let chosen = ["production.ini", "prod.ini"]
        .into_iter()
        .find(|f| inis.contains(f))
        .or_else(|| inis.iter().copied().find(|f| !f.starts_with("development")))
        .or_else(|| inis.first().copied())?;
    let mut evidence = vec![Evidence::file(chosen, "PasteDeploy [app:main] section")];
    if let Some((line, using)) = project.text(chosen).and_then(|t| {
        t.lines().enumerate().find_map(|(i, l)| {
            let rest = l
                .trim()
                .strip_prefix("use")?
                .trim_start()
                .strip_prefix('=')?;
            Some((i + 1, rest.trim().to_owned()))
        })
    }) {
        evidence.push(Evidence::line(chosen, line, format!("use = {using}")));
    }
    for other in inis.iter().filter(|f| **f != chosen) {
        evidence.push(Evidence::file(
            other,
            format!("also present; {chosen} is used for production"),
        ));
    }
    if chosen.starts_with("development") {
        warnings.push(format!(
            "only {chosen} was found; it usually turns on debugging. Add a production.ini \
             without pyramid_debugtoolbar before deploying"
        ));
    }
    for (path, text) in project.python_files() {
        for (i, line) in text.lines().enumerate() {
            if !line.contains("add_static_view(") {
                continue;
            }
            let literals = string_literals(line);
            let (Some(name), Some(spec)) = (literals.first(), literals.get(1)) else {
                continue;
            };
            let dir = match spec.split_once(':') {
                Some((package, rel)) => join(&package.replace('.', "/"), rel),
                None => join(folder_of(path), spec),
            };
            apps.static_files.push(Found {
                value: StaticMount {
                    url: format!("/{}/", name.trim_matches('/')),
                    dir,
                    collected: false,
                },
                evidence: vec![Evidence::line(path, i + 1, "add_static_view")],
            });
        }
    }
    Some(Found {
        value: EntryPoint {
            framework: Framework::Pyramid,
            entry: chosen.to_owned(),
            interface: Interface::Wsgi,
        },
        evidence,
    })
}

/// App objects and factories created in Python files, plus the conventional `wsgi.py`
/// and `asgi.py` modules. When a conventional module defines the app, it alone counts:
/// it is the file written to start the app in production.
fn python_candidates(project: &Project, packages: &[String]) -> Vec<Found<EntryPoint>> {
    let mut conventional = Vec::new();
    let mut created = Vec::new();
    for (path, text) in project.python_files() {
        let Some(module) = module_name(path) else {
            continue;
        };
        let is_conventional = matches!(module.rsplit('.').next(), Some("wsgi" | "asgi"));
        let mut function: Option<&str> = None;
        for (i, line) in text.lines().enumerate() {
            let top_level = !line.starts_with([' ', '\t']);
            if top_level && !line.trim().is_empty() {
                function = line
                    .strip_prefix("def ")
                    .or_else(|| line.strip_prefix("async def "))
                    .and_then(|rest| rest.split('(').next());
            }
            if is_conventional
                && top_level
                && let Some(found) = conventional_entry(path, &module, line, i + 1, packages)
            {
                conventional.push(found);
            }
            let Some((constructor, framework)) = CONSTRUCTORS
                .iter()
                .find(|(c, _)| line.contains(c) && !line.trim_start().starts_with('#'))
            else {
                continue;
            };
            let target = if top_level {
                assigned_name(line, constructor).map(|name| format!("{module}:{name}"))
            } else {
                function.map(|f| format!("{module}:{f}()"))
            };
            let Some(entry) = target else { continue };
            if created
                .iter()
                .any(|c: &Found<EntryPoint>| c.value.entry == entry)
            {
                continue;
            }
            let interface = framework.fixed_interface().unwrap_or(Interface::Wsgi);
            let note = format!("creates the app with {constructor}…)");
            created.push(Found {
                value: EntryPoint {
                    framework: *framework,
                    entry,
                    interface,
                },
                evidence: vec![Evidence::line(path, i + 1, note)],
            });
        }
    }
    if conventional.is_empty() {
        created
    } else {
        conventional
    }
}

/// `app = Flask(__name__)` → `app`; `app: Flask = Flask(...)` → `app`.
fn assigned_name<'a>(line: &'a str, constructor: &str) -> Option<&'a str> {
    let (left, right) = line.split_once('=')?;
    if !right.trim_start().starts_with(constructor) {
        return None;
    }
    let name = left.split(':').next()?.trim();
    crate::check::python_identifier(name).then_some(name)
}

/// A top-level `application = …` / `app = …` or a WSGI/ASGI callable in wsgi.py or asgi.py.
fn conventional_entry(
    path: &str,
    module: &str,
    line: &str,
    number: usize,
    packages: &[String],
) -> Option<Found<EntryPoint>> {
    let asgi_module = module.ends_with("asgi");
    let (name, note) = if let Some(rest) = line.strip_prefix("def ") {
        let name = rest.split('(').next()?;
        (name == "application" || rest.contains("environ")).then_some((name, "a WSGI callable"))?
    } else if let Some(rest) = line.strip_prefix("async def ") {
        let name = rest.split('(').next()?;
        rest.contains("scope")
            .then_some((name, "an ASGI callable"))?
    } else {
        let name = line.split('=').next()?.trim();
        (line.contains('=') && matches!(name, "application" | "app"))
            .then_some((name, "assigns the app"))?
    };
    let has = |p: &str| packages.iter().any(|x| x == p);
    let framework = if has("flask") {
        Framework::Flask
    } else if has("fastapi") {
        Framework::FastApi
    } else if has("starlette") {
        Framework::Starlette
    } else if asgi_module || note.starts_with("an ASGI") {
        Framework::Asgi
    } else {
        Framework::Wsgi
    };
    let interface = framework.fixed_interface().unwrap_or(Interface::Wsgi);
    Some(Found {
        value: EntryPoint {
            framework,
            entry: format!("{module}:{name}"),
            interface,
        },
        evidence: vec![Evidence::line(path, number, note)],
    })
}

/// Static folders for a Flask app (`static/` beside its module) or an ASGI app
/// (`StaticFiles(directory=…)` / `StaticFiles(packages=[…])` mounts).
fn static_for(project: &Project, entry: &EntryPoint, out: &mut Vec<Found<StaticMount>>) {
    let module = entry
        .entry
        .split(':')
        .next()
        .unwrap_or_default()
        .replace('.', "/");
    let file = [format!("{module}.py"), format!("{module}/__init__.py")]
        .into_iter()
        .find(|f| project.has(f));
    let Some(file) = file else { return };
    let mut add = |mount: StaticMount, evidence: Evidence| {
        if !out.iter().any(|m| m.value.url == mount.url) {
            out.push(Found {
                value: mount,
                evidence: vec![evidence],
            });
        }
    };
    if entry.framework == Framework::Flask {
        let dir = join(folder_of(&file), "static");
        if project.has_dir(&dir) {
            add(
                StaticMount {
                    url: "/static/".into(),
                    dir: dir.clone(),
                    collected: false,
                },
                Evidence::file(&dir, "Flask serves this folder at /static/"),
            );
        }
        return;
    }
    let text = project.text(&file).unwrap_or_default();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find("StaticFiles(") else {
            continue;
        };
        let Some(url) = string_literals(&line[..at]).into_iter().next() else {
            continue;
        };
        let args = &line[at..];
        let literals = string_literals(args);
        let dir = if args.contains("packages=") && literals.len() >= 2 {
            join(&literals[0].replace('.', "/"), &literals[1])
        } else if let Some(dir) = literals.first() {
            dir.trim_start_matches("./").to_owned()
        } else {
            continue;
        };
        add(
            StaticMount {
                url: format!("/{}/", url.trim_matches('/')),
                dir,
                collected: false,
            },
            Evidence::line(&file, i + 1, "mounts StaticFiles"),
        );
    }
}

fn alembic(project: &Project, packages: &[String], release: &mut Vec<Found<String>>) {
    if project.has("alembic.ini") {
        release.push(Found {
            value: "alembic upgrade head".into(),
            evidence: vec![Evidence::file("alembic.ini", "Alembic migrations")],
        });
    } else if project.has("migrations/alembic.ini") && packages.iter().any(|p| p == "flask-migrate")
    {
        release.push(Found {
            value: "flask db upgrade".into(),
            evidence: vec![Evidence::file(
                "migrations/alembic.ini",
                "Flask-Migrate migrations",
            )],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_follow_python_imports() {
        assert_eq!(module_name("shop/app.py").as_deref(), Some("shop.app"));
        assert_eq!(module_name("myapp/__init__.py").as_deref(), Some("myapp"));
        assert_eq!(module_name("my-scripts/app.py"), None);
    }

    #[test]
    fn assignments_name_the_app_object() {
        assert_eq!(
            assigned_name("app = Flask(__name__)", "Flask("),
            Some("app")
        );
        assert_eq!(
            assigned_name("api: FastAPI = FastAPI(title='x')", "FastAPI("),
            Some("api")
        );
        assert_eq!(assigned_name("x = make(Flask(__name__))", "Flask("), None);
    }
}
