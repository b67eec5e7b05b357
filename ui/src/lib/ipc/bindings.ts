// Generated from the Rust types by `cargo test -p slipway-app --test bindings`.
// Do not edit: change the Rust type and run that test with UPDATE_BINDINGS=1.

export type Framework = "django" | "flask" | "fastapi" | "starlette" | "pyramid" | "wsgi" | "asgi";

export type Interface = "wsgi" | "asgi";

export type Installer = "uv" | "pip";

export type Spec = { 
/**
 * The application and how to run it.
 */
app: AppSpec, 
/**
 * The server it runs on; absent until the user has chosen one.
 */
server?: ServerSpec | null, 
/**
 * The public name of the site; absent while the app is only reached by address.
 */
domain?: DomainSpec | null, 
/**
 * HTTPS certificate settings; required with a domain.
 */
tls?: TlsSpec | null, 
/**
 * How the server is locked down.
 */
harden?: HardenSpec, 
/**
 * Who hears about finished and failed deploys.
 */
notify?: NotifySpec, };

export type AppSpec = { 
/**
 * Short name: the service, its system user and its folder on the server.
 */
name: string, 
/**
 * The app's folder, relative to the folder holding `slipway.toml`.
 */
path: string, 
/**
 * One of the keys of [`Framework`]; empty until detected or chosen.
 */
framework: Framework | "", 
/**
 * Where gunicorn finds the app: `module:app`, `module:factory()` or `production.ini`.
 */
entry: string, 
/**
 * `wsgi` or `asgi`; empty until detected or chosen.
 */
interface: Interface | "", 
/**
 * Python version asked for, such as `3.12`; empty for the server's own Python.
 */
python?: string, 
/**
 * The file listing dependencies, relative to the app folder.
 */
dependencies: string, 
/**
 * Folders nginx serves directly.
 */
static?: Array<StaticSpec>, 
/**
 * Commands run in each new release before it goes live, in order.
 */
release?: Array<string>, 
/**
 * URL path a deploy requests before sending traffic to a new release, such as
 * `/health`; `/` by default.
 */
health: string, 
/**
 * Gunicorn worker processes; 0 chooses from the server's CPUs.
 */
workers?: number, 
/**
 * `uv` or `pip`: what installs the dependencies on the server.
 */
installer?: Installer, 
/**
 * How many releases stay on the server, the live one included, for instant
 * rollback.
 */
keep_releases?: number, 
/**
 * The largest request body nginx accepts, in nginx's units (`25m`, `512k`, `1g`):
 * uploads bigger than this are refused with HTTP 413.
 */
max_body_size?: string, 
/**
 * Git URL the server fetches the code from; empty to upload the commit from this
 * computer.
 */
repository?: string, 
/**
 * Absolute path, on the server, of the private key for fetching `repository` over
 * SSH; `keychain` for the project's deploy key, which Slipway keeps in the keychain
 * and installs; empty when none is needed.
 */
deploy_key?: string, 
/**
 * Environment variables the app runs with (`[app.env]`), by name.
 */
env?: Record<string, string>, 
/**
 * Environment variables whose values are secrets: kept in the keychain (as
 * `env/NAME`), never in this file, and written only to the server's private
 * environment file.
 */
secrets?: Array<string>, };

export type StaticSpec = { 
/**
 * URL prefix, such as `/static/`.
 */
url: string, 
/**
 * Folder relative to the app folder, such as `staticfiles`.
 */
dir: string, };

