//! What the JSON providers' modules share once a request is sent: turning a failure
//! into the error to show (the refusals every API answers alike, by status), and
//! walking a paged list. Each provider reads its own error format and its own paging;
//! [`Provider`] holds the words that differ.

use crate::error::CloudError;
use crate::http::{Client, Failure, Method, Refusal};

/// The most pages followed in one listing.
const MAX_PAGES: usize = 50;

/// How a provider is named in messages, and what its users are told to do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Provider {
    /// Its name: "DigitalOcean".
    pub name: &'static str,
    /// Where the user makes API tokens.
    pub tokens_url: &'static str,
    /// What to do when the reply to a request that is not safe to repeat (a `POST`)
    /// was lost.
    pub lost_post_advice: &'static str,
}

impl Provider {
    /// A failed request as the error to show: a refusal as `explain_refusal` reads it,
    /// anything else as [`Failure::into_error`] says.
    pub fn explain(
        &self,
        client: &Client,
        failure: Failure,
        method: Method,
        action: &str,
        explain_refusal: impl FnOnce(&Refusal) -> CloudError,
    ) -> CloudError {
        let lost_advice = if method.is_idempotent() {
            "Try again"
        } else {
            self.lost_post_advice
        };
        match failure.into_error(self.name, client.origin(), action, lost_advice) {
            Ok(refusal) => explain_refusal(&refusal),
            Err(error) => error,
        }
    }

    /// A refusal as every API means it, by status: 401 a bad token, 429 a rate limit,
    /// 5xx a failure on the provider's side, anything else a refusal with the
    /// provider's `id` and `message`.
    pub fn refusal(
        &self,
        refusal: &Refusal,
        action: &str,
        id: Option<String>,
        message: String,
    ) -> CloudError {
        match refusal.status {
            401 => self.invalid_token(message),
            429 => self.rate_limited(refusal, message),
            status @ 500..=599 => CloudError::ProviderFailure {
                provider: self.name,
                action: action.to_owned(),
                status,
                message,
            },
            status => CloudError::Refused {
                provider: self.name,
                action: action.to_owned(),
                status,
                id,
                message,
            },
        }
    }

    /// The token is wrong, expired or revoked.
    pub fn invalid_token(&self, message: String) -> CloudError {
        CloudError::InvalidToken {
            provider: self.name,
            message,
            tokens_url: self.tokens_url,
        }
    }

    /// The token may read but not change anything.
    pub fn read_only_token(&self, action: &str, message: String) -> CloudError {
        CloudError::ReadOnlyToken {
            provider: self.name,
            action: action.to_owned(),
            message,
            tokens_url: self.tokens_url,
        }
    }

    /// The token may not read this kind of resource.
    pub fn missing_scope(&self, action: &str, message: String) -> CloudError {
        CloudError::MissingScope {
            provider: self.name,
            action: action.to_owned(),
            message,
            tokens_url: self.tokens_url,
        }
    }

    /// Still rate limited after the retries, with the wait the provider asked for.
    pub fn rate_limited(&self, refusal: &Refusal, message: String) -> CloudError {
        CloudError::RateLimited {
            provider: self.name,
            message,
            retry_in_secs: refusal.retry_after.map(|wait| wait.as_secs().max(1)),
        }
    }

    /// A create whose reply never came (lost or timed out) as the error to show, with
    /// `advice`; any other failure is handed back.
    pub fn unanswered_create(
        &self,
        failure: Failure,
        action: &str,
        advice: &'static str,
    ) -> Result<CloudError, Failure> {
        let detail = match failure {
            Failure::Lost(detail) => detail,
            Failure::TimedOut(timeout) => {
                format!("no answer within {} s", timeout.as_secs().max(1))
            }
            other => return Err(other),
        };
        Ok(CloudError::ResponseLost {
            provider: self.name,
            action: action.to_owned(),
            detail,
            advice,
        })
    }

    /// A reply that is not what the API documents.
    pub fn unexpected(&self, action: &str, detail: String) -> CloudError {
        CloudError::UnexpectedReply {
            provider: self.name,
            action: action.to_owned(),
            detail,
        }
    }

    /// Every item of a paged list: `page` fetches the page at a cursor (a page number,
    /// a link) and says where the next one is, until a page names none. A list that goes
    /// on past [`MAX_PAGES`] is refused rather than followed forever.
    pub fn all_pages<T, C>(
        &self,
        action: &str,
        first: C,
        mut page: impl FnMut(C) -> Result<(Vec<T>, Option<C>), CloudError>,
    ) -> Result<Vec<T>, CloudError> {
        let mut items = Vec::new();
        let mut cursor = first;
        for _ in 0..MAX_PAGES {
            let (chunk, next) = page(cursor)?;
            items.extend(chunk);
            match next {
                Some(next) => cursor = next,
                None => return Ok(items),
            }
        }
        Err(self.unexpected(
            action,
            format!("the list went on for more than {MAX_PAGES} pages"),
        ))
    }
}

/// A refusal's message: the provider's own `message` when it gave one, or else a
/// stand-in naming the status.
pub(crate) fn message_or_status(message: Option<&str>, status: u16) -> String {
    message
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map_or_else(|| format!("HTTP {status} with no message"), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: Provider = Provider {
        name: "Example",
        tokens_url: "https://example.com/tokens",
        lost_post_advice: "Look first",
    };

    #[test]
    fn pages_are_followed_until_none_is_named_and_no_further_than_the_limit() {
        let items = API
            .all_pages("list", 1_u32, |page| {
                Ok((vec![page], (page < 3).then_some(page + 1)))
            })
            .expect("three pages");
        assert_eq!(items, [1, 2, 3]);
        let error = API
            .all_pages("list the things", 1_u32, |page| {
                Ok((vec![page], Some(page + 1)))
            })
            .expect_err("endless");
        assert_eq!(
            error.to_string(),
            "Example answered in an unexpected way while trying to list the things: the \
             list went on for more than 50 pages"
        );
    }

    #[test]
    fn a_missing_message_names_the_status() {
        assert_eq!(message_or_status(Some("  Busy. "), 409), "Busy.");
        assert_eq!(
            message_or_status(Some(" "), 418),
            "HTTP 418 with no message"
        );
        assert_eq!(message_or_status(None, 418), "HTTP 418 with no message");
    }
}
