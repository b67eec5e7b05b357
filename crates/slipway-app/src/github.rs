//! Deploy keys added to a GitHub repository through its REST API, with the user's token
//! from the keychain, so the user never copies a public key between windows.

use std::time::Duration;

use reqwest::blocking::Client;
use serde::Deserialize;
use slipway_secrets::Secret;

use crate::error::AppError;

/// GitHub's REST API.
pub const GITHUB_API: &str = "https://api.github.com";

/// The keychain name of the user's GitHub token.
pub const GITHUB_TOKEN: &str = "github-token";

/// `owner/name` of a repository on github.com, from its SSH or HTTPS URL; `None` for
/// other hosts.
pub fn repository(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("git@github.com:")
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))
        .or_else(|| url.strip_prefix("https://github.com/"))?;
    let path = rest.trim_end_matches('/').trim_end_matches(".git");
    let (owner, name) = path.split_once('/')?;
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (plain(owner) && plain(name)).then(|| format!("{owner}/{name}"))
}

/// A deploy key GitHub now holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeployKey {
    /// GitHub's id for it.
    pub id: u64,
    /// Whether it can only read.
    pub read_only: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    errors: Vec<FieldError>,
}

#[derive(Deserialize)]
struct FieldError {
    #[serde(default)]
    message: String,
}

/// Adds `public_key` to `repo` (`owner/name`) as a read-only deploy key titled `title`.
pub fn add_deploy_key(
    api: &str,
    token: &Secret,
    repo: &str,
    title: &str,
    public_key: &str,
) -> Result<DeployKey, AppError> {
    let failed = |message: String| AppError::GitHub {
        repo: repo.to_owned(),
        message,
    };
    let client = Client::builder()
        .user_agent(concat!("slipway/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let body = serde_json::json!({ "title": title, "key": public_key, "read_only": true });
    let response = client
        .post(format!("{}/repos/{repo}/keys", api.trim_end_matches('/')))
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .bearer_auth(token.expose())
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        // The error would name the URL, which is harmless, but not the token: it travels
        // in a header, which reqwest never prints.
        .map_err(|e| failed(format!("GitHub did not answer: {}", e.without_url())))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().unwrap_or_default();
    if status == 201 {
        return serde_json::from_str(&text)
            .map_err(|e| failed(format!("GitHub's answer could not be read: {e}")));
    }
    let error: Option<ErrorBody> = serde_json::from_str(&text).ok();
    let said = error.as_ref().map_or_else(
        || format!("HTTP {status}"),
        |e| {
            let details: Vec<&str> = e
                .errors
                .iter()
                .map(|f| f.message.as_str())
                .filter(|m| !m.is_empty())
                .collect();
            if details.is_empty() {
                e.message.clone()
            } else {
                format!("{}: {}", e.message, details.join("; "))
            }
        },
    );
    Err(failed(match status {
        401 => format!(
            "GitHub refused the token ({said}); store a valid one with `slipway secret set \
             {GITHUB_TOKEN}`"
        ),
        403 | 429 if retry_after.is_some() || said.contains("rate limit") => format!(
            "GitHub is limiting requests ({said}); try again in {} seconds",
            retry_after.unwrap_or_else(|| "60".into())
        ),
        403 => format!(
            "the token may not add deploy keys ({said}); it needs the repo scope (classic \
             token) or Administration: write (fine-grained token), and the organisation \
             must allow deploy keys"
        ),
        404 => format!(
            "no repository {repo} that this token can see ({said}); check the repository \
             URL and the token's access"
        ),
        422 if said.contains("already in use") => format!(
            "GitHub already has this key ({said}); a key can be added only once on all of \
             GitHub: make a new one with `slipway key new --deploy --force`"
        ),
        _ => format!("GitHub answered {status}: {said}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_on_github_are_named_owner_slash_name() {
        for url in [
            "git@github.com:ana-ruiz/shop.git",
            "ssh://git@github.com/ana-ruiz/shop.git",
            "https://github.com/ana-ruiz/shop",
        ] {
            assert_eq!(repository(url).as_deref(), Some("ana-ruiz/shop"), "{url}");
        }
        assert_eq!(repository("git@gitlab.com:ana/shop.git"), None);
        assert_eq!(repository("git@github.com:ana"), None);
    }
}