export type ServerSpec = { 
/**
 * Who makes the server: `digitalocean`, `hetzner` or `sandbox`; empty for a server
 * the user already has, at `host`.
 */
provider?: string, 
/**
 * Host name or IP address; empty when a provider makes the server (Slipway asks
 * the provider for its address).
 */
host?: string, 
/**
 * SSH port.
 */
port: number, 
/**
 * The user Slipway logs in as.
 */
user: string, 
/**
 * The private key file to log in with (`~/` allowed); `keychain` for the project's
 * key in the keychain (`slipway key new`); empty to use ssh-agent.
 */
key?: string, 
/**
 * With a provider: where the server runs, such as `fra1` (DigitalOcean) or `fsn1`
 * (Hetzner).
 */
region?: string, 
/**
 * With a provider: the size or server type, such as `s-1vcpu-1gb` or `cx22`.
 */
size?: string, 
/**
 * With a provider: the system image; empty for Debian 12.
 */
image?: string, 
/**
 * With a provider: the server's name there; empty for the app's name.
 */
name?: string, 
/**
 * With a provider: give the server a public IPv6 address too (and AAAA records).
 */
ipv6?: boolean, };

export type DomainSpec = { 
/**
 * The main name, such as `example.com`.
 */
name: string, 
/**
 * Other names that serve the same site, such as `www.example.com`.
 */
aliases?: Array<string>, 
/**
 * Whether the aliases answer with a permanent redirect to `name` (one address in
 * search results and bookmarks) rather than serving the site themselves.
 */
redirect_aliases?: boolean, 
/**
 * DNS resolvers asked whether the names point at the server, as `address` or
 * `address:port`; empty for Cloudflare's, Google's and Quad9's public resolvers.
 */
resolvers?: Array<string>, 
/**
 * How long a deploy waits for the names to point at the server, in seconds, before
 * it gives up without asking for a certificate.
 */
dns_wait?: number, 
/**
 * Who points the names at the server: `[domain.dns]`.
 */
dns?: DnsSpec, };

export type DnsSpec = { 
/**
 * `manual` (the default), `digitalocean`, `cloudflare` or `namecheap`.
 */
provider?: string, 
/**
 * Namecheap only: the account's API user name.
 */
user?: string, 
/**
 * Namecheap only: this machine's public IPv4 address, which must be on the
 * account's API whitelist.
 */
client_ip?: string, };

export type TlsSpec = { 
/**
 * Address the certificate authority writes to about expiring certificates.
 */
email: string, 
/**
 * `letsencrypt` (the default), `letsencrypt-staging`, or an ACME directory URL.
 */
acme?: string, 
/**
 * A PEM file on this computer with the certificate authority's root, for a private
 * ACME directory whose certificates the server does not already trust.
 */
ca_bundle?: string, 
/**
 * Before the first certificate, prove the whole path with a trial run on the staging
 * service, so a mistake cannot use up the production rate limits.
 */
staging_first?: boolean, 
/**
 * Send `Strict-Transport-Security`: browsers then refuse plain HTTP to the site for
 * two years. Turn on once HTTPS works and will stay.
 */
hsts?: boolean, };

export type HardenSpec = { 
/**
 * The login user Slipway creates (key only, with sudo) and deploys as once it has
 * proven it can log in; empty to keep logging in as `server.user`.
 */
deploy_user?: string, 
/**
 * Key-only SSH with root login off, applied only after the deploy user has logged
 * in with sudo.
 */
ssh?: boolean, 
/**
 * A firewall (ufw) that lets in SSH, HTTP and HTTPS only.
 */
firewall?: boolean, 
/**
 * fail2ban, banning addresses that keep failing to log in over SSH.
 */
fail2ban?: boolean, 
/**
 * Security updates installed automatically every day.
 */
upgrades?: boolean, 
/**
 * `auto` (a swap file on servers with little memory and no swap), `off`, or a size
 * such as `1G`.
 */
swap?: string, };

export type NotifySpec = { 
/**
 * A desktop notification on this computer: `always` (the default), `failure`,
 * `success` or `never`.
 */
desktop?: When, 
/**
 * E-mail over SMTP.
 */
email?: EmailNotify | null, 
/**
 * A text message through Twilio.
 */
sms?: SmsNotify | null, 
/**
 * A message to a Slack channel through an incoming webhook.
 */
slack?: SlackNotify | null, 
/**
 * A JSON POST to any URL.
 */
webhook?: WebhookNotify | null, };

