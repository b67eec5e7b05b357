//! Reading Namecheap's XML replies: the `ApiResponse` envelope, its errors, and the
//! host list of `getHosts` or the result of `setHosts`.
//!
//! Element and attribute names are compared without their namespace prefix and without
//! regard to case, because Namecheap's documentation and its live replies disagree
//! (`<Host>` against `<host>`, `HostId` against `HostID`). Anything that is not a whole
//! `ApiResponse` document, including one that breaks off, is refused: a host list read
//! from half a reply and written back would delete the rest of the domain's records.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::hosts::{HostList, HostRecord};

/// Why a reply body is not a whole `ApiResponse` document. The message says what is
/// wrong and where, never what the body held around it; element names, attribute
/// values and quick-xml's own text come from the body, so whoever shows the message
/// blanks the API key out of it first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The body is not UTF-8.
    #[error("the reply is not UTF-8 text")]
    NotUtf8 {
        /// How many bytes from the start are valid UTF-8.
        valid_up_to: usize,
    },
    /// quick-xml could not read the body as XML.
    #[error("the reply is not well-formed XML ({detail})")]
    Malformed {
        /// Where in the body, in bytes.
        position: u64,
        /// quick-xml's description.
        detail: String,
    },
    /// A character or entity reference that resolves to no character.
    #[error("the reply has a bad reference ({detail})")]
    BadReference {
        /// Where in the body, in bytes.
        position: u64,
        /// quick-xml's description.
        detail: String,
    },
    /// An attribute that cannot be read.
    #[error("the reply has a bad attribute ({detail})")]
    BadAttribute {
        /// The element it is on (lowercase, without namespace prefix).
        element: String,
        /// quick-xml's description.
        detail: String,
    },
    /// An attribute value whose escapes cannot be resolved.
    #[error("the reply has a bad attribute value ({detail})")]
    BadAttributeValue {
        /// The element it is on (lowercase, without namespace prefix).
        element: String,
        /// The attribute (lowercase, without namespace prefix).
        attribute: String,
        /// quick-xml's description.
        detail: String,
    },
    /// The first element is not `<ApiResponse>`.
    #[error("the reply is not Namecheap's XML: it does not start with <ApiResponse>")]
    NotApiResponse {
        /// The element found instead (lowercase, without namespace prefix).
        element: String,
    },
    /// `Status` is neither `OK` nor `ERROR`.
    #[error("the reply's Status is \"{status}\", not OK or ERROR")]
    UnknownStatus {
        /// The value found.
        status: String,
    },
    /// An element after `</ApiResponse>`.
    #[error("the reply goes on after </ApiResponse>")]
    AfterEnd {
        /// The element found (lowercase, without namespace prefix).
        element: String,
    },
    /// An end tag with no element open.
    #[error("the reply closes an element it never opened")]
    UnopenedEnd {
        /// Where in the body, in bytes.
        position: u64,
    },
    /// A `<host>` without one of the attributes every record needs.
    #[error("a host record in the reply has no {attribute} attribute")]
    HostWithout {
        /// `name`, `type` or `address`.
        attribute: &'static str,
    },
    /// The body ends inside `<ApiResponse>`.
    #[error("the reply breaks off before </ApiResponse>")]
    BreaksOff {
        /// The elements still open, outermost first.
        open: Vec<String>,
    },
    /// The body holds no element at all.
    #[error("the reply is not Namecheap's XML: it has no <ApiResponse>")]
    NoApiResponse,
}

/// One `<Error Number="…">message</Error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `Number`, e.g. `1011150`.
    pub number: String,
    /// The text, e.g. `Invalid request IP: 198.51.100.7`.
    pub message: String,
}

/// A whole reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `Status="OK"` (as against `ERROR`).
    pub ok: bool,
    /// The errors, in order.
    pub errors: Vec<ApiError>,
    /// `DomainDNSGetHostsResult`, when the reply has one.
    pub hosts: Option<HostList>,
    /// `DomainDNSSetHostsResult`'s `IsSuccess`, when the reply has one.
    pub set_success: Option<bool>,
}

/// What the parser is inside of.
#[derive(Default)]
struct State {
    stack: Vec<String>,
    envelope: Option<Envelope>,
    error: Option<ApiError>,
    closed: bool,
}

