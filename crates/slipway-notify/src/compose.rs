//! The words each channel sends. Pure: an outcome in, text out.
//!
//! Every channel says the same things in its own shape: a headline ("shop is live",
//! "shop: deploy failed"), then the release, commit and time, or the failed step and the
//! first line of its hint.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::gsm;
use crate::outcome::{Finish, Kind, Notice, Outcome, first_line};

/// The action key of the desktop notification's "Open site" button.
pub const OPEN_ACTION: &str = "open";

/// The sentence every channel sends as its test message.
pub(crate) fn test_sentence(app: &str) -> String {
    format!("Slipway test: notifications for {app} reach you here")
}

/// A duration as people say it: `4.2 s`, `42 s`, `3 min 5 s`, `1 h 2 min`.
pub(crate) fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 9_950 {
        let tenths = ((millis + 50) / 100).max(1);
        return format!("{}.{} s", tenths / 10, tenths % 10);
    }
    let secs = (millis + 500) / 1000;
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ if secs % 3600 < 60 => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

/// "shop is live", "shop: deploy failed".
fn headline(outcome: &Outcome) -> String {
    let app = &outcome.app;
    match (&outcome.finish, outcome.kind) {
        (Finish::Succeeded { .. }, Kind::Deploy) => format!("{app} is live"),
        (Finish::Succeeded { .. }, Kind::Rollback) => format!("{app} rolled back"),
        (Finish::Succeeded { .. }, Kind::CertificateCheck) => format!("{app}: certificate OK"),
        (Finish::Failed { .. }, kind) => format!("{app}: {} failed", kind.noun()),
    }
}

/// The sentence after the headline, without a final full stop: "Release 20261126-141230
/// (a1b2c3d) deployed in 42 s", or `"Health check" failed after 12 s`.
fn detail(outcome: &Outcome) -> String {
    let took = human_duration(outcome.duration);
    match &outcome.finish {
        Finish::Succeeded {
            release, commit, ..
        } => match outcome.kind {
            Kind::Deploy => format!("Release {release} ({commit}) deployed in {took}"),
            Kind::Rollback => format!("Back on release {release} ({commit}) after {took}"),
            Kind::CertificateCheck => {
                format!("Checked in {took}; release {release} ({commit}) is serving")
            }
        },
        Finish::Failed { step, .. } => format!("\"{step}\" failed after {took}"),
    }
}

/// The first line of a failure's hint, or `None` for a success or an empty hint.
fn hint(outcome: &Outcome) -> Option<&str> {
    match &outcome.finish {
        Finish::Failed { hint, .. } => Some(first_line(hint)).filter(|line| !line.is_empty()),
        Finish::Succeeded { .. } => None,
    }
}

/// The site's address on success.
fn url(outcome: &Outcome) -> Option<&str> {
    match &outcome.finish {
        Finish::Succeeded { url, .. } => Some(url),
        Finish::Failed { .. } => None,
    }
}

/// The whole story on one line, for the webhook's `message` and as a base for others:
/// "shop is live. Release 20261126-141230 (a1b2c3d) deployed in 42 s. https://…".
fn one_line(outcome: &Outcome) -> String {
    let mut line = format!("{}. {}", headline(outcome), detail(outcome));
    if let Some(hint) = hint(outcome) {
        let _ = write!(line, ": {hint}");
    } else {
        line.push('.');
    }
    if let Some(url) = url(outcome) {
        let _ = write!(line, " {url}");
    }
    line
}

/// A desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DesktopText {
    /// The bold first line.
    pub summary: String,
    /// The text under it.
    pub body: String,
    /// The address the "Open site" action opens, when there is one.
    pub open_url: Option<String>,
    /// Whether the notification should stay until dismissed (urgency critical).
    pub critical: bool,
}

/// The desktop notification for a notice.
pub(crate) fn desktop(notice: Notice<'_>) -> DesktopText {
    match notice {
        Notice::Test { app } => DesktopText {
            summary: test_sentence(app),
            body: String::new(),
            open_url: None,
            critical: false,
        },
        Notice::Outcome(outcome) => {
            let mut body = format!("{}.", detail(outcome));
            if let Some(hint) = hint(outcome) {
                let _ = write!(body, "\n{hint}");
            }
            DesktopText {
                summary: headline(outcome),
                body,
                open_url: url(outcome).map(str::to_owned),
                critical: !outcome.succeeded(),
            }
        }
    }
}

/// The SMS text: one segment when it can be, by shortening the hint.
pub(crate) fn sms(notice: Notice<'_>) -> String {
    match notice {
        Notice::Test { app } => test_sentence(app),
        Notice::Outcome(outcome) => {
            let head = format!("Slipway: {}. {}", headline(outcome), detail(outcome));
            match (hint(outcome), url(outcome)) {
                (Some(hint), _) => gsm::fit_one_segment(&format!("{head}: "), hint),
                (None, Some(url)) => format!("{head}. {url}"),
                (None, None) => format!("{head}."),
            }
        }
    }
}