export type When = "always" | "failure" | "success" | "never";

export type EmailNotify = { 
/**
 * Who receives it.
 */
to: string, 
/**
 * Who it is from.
 */
from: string, 
/**
 * The SMTP server, `host:port` (587 for STARTTLS, 465 for TLS).
 */
server: string, 
/**
 * The SMTP login; empty for a server that needs none.
 */
username?: string, 
/**
 * `starttls` (the default), `tls`, or `none` (only for a server on this computer).
 */
security?: string, 
/**
 * When it is sent: `failure` by default.
 */
when?: When, };

export type SmsNotify = { 
/**
 * The phone number that receives it, in international form (`+14155550123`).
 */
to: string, 
/**
 * The Twilio number it comes from.
 */
from: string, 
/**
 * The Twilio Account SID (`AC…`).
 */
account: string, 
/**
 * When it is sent: `failure` by default.
 */
when?: When, };

export type SlackNotify = { 
/**
 * When it is sent: `always` by default.
 */
when?: When, };

export type WebhookNotify = { 
/**
 * Where to POST: `https://`, or `http://` to this computer.
 */
url: string, 
/**
 * When it is sent: `always` by default.
 */
when?: When, };

export type Problem = { 
/**
 * Dotted path of the field, such as `domain.name` or `domain.aliases[1]`. Empty when
 * the problem concerns the whole file (for example a TOML syntax error).
 */
field: string, 
/**
 * What is wrong and, where it helps, what to write instead.
 */
message: string, };

export type Evidence = { 
/**
 * File relative to the project folder.
 */
file: string, 
/**
 * 1-based line number, where one line says it.
 */
line?: number | null, 
/**
 * What the file says, in a few words.
 */
note: string, };

export type Found<T> = { 
/**
 * The answer.
 */
value: T, 
/**
 * Why Slipway believes it.
 */
evidence: Array<Evidence>, };

export type Detected<T> = { "status": "found", 
/**
 * The answer.
 */
value: T, 
/**
 * Why Slipway believes it.
 */
evidence: Array<Evidence>, } | { "status": "ambiguous", 
/**
 * Each plausible answer with its evidence.
 */
candidates: Array<Found<T>>, } | { "status": "missing", 
/**
 * What was looked for, so the user knows what to add.
 */
looked_for: string, };

export type EntryPoint = { 
/**
 * The framework the app is built with.
 */
framework: Framework, 
/**
 * What gunicorn is given: `module:app`, `module:factory()` or `production.ini`.
 */
entry: string, 
/**
 * WSGI or ASGI.
 */
interface: Interface, };

export type Manifest = "requirements" | "pyproject" | "poetry" | "pipfile" | "setup_py";

export type Dependencies = { 
/**
 * The manifest, relative to the app folder.
 */
file: string, 
/**
 * What kind of manifest it is.
 */
manifest: Manifest, 
/**
 * The lock file that pins exact versions, when there is one.
 */
lock?: string | null, 
/**
 * Further requirement files pulled in with `-r`, in the order they are read.
 */
includes: Array<string>, 
/**
 * Package names, normalised (lowercase, `-` for `_` and `.`).
 */
packages: Array<string>, };

export type PythonRequest = { 
/**
 * The version as written, such as `3.11`, `>=3.10` or `^3.11`.
 */
constraint: string, 
/**
 * The lowest `major.minor` that satisfies it, such as `3.10`.
 */
minimum: string, };

export type StaticMount = { 
/**
 * URL prefix, such as `/static/`.
 */
url: string, 
/**
 * Folder relative to the app folder.
 */
dir: string, 
/**
 * The folder is filled by `collectstatic` on the server, not copied as is.
 */
collected: boolean, };