/// Parses a reply body. The error says what is wrong, never what the body held (it
/// could echo the request, and so the API key).
pub fn parse(body: &[u8]) -> Result<Envelope, XmlError> {
    let text = std::str::from_utf8(body).map_err(|error| XmlError::NotUtf8 {
        valid_up_to: error.valid_up_to(),
    })?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut state = State::default();
    loop {
        let event = reader.read_event().map_err(|error| XmlError::Malformed {
            position: reader.error_position(),
            detail: error.to_string(),
        })?;
        match event {
            Event::Start(element) => {
                state.open(&element)?;
                state.stack.push(local_name(element.local_name().as_ref()));
            }
            Event::Empty(element) => {
                state.open(&element)?;
                // An empty `<Error Number="…"/>` has no end tag to file it.
                if local_name(element.local_name().as_ref()) == "error" {
                    state.finish_error();
                }
            }
            Event::End(_) => state.close(reader.buffer_position())?,
            Event::Text(text) => state.text(&text.xml10_content()),
            Event::CData(data) => state.text(&data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    Ok(None) => resolve_predefined_entity(&reference.xml10_content())
                        .unwrap_or_default()
                        .to_owned(),
                    Err(error) => {
                        return Err(XmlError::BadReference {
                            position: reader.buffer_position(),
                            detail: error.to_string(),
                        });
                    }
                };
                state.text(&resolved);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    match state.envelope {
        Some(envelope) if state.closed => Ok(envelope),
        Some(_) => Err(XmlError::BreaksOff { open: state.stack }),
        None => Err(XmlError::NoApiResponse),
    }
}

/// A name without its namespace prefix, lowercase.
fn local_name(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// An element's attributes as (lowercase local name, value).
fn attributes(element: &BytesStart<'_>) -> Result<Vec<(String, String)>, XmlError> {
    let element_name = || local_name(element.local_name().as_ref());
    element
        .attributes()
        .map(|attribute| {
            let attribute = attribute.map_err(|error| XmlError::BadAttribute {
                element: element_name(),
                detail: error.to_string(),
            })?;
            let name = local_name(attribute.key.local_name().as_ref());
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|error| XmlError::BadAttributeValue {
                    element: element_name(),
                    attribute: name.clone(),
                    detail: error.to_string(),
                })?;
            Ok((name, value.into_owned()))
        })
        .collect()
}

/// The value of attribute `name` (lowercase).
fn get(attributes: &[(String, String)], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

impl State {
    /// The element `element` starts (or is empty) at the current place.
    fn open(&mut self, element: &BytesStart<'_>) -> Result<(), XmlError> {
        let name = local_name(element.local_name().as_ref());
        let parent = self.stack.last().map(String::as_str);
        let Some(envelope) = self.envelope.as_mut() else {
            if name != "apiresponse" || !self.stack.is_empty() {
                return Err(XmlError::NotApiResponse { element: name });
            }
            let status = get(&attributes(element)?, "status").unwrap_or_default();
            let ok = match status.to_ascii_uppercase().as_str() {
                "OK" => true,
                "ERROR" => false,
                _ => return Err(XmlError::UnknownStatus { status }),
            };
            self.envelope = Some(Envelope {
                ok,
                errors: Vec::new(),
                hosts: None,
                set_success: None,
            });
            return Ok(());
        };
        if self.closed {
            return Err(XmlError::AfterEnd { element: name });
        }
        match (parent, name.as_str()) {
            (Some("errors"), "error") => {
                let number = get(&attributes(element)?, "number").unwrap_or_default();
                self.error = Some(ApiError {
                    number,
                    message: String::new(),
                });
            }
            (Some("commandresponse"), "domaindnsgethostsresult") => {
                let attributes = attributes(element)?;
                envelope.hosts = Some(HostList {
                    domain: get(&attributes, "domain").unwrap_or_default(),
                    email_type: get(&attributes, "emailtype"),
                    using_our_dns: get(&attributes, "isusingourdns")
                        .map(|value| value.eq_ignore_ascii_case("true")),
                    hosts: Vec::new(),
                });
            }
            (Some("domaindnsgethostsresult"), "host") => {
                let attributes = attributes(element)?;
                let record = host(&attributes)?;
                if let Some(list) = envelope.hosts.as_mut() {
                    list.hosts.push(record);
                }
            }
            (Some("commandresponse"), "domaindnssethostsresult") => {
                let success = get(&attributes(element)?, "issuccess");
                envelope.set_success =
                    Some(success.is_some_and(|value| value.eq_ignore_ascii_case("true")));
            }
            _ => {}
        }
        Ok(())
    }

    /// The innermost open element ends, at `position` in the body.
    fn close(&mut self, position: u64) -> Result<(), XmlError> {
        let name = self.stack.pop().ok_or(XmlError::UnopenedEnd { position })?;
        if name == "error" {
            self.finish_error();
        }
        if name == "apiresponse" && self.stack.is_empty() {
            self.closed = true;
        }
        Ok(())
    }

    /// Text inside the current element.
    fn text(&mut self, text: &str) {
        if let Some(error) = self.error.as_mut() {
            error.message.push_str(text);
        }
    }

    /// Files the error being read.
    fn finish_error(&mut self) {
        if let (Some(error), Some(envelope)) = (self.error.take(), self.envelope.as_mut()) {
            envelope.errors.push(ApiError {
                message: error.message.trim().to_owned(),
                number: error.number,
            });
        }
    }
}

/// One `<host …/>`: every record needs a name, a type and an address.
fn host(attributes: &[(String, String)]) -> Result<HostRecord, XmlError> {
    let required =
        |name: &'static str| get(attributes, name).ok_or(XmlError::HostWithout { attribute: name });
    Ok(HostRecord {
        name: required("name")?,
        kind: required("type")?,
        address: required("address")?,
        mx_pref: get(attributes, "mxpref"),
        ttl: get(attributes, "ttl"),
        flag: get(attributes, "flag"),
        tag: get(attributes, "tag"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_and_the_live_host_lists_both_read() {
        let documented = r#"<?xml version="1.0" encoding="utf-8"?>
<ApiResponse Status="OK" xmlns="https://api.namecheap.com/xml.response">
  <Errors />
  <RequestedCommand>namecheap.domains.dns.gethosts</RequestedCommand>
  <CommandResponse Type="namecheap.domains.dns.getHosts">
    <DomainDNSGetHostsResult Domain="domain.com" IsUsingOurDNS="true">
      <Host HostID="12" Name="@" Type="A" Address="1.2.3.4" MXPref="10" TTL="1800" />
      <Host HostId="14" Name="www" Type="A" Address="122.23.3.7" MXPref="10" TTL="1800"></Host>
    </DomainDNSGetHostsResult>
  </CommandResponse>
  <GMTTimeDifference>--4:00</GMTTimeDifference>
</ApiResponse>"#;
        let envelope = parse(documented.as_bytes()).expect("documented");
        assert!(envelope.ok);
        let list = envelope.hosts.expect("hosts");
        assert_eq!(list.email_type, None);
        assert_eq!(list.using_our_dns, Some(true));
        assert_eq!(list.hosts.len(), 2);
        assert_eq!(list.hosts[1].address, "122.23.3.7");

        let live = r#"<?xml version="1.0" encoding="utf-8"?>
<nc:ApiResponse Status="OK" xmlns:nc="http://api.namecheap.com/xml.response">
  <nc:Errors />
  <nc:Warnings />
  <nc:CommandResponse Type="namecheap.domains.dns.getHosts">
    <nc:DomainDNSGetHostsResult Domain="example.com" EmailType="MXE" IsUsingOurDNS="true">
      <nc:host HostId="217076" Name="www" Type="A" Address="10.0.0.2" MXPref="10" TTL="1200" AssociatedAppTitle="" FriendlyName="" IsActive="true" IsDDNSEnabled="false" />
      <nc:host HostId="217073" Name="example.com" Type="MXE" Address="10.0.0.5" MXPref="10" TTL="1800" AssociatedAppTitle="MXE" FriendlyName="MXE1" IsActive="true" IsDDNSEnabled="false" />
      <nc:host HostId="3" Name="@" Type="TXT" Address="a &amp; &quot;b&quot; &#233;" MXPref="10" TTL="60" />
    </nc:DomainDNSGetHostsResult>
  </nc:CommandResponse>
</nc:ApiResponse>"#;
        let list = parse(live.as_bytes()).expect("live").hosts.expect("hosts");
        assert_eq!(list.domain, "example.com");
        assert_eq!(list.email_type.as_deref(), Some("MXE"));
        assert_eq!(list.hosts[1].kind, "MXE");
        assert_eq!(list.hosts[1].ttl.as_deref(), Some("1800"));
        assert_eq!(list.hosts[2].address, "a & \"b\" é");
    }

    #[test]
    fn errors_come_with_their_numbers() {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<ApiResponse Status="ERROR" xmlns="http://api.namecheap.com/xml.response">
    <Errors>
        <Error Number="2019166">The domain (huxtest3.com) doesn&apos;t seem to be associated with your account.</Error>
        <Error Number="9"/>
    </Errors>
    <Warnings />
    <RequestedCommand />
    <CommandResponse Type="namecheap.domains.dns.setHosts">
      <DomainDNSSetHostsResult Domain="huxtest3.com" EmailType="" IsSuccess="false"><Warnings /></DomainDNSSetHostsResult>
    </CommandResponse>
    <GMTTimeDifference>--5:00</GMTTimeDifference>
</ApiResponse>"#;
        let envelope = parse(body.as_bytes()).expect("an error reply");
        assert!(!envelope.ok);
        assert_eq!(
            envelope.errors,
            [
                ApiError {
                    number: "2019166".into(),
                    message: "The domain (huxtest3.com) doesn't seem to be associated with \
                              your account."
                        .into()
                },
                ApiError {
                    number: "9".into(),
                    message: String::new()
                }
            ]
        );
        assert_eq!(envelope.set_success, Some(false));
        assert_eq!(envelope.hosts, None);
    }

    #[test]
    fn anything_but_a_whole_reply_is_refused() {
        let whole = r#"<ApiResponse Status="OK"><CommandResponse><DomainDNSGetHostsResult Domain="x.com"><host Name="@" Type="A" Address="192.0.2.1" /></DomainDNSGetHostsResult></CommandResponse></ApiResponse>"#;
        assert_eq!(
            parse(whole.as_bytes())
                .expect("whole")
                .hosts
                .expect("hosts")
                .hosts
                .len(),
            1
        );
        let cut = &whole[..whole.find("</DomainDNSGetHostsResult>").expect("a tag")];
        let error = parse(cut.as_bytes()).expect_err("cut");
        assert_eq!(
            error,
            XmlError::BreaksOff {
                open: vec![
                    "apiresponse".into(),
                    "commandresponse".into(),
                    "domaindnsgethostsresult".into()
                ]
            }
        );
        assert!(error.to_string().contains("breaks off"), "{error}");
        for (body, says) in [
            (
                "<html><body>502 Bad Gateway</body></html>",
                "does not start with <ApiResponse>",
            ),
            ("", "no <ApiResponse>"),
            (
                "<ApiResponse Status=\"MAYBE\"/>",
                "\"MAYBE\", not OK or ERROR",
            ),
            ("<ApiResponse Status=\"OK\"></Errors>", "well-formed"),
            (
                "<ApiResponse Status=\"OK\"></ApiResponse><ApiResponse Status=\"OK\"/>",
                "goes on after",
            ),
            (
                "<ApiResponse Status=\"OK\"><CommandResponse><DomainDNSGetHostsResult>\
                 <host Name=\"@\" Address=\"1.2.3.4\"/></DomainDNSGetHostsResult>\
                 </CommandResponse></ApiResponse>",
                "no type attribute",
            ),
        ] {
            let error = parse(body.as_bytes()).expect_err(body).to_string();
            assert!(error.contains(says), "{body}: {error}");
        }
    }

    #[test]
    fn refusals_carry_the_facts_behind_their_message() {
        let missing = "<ApiResponse Status=\"OK\"><CommandResponse><DomainDNSGetHostsResult>\
                       <host Name=\"@\" Type=\"A\"/></DomainDNSGetHostsResult>\
                       </CommandResponse></ApiResponse>";
        assert_eq!(
            parse(missing.as_bytes()),
            Err(XmlError::HostWithout {
                attribute: "address"
            })
        );
        assert_eq!(
            parse(b"<html/>"),
            Err(XmlError::NotApiResponse {
                element: "html".into()
            })
        );
        assert_eq!(parse(b"\xff"), Err(XmlError::NotUtf8 { valid_up_to: 0 }));
        let error = parse(b"<ApiResponse Status=\"OK\"></Errors>").expect_err("mismatched");
        assert!(
            matches!(&error, XmlError::Malformed { detail, .. } if detail.contains("Errors")),
            "{error:?}"
        );
    }
}
