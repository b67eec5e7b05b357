//! SMS through Twilio's Messages API.
//!
//! `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth with the
//! Account SID and auth token, a form-encoded body with `To`, `From` and `Body`. Success
//! is `201 Created` with the message resource (status `queued`: Twilio delivers later);
//! errors are JSON `{code, message, more_info, status}`.

use reqwest::Url;
use serde::Deserialize;
use slipway_secrets::Secret;

use crate::error::{NotifyError, excerpt};
use crate::http::Http;

/// Where Twilio's API lives.
pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";

/// Texts a phone through a Twilio account.
#[derive(Debug, Clone)]
pub struct TwilioSms {
    /// The account's SID (`AC…`), which also appears in the request path.
    pub account_sid: String,
    /// The account's auth token.
    pub auth_token: Secret<String>,
    /// The sending number: a Twilio number of this account, in E.164 form (`+15005550006`).
    pub from: String,
    /// The phone to text, in E.164 form (`+14155550100`).
    pub to: String,
    /// Twilio's API address, [`TWILIO_BASE_URL`] unless pointed elsewhere (tests).
    pub base_url: String,
}

impl TwilioSms {
    /// Texts `to` from `from` through the account, at Twilio's real address.
    pub fn new(
        account_sid: impl Into<String>,
        auth_token: Secret<String>,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Self {
        Self {
            account_sid: account_sid.into(),
            auth_token,
            from: from.into(),
            to: to.into(),
            base_url: TWILIO_BASE_URL.to_owned(),
        }
    }

    /// The same, talking to another address (a local fake in tests).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The Messages endpoint of the account.
    fn messages_url(&self) -> Result<Url, NotifyError> {
        let invalid = |detail: String| NotifyError::InvalidUrl {
            field: "Twilio API address",
            detail,
            source_hint: "Twilio's documentation (normally https://api.twilio.com)",
        };
        let mut url = Url::parse(&self.base_url).map_err(|error| invalid(error.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| invalid("it cannot have a path".to_owned()))?
            .pop_if_empty()
            .extend(["2010-04-01", "Accounts", &self.account_sid, "Messages.json"]);
        Ok(url)
    }
}

/// Twilio's error body.
#[derive(Debug, Deserialize)]
struct TwilioErrorBody {
    code: u32,
    message: String,
    more_info: Option<String>,
}

/// Sends `text` as an SMS.
pub(crate) fn send(http: &Http, sms: &TwilioSms, text: &str) -> Result<(), NotifyError> {
    let request = http
        .post(sms.messages_url()?)
        .basic_auth(&sms.account_sid, Some(sms.auth_token.expose()))
        .form(&[
            ("To", sms.to.as_str()),
            ("From", sms.from.as_str()),
            ("Body", text),
        ]);
    let reply = http.send("Twilio", request)?;
    if reply.is_success() {
        return Ok(());
    }
    match serde_json::from_str::<TwilioErrorBody>(&reply.body) {
        Ok(error) => Err(NotifyError::Twilio {
            status: reply.status,
            code: error.code,
            message: error.message,
            more_info: error.more_info,
        }),
        Err(_) => Err(NotifyError::Unexpected {
            service: "Twilio".to_owned(),
            status: reply.status,
            excerpt: excerpt(&reply.body),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_messages_url_keeps_the_base_path_and_escapes_the_sid() {
        let sms = TwilioSms::new("AC123", Secret::new("t".into()), "+1", "+2");
        assert_eq!(
            sms.messages_url().expect("url").as_str(),
            "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
        );
        let sms = TwilioSms::new("AC/../x", Secret::new("t".into()), "+1", "+2")
            .with_base_url("http://127.0.0.1:9/twilio/");
        assert_eq!(
            sms.messages_url().expect("url").as_str(),
            "http://127.0.0.1:9/twilio/2010-04-01/Accounts/AC%2F..%2Fx/Messages.json"
        );
    }
}