export type GitFacts = { 
/**
 * The repository's top folder.
 */
top: string, 
/**
 * The `origin` remote (or the first remote), with any password removed.
 */
remote?: string | null, 
/**
 * The checked-out branch; absent on a detached HEAD.
 */
branch?: string | null, 
/**
 * The HEAD commit; absent before the first commit.
 */
head?: string | null, 
/**
 * Files with uncommitted changes (modified, staged or untracked), as git names them.
 */
uncommitted: Array<string>, };

export type Detection = { 
/**
 * The folder the user chose, as an absolute path.
 */
root: string, 
/**
 * The app's folder relative to `root`; `.` when they are the same.
 */
app_dir: string, 
/**
 * A name for the service, from the project's own name.
 */
name: string, 
/**
 * The framework and entry point.
 */
entry: Detected<EntryPoint>, 
/**
 * The file that lists dependencies.
 */
dependencies: Detected<Dependencies>, 
/**
 * The Python version the project asks for.
 */
python: Detected<PythonRequest>, 
/**
 * Folders nginx should serve directly.
 */
static_files: Array<Found<StaticMount>>, 
/**
 * Commands to run in each new release before it goes live.
 */
release: Array<Found<string>>, 
/**
 * Facts from git; absent when the folder is not in a repository.
 */
git?: GitFacts | null, 
/**
 * Things the user should know before deploying.
 */
warnings: Array<string>, };

export type Project = { 
/**
 * What the folder says about the app.
 */
detection: Detection, 
/**
 * The spec: read from `slipway.toml` when there is one, else drafted from detection.
 */
spec: Spec, 
/**
 * The `slipway.toml` the spec was read from; absent for a draft.
 */
config?: string | null, 
/**
 * Every problem with the spec as it stands.
 */
problems: Array<Problem>, };

export type ErrorCode = "not_found" | "not_a_project" | "invalid" | "io" | "unreachable" | "locked" | "deploy_failed" | "uncommitted" | "dns_not_ready" | "provider";

export type IpcError = { 
/**
 * What kind of failure this is.
 */
code: ErrorCode, 
/**
 * One short sentence naming what failed.
 */
message: string, 
/**
 * What the user can do about it, most useful first.
 */
hints: Array<string>, 
/**
 * The field at fault, as a spec field path (`domain.name`) or a form field (`path`).
 */
field?: string | null, };

export type ServerOffer = { 
/**
 * Whose account the token opens, and in what state, in words.
 */
account: string, 
/**
 * The prices' currency (ISO 4217: `USD`, `EUR`).
 */
currency: string, 
/**
 * Regions that can take a new server, each with its sizes (cheapest first) and
 * images.
 */
regions: Array<RegionOffer>, };

export type RegionOffer = { 
/**
 * `fra1`, `fsn1`.
 */
slug: string, 
/**
 * `Frankfurt 1`.
 */
name: string, 
/**
 * Sizes sold here, cheapest first.
 */
sizes: Array<SizeOffer>, 
/**
 * Supported systems offered here.
 */
images: Array<ImageOffer>, };

export type SizeOffer = { 
/**
 * `s-1vcpu-1gb`, `cx22`.
 */
slug: string, 
/**
 * CPUs.
 */
vcpus: number, 
/**
 * Memory in MiB.
 */
memory_mib: number, 
/**
 * Disk in GB.
 */
disk_gb: number, 
/**
 * The price a month, in the offer's currency.
 */
price_monthly: number, };

export type ImageOffer = { 
/**
 * `debian-12-x64`, `debian-12`.
 */
slug: string, 
/**
 * `Debian 12`.
 */
label: string, };

export type SecretState = { 
/**
 * The secret's name, such as `digitalocean-token`.
 */
name: string, 
/**
 * Whether it is set.
 */
set: boolean, };

export type DnsStatus = { 
/**
 * Whether every name points at the server.
 */
ready: boolean, 
/**
 * The address they must point at.
 */
expected: string, 
/**
 * One line per name.
 */
names: Array<NameStatus>, };

export type NameStatus = { 
/**
 * `www.example.com`.
 */
name: string, 
/**
 * Whether it points at the server.
 */
ready: boolean, 
/**
 * What was found and what to change.
 */
message: string, };