/// Escapes the three characters Slack's message format reserves.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Slack message text (Slack's `mrkdwn`).
pub(crate) fn slack(notice: Notice<'_>) -> String {
    match notice {
        Notice::Test { app } => format!(":bell: {}", slack_escape(&test_sentence(app))),
        Notice::Outcome(outcome) => {
            let icon = if outcome.succeeded() {
                ":white_check_mark:"
            } else {
                ":x:"
            };
            let mut text = format!(
                "{icon} *{}*\n{}",
                slack_escape(&headline(outcome)),
                slack_escape(&detail(outcome))
            );
            if let Some(hint) = hint(outcome) {
                let _ = write!(text, ": {}", slack_escape(hint));
            } else {
                text.push('.');
            }
            if let Some(url) = url(outcome) {
                let _ = write!(text, " <{}>", slack_escape(url));
            }
            text
        }
    }
}

/// An email's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmailText {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// The email for a notice.
pub(crate) fn email(notice: Notice<'_>) -> EmailText {
    const SIGNATURE: &str = "\n-- \nSent by Slipway.";
    match notice {
        Notice::Test { app } => EmailText {
            subject: test_sentence(app),
            body: format!(
                "{}.\n\nSlipway will write to this address when a deploy, rollback or \
                 certificate check of {app} finishes.\n{SIGNATURE}",
                test_sentence(app)
            ),
        },
        Notice::Outcome(outcome) => {
            let subject = headline(outcome);
            let took = human_duration(outcome.duration);
            let mut body = format!("{subject}.\n\n");
            match &outcome.finish {
                Finish::Succeeded {
                    release,
                    commit,
                    url,
                } => {
                    let _ = write!(
                        body,
                        "Release: {release}\nCommit:  {commit}\nTook:    {took}\nSite:    {url}\n"
                    );
                }
                Finish::Failed { step, .. } => {
                    let _ = writeln!(body, "Failed step: {step}");
                    if let Some(hint) = hint(outcome) {
                        let _ = writeln!(body, "Error:       {hint}");
                    }
                    let _ = writeln!(body, "Took:        {took}");
                }
            }
            body.push_str(SIGNATURE);
            EmailText { subject, body }
        }
    }
}

/// The JSON object a generic webhook receives. See the crate documentation for its
/// fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct WebhookPayload {
    /// `deploy`, `rollback`, `certificate_check` or `test`.
    pub event: &'static str,
    /// The app's name.
    pub app: String,
    /// Whether it succeeded (`true` for a test).
    pub ok: bool,
    /// The release now serving, on success.
    pub release: Option<String>,
    /// Its short commit hash, on success.
    pub commit: Option<String>,
    /// How long it took, in seconds, to the millisecond.
    pub duration_secs: Option<f64>,
    /// The site's address, on success.
    pub url: Option<String>,
    /// The step that failed, on failure.
    pub failed_step: Option<String>,
    /// The whole story in one sentence, for people.
    pub message: String,
}