export type Stream = "stdout" | "stderr";

export type Diff = { 
/**
 * The state now (empty when the thing does not exist).
 */
before: string, 
/**
 * The state after the step.
 */
after: string, };

export type Planned = { "kind": "satisfied", 
/**
 * Why.
 */
evidence: string, } | { "kind": "change", 
/**
 * One line per action.
 */
actions: Array<string>, 
/**
 * What changes.
 */
diff: Diff, } | { "kind": "deferred", 
/**
 * What it waits for.
 */
reason: string, };

export type Outcome = { "kind": "changed" } | { "kind": "unchanged" } | { "kind": "failed", 
/**
 * Why, in a sentence.
 */
message: string, };

export type Event = { "event": "step_planned", 
/**
 * The step's id.
 */
step: string, 
/**
 * What it says it will make true.
 */
description: string, 
/**
 * Its plan.
 */
plan: Planned, } | { "event": "action_started", 
/**
 * The step's id.
 */
step: string, 
/**
 * What the action does.
 */
action: string, } | { "event": "output", 
/**
 * The step's id.
 */
step: string, 
/**
 * Which stream.
 */
stream: Stream, 
/**
 * The line, without its newline.
 */
line: string, } | { "event": "step_finished", 
/**
 * The step's id.
 */
step: string, 
/**
 * How.
 */
outcome: Outcome, 
/**
 * How long it took, in milliseconds.
 */
millis: bigint, } | { "event": "waiting", 
/**
 * The step's id.
 */
step: string, 
/**
 * What it waits for, and what it sees now.
 */
message: string, } | { "event": "warning", 
/**
 * The step's id.
 */
step: string, 
/**
 * What happened, and what to do about it.
 */
message: string, } | { "event": "finished", 
/**
 * Steps that changed the server.
 */
changed: number, 
/**
 * Steps that were already satisfied.
 */
unchanged: number, 
/**
 * Whether every step succeeded.
 */
ok: boolean, 
/**
 * How long the run took, in milliseconds.
 */
millis: bigint, };

export type HandRecord = { 
/**
 * The full name.
 */
name: string, 
/**
 * `A` or `AAAA`.
 */
kind: string, 
/**
 * The address.
 */
value: string, };

export type News = { "kind": "commit", 
/**
 * Its first seven characters.
 */
short: string, 
/**
 * Its subject line.
 */
subject: string, 
/**
 * Uncommitted changes left behind on this computer.
 */
uncommitted: number, } | { "kind": "server", 
/**
 * The provider, for people.
 */
provider: string, } | { "kind": "dns", 
/**
 * The DNS provider, for people.
 */
provider: string, } | { "kind": "cloud", 
/**
 * What, in a sentence.
 */
message: string, } | { "kind": "by_hand", 
/**
 * The records.
 */
records: Array<HandRecord>, } | { "kind": "host_trusted", 
/**
 * The host.
 */
host: string, 
/**
 * `SHA256:…`.
 */
fingerprint: string, } | { "kind": "warning", 
/**
 * What, and what to do.
 */
message: string, } | { "kind": "step", 
/**
 * What happened.
 */
event: Event, } | { "kind": "lock_broken", 
/**
 * Whose it was.
 */
who: string, } | { "kind": "notified", 
/**
 * Channels that were told.
 */
sent: Array<string>, 
/**
 * Channels that could not be told, with why.
 */
failed: Array<string>, };

export type Live = { 
/**
 * The release now live.
 */
release: string, 
/**
 * Its commit, short.
 */
commit: string, 
/**
 * Where the site answers.
 */
url: string, };

export type RunKind = "deploy" | "rollback";

export type RunOutcome = { "kind": "running" } | { "kind": "live", 
/**
 * The release now live.
 */
release: string, 
/**
 * Its commit, short.
 */
commit: string, 
/**
 * Where the site answers.
 */
url: string, } | { "kind": "failed", 
/**
 * The step it stopped at.
 */
step: string, 
/**
 * What went wrong and what to do, as the user was told.
 */
message: string, } | { "kind": "cancelled", 
/**
 * The step that was running.
 */
step: string, } | { "kind": "declined" } | { "kind": "interrupted" };

export type RunRecord = { 
/**
 * Unique within the project: when it started, and what it was.
 */
id: string, 
/**
 * Deploy or rollback.
 */
kind: RunKind, 
/**
 * When it started, in seconds since 1970 (UTC).
 */
started: number, 
/**
 * How long it took, in milliseconds; 0 while it runs.
 */
millis: number, 
/**
 * The commit deployed, short, once known.
 */
commit: string | null, 
/**
 * Its subject line.
 */
subject: string | null, 
/**
 * How it ended.
 */
outcome: RunOutcome, };

export type ProjectCard = { 
/**
 * The folder holding `slipway.toml`.
 */
folder: string, 
/**
 * The app's name (the folder's name when the spec cannot be read).
 */
name: string, 
/**
 * Where the site answers.
 */
url: string | null, 
/**
 * Where it runs, for people: `DigitalOcean · fra1 · s-1vcpu-1gb` or `deploy@host`.
 */
server: string, 
/**
 * The provider that made the server, when one did: Remove can destroy it.
 */
provider: string | null, 
/**
 * The server's name at the provider, which Remove asks to be typed back.
 */
server_name: string | null, 
/**
 * The latest run.
 */
last: RunRecord | null, 
/**
 * The latest run that went live.
 */
last_live: RunRecord | null, 
/**
 * Why the project cannot be deployed as it is (its `slipway.toml` is gone or
 * invalid), with what to do.
 */
problem: string | null, };

export type ReleaseRow = { 
/**
 * Its name.
 */
id: string, 
/**
 * Its commit, short.
 */
commit: string, 
/**
 * It is live now.
 */
live: boolean, 
/**
 * It can go live again at once: built, and it served before.
 */
ready: boolean, };

export type CertificateRow = { 
/**
 * The names it covers.
 */
names: Array<string>, 
/**
 * Who issued it.
 */
issuer: string, 
/**
 * When it expires, as the certificate says it.
 */
expires: string, 
/**
 * Whole days left; negative once expired.
 */
days_left: number, };

export type LiveStatus = { 
/**
 * The health check through nginx passed.
 */
healthy: boolean, 
/**
 * What it returned: `HTTP 200`, or why it failed.
 */
health: string, 
/**
 * The live release.
 */
release: string | null, 
/**
 * Its commit, short.
 */
commit: string | null, 
/**
 * Every kept release, newest first.
 */
releases: Array<ReleaseRow>, 
/**
 * The certificate, when the site has a domain and a certificate.
 */
certificate: CertificateRow | null, 
/**
 * Who holds the deploy lock, if anyone: a run is going on (or died holding it).
 */
locked_by: string | null, };

export type TestDelivery = { 
/**
 * The kind of channel: `desktop`, `SMS`, `Slack`, `email`, `webhook`.
 */
channel: string, 
/**
 * Where it went.
 */
target: string, 
/**
 * Why it did not go, when it did not.
 */
error: string | null, };

export type PublicKey = { 
/**
 * The `authorized_keys` line.
 */
line: string, 
/**
 * `SHA256:…`.
 */
fingerprint: string, };

export type PlannedStep = { 
/**
 * The step's id: `nginx:shop`.
 */
id: string, 
/**
 * What it makes true.
 */
description: string, 
/**
 * Already so, what would change, or what it waits for.
 */
plan: Planned, };

export type Preview = { 
/**
 * The release the deploy would make.
 */
release: string, 
/**
 * The commit, short.
 */
commit: string, 
/**
 * Its subject line.
 */
subject: string, 
/**
 * What the user should know first.
 */
warnings: Array<string>, 
/**
 * Every step, in order.
 */
steps: Array<PlannedStep>, };