/// The webhook payload for a notice.
pub(crate) fn webhook(notice: Notice<'_>) -> WebhookPayload {
    match notice {
        Notice::Test { app } => WebhookPayload {
            event: notice.event(),
            app: app.to_owned(),
            ok: true,
            release: None,
            commit: None,
            duration_secs: None,
            url: None,
            failed_step: None,
            message: test_sentence(app),
        },
        Notice::Outcome(outcome) => {
            let (release, commit, url, failed_step) = match &outcome.finish {
                Finish::Succeeded {
                    release,
                    commit,
                    url,
                } => (
                    Some(release.clone()),
                    Some(commit.clone()),
                    Some(url.clone()),
                    None,
                ),
                Finish::Failed { step, .. } => (None, None, None, Some(step.clone())),
            };
            WebhookPayload {
                event: notice.event(),
                app: outcome.app.clone(),
                ok: outcome.succeeded(),
                release,
                commit,
                duration_secs: Some((outcome.duration.as_secs_f64() * 1000.0).round() / 1000.0),
                url,
                failed_step,
                message: one_line(outcome),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::deployed;

    /// The deploy that failed at the health check, its hint starting with an empty line.
    fn failed() -> Outcome {
        let mut outcome = crate::probe::failed();
        if let Finish::Failed { hint, .. } = &mut outcome.finish {
            hint.insert(0, '\n');
        }
        outcome
    }

    #[test]
    fn durations_read_as_people_say_them() {
        let cases = [
            (0, "0.1 s"),
            (40, "0.1 s"),
            (4_230, "4.2 s"),
            (9_949, "9.9 s"),
            (9_950, "10 s"),
            (42_400, "42 s"),
            (59_600, "1 min"),
            (63_000, "1 min 3 s"),
            (3_599_000, "59 min 59 s"),
            (3_600_000, "1 h"),
            (3_720_000, "1 h 2 min"),
        ];
        for (millis, expected) in cases {
            assert_eq!(
                human_duration(Duration::from_millis(millis)),
                expected,
                "{millis} ms"
            );
        }
    }

    #[test]
    fn a_desktop_notification_names_release_and_time_or_step_and_hint() {
        assert_eq!(
            desktop(Notice::Outcome(&deployed())),
            DesktopText {
                summary: "shop is live".into(),
                body: "Release 20261126-141230 (a1b2c3d) deployed in 42 s.".into(),
                open_url: Some("https://shop.example.com".into()),
                critical: false,
            }
        );
        assert_eq!(
            desktop(Notice::Outcome(&failed())),
            DesktopText {
                summary: "shop: deploy failed".into(),
                body: "\"Health check\" failed after 1 min 3 s.\n\
                       The app did not answer on /health within 30 s."
                    .into(),
                open_url: None,
                critical: true,
            }
        );
    }

    #[test]
    fn every_kind_has_its_own_headline() {
        let mut outcome = deployed();
        outcome.kind = Kind::Rollback;
        assert_eq!(
            desktop(Notice::Outcome(&outcome)).summary,
            "shop rolled back"
        );
        assert_eq!(
            sms(Notice::Outcome(&outcome)),
            "Slipway: shop rolled back. Back on release 20261126-141230 (a1b2c3d) after 42 s. \
             https://shop.example.com"
        );
        outcome.kind = Kind::CertificateCheck;
        assert_eq!(
            desktop(Notice::Outcome(&outcome)).summary,
            "shop: certificate OK"
        );
        let mut outcome = failed();
        outcome.kind = Kind::CertificateCheck;
        assert_eq!(
            desktop(Notice::Outcome(&outcome)).summary,
            "shop: certificate check failed"
        );
    }

    #[test]
    fn an_sms_fits_one_segment_by_shortening_the_hint() {
        assert_eq!(
            sms(Notice::Outcome(&deployed())),
            "Slipway: shop is live. Release 20261126-141230 (a1b2c3d) deployed in 42 s. \
             https://shop.example.com"
        );
        assert_eq!(
            sms(Notice::Outcome(&failed())),
            "Slipway: shop: deploy failed. \"Health check\" failed after 1 min 3 s: \
             The app did not answer on /health within 30 s."
        );
        let mut long = failed();
        long.finish = Finish::Failed {
            step: "Health check".into(),
            hint: "gunicorn exited: ".repeat(20),
        };
        let text = sms(Notice::Outcome(&long));
        assert!(gsm::fits_one_segment(&text), "{text}");
        assert!(text.ends_with("..."), "{text}");
        assert_eq!(
            sms(Notice::Test { app: "shop" }),
            "Slipway test: notifications for shop reach you here"
        );
    }

    #[test]
    fn slack_text_is_escaped_mrkdwn() {
        assert_eq!(
            slack(Notice::Outcome(&deployed())),
            ":white_check_mark: *shop is live*\n\
             Release 20261126-141230 (a1b2c3d) deployed in 42 s. <https://shop.example.com>"
        );
        let mut outcome = failed();
        outcome.finish = Finish::Failed {
            step: "Build <venv>".into(),
            hint: "pip & co failed".into(),
        };
        assert_eq!(
            slack(Notice::Outcome(&outcome)),
            ":x: *shop: deploy failed*\n\"Build &lt;venv&gt;\" failed after 1 min 3 s: \
             pip &amp; co failed"
        );
    }

    #[test]
    fn an_email_lists_the_facts() {
        assert_eq!(
            email(Notice::Outcome(&deployed())),
            EmailText {
                subject: "shop is live".into(),
                body: "shop is live.\n\nRelease: 20261126-141230\nCommit:  a1b2c3d\n\
                       Took:    42 s\nSite:    https://shop.example.com\n\n-- \nSent by Slipway."
                    .into(),
            }
        );
        assert_eq!(
            email(Notice::Outcome(&failed())).body,
            "shop: deploy failed.\n\nFailed step: Health check\n\
             Error:       The app did not answer on /health within 30 s.\n\
             Took:        1 min 3 s\n\n-- \nSent by Slipway."
        );
    }

    #[test]
    fn the_webhook_payload_is_pinned() {
        let json = serde_json::to_value(webhook(Notice::Outcome(&deployed()))).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "event": "deploy",
                "app": "shop",
                "ok": true,
                "release": "20261126-141230",
                "commit": "a1b2c3d",
                "duration_secs": 42.4,
                "url": "https://shop.example.com",
                "failed_step": null,
                "message": "shop is live. Release 20261126-141230 (a1b2c3d) deployed in 42 s. \
                            https://shop.example.com"
            })
        );
        let json = serde_json::to_value(webhook(Notice::Outcome(&failed()))).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "event": "deploy",
                "app": "shop",
                "ok": false,
                "release": null,
                "commit": null,
                "duration_secs": 63.0,
                "url": null,
                "failed_step": "Health check",
                "message": "shop: deploy failed. \"Health check\" failed after 1 min 3 s: \
                            The app did not answer on /health within 30 s."
            })
        );
        let json = serde_json::to_value(webhook(Notice::Test { app: "shop" })).expect("json");
        assert_eq!(json["event"], "test");
        assert_eq!(
            json["message"],
            "Slipway test: notifications for shop reach you here"
        );
    }
}
