//! Which domain Namecheap holds for a name, split the way its API wants it: `SLD` (the
//! label bought) and `TLD` (the public suffix it was bought under, which may have more
//! than one label), plus the names Slipway manages relative to that domain.

use crate::dns::Host;
use crate::error::CloudError;

/// Public suffixes of more than one label under which Namecheap sells (or commonly
/// holds) domains. For any other name the last label is the suffix, which is right for
/// `.com`, `.net`, `.org`, `.io`, `.uk`, `.dev` and every other single-label ending.
///
/// This is a short, hand-kept list rather than the whole Public Suffix List: Namecheap's
/// API only ever sees domains it sells, and a missing entry fails safely (Namecheap
/// answers that the domain is not in the account, and the message shows the split).
#[rustfmt::skip]
const MULTI_LABEL_SUFFIXES: &[&str] = &[
    // United Kingdom.
    "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk",
    // Australia and New Zealand.
    "com.au", "net.au", "org.au", "id.au", "asn.au", "co.nz", "net.nz", "org.nz",
    // India.
    "co.in", "net.in", "org.in", "firm.in", "gen.in", "ind.in",
    // The Americas and the Caribbean.
    "com.co", "net.co", "nom.co", "com.mx", "com.br", "com.pe", "net.pe", "org.pe", "nom.pe",
    "com.ag", "net.ag", "org.ag", "com.bz", "net.bz", "com.vc", "net.vc", "org.vc",
    "com.lc", "net.lc", "org.lc", "com.sc", "net.sc", "org.sc", "co.ve", "com.ve",
    // Europe.
    "com.es", "nom.es", "org.es", "com.pl", "net.pl", "org.pl",
    // Asia.
    "com.tw", "org.tw", "idv.tw", "com.ph", "net.ph", "org.ph", "com.sg", "com.hk", "com.cn",
    "co.jp", "co.kr",
    // Africa.
    "co.za",
    // Second-level names sold as if they were endings.
    "uk.com", "us.com", "eu.com", "br.com", "cn.com", "de.com", "jpn.com", "sa.com", "za.com",
    "co.com", "gb.net", "uk.net", "jp.net", "hu.net", "in.net", "us.org",
];

/// A name split into the domain Namecheap holds and the part in front of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneName {
    /// The label bought: `example` in `app.example.co.uk`.
    pub sld: String,
    /// The suffix it was bought under: `co.uk`.
    pub tld: String,
    /// The labels in front of the domain, or empty: `app`.
    pub prefix: String,
}

impl ZoneName {
    /// Splits `name` (already lowercase, checked, without a final dot).
    pub fn split(name: &str) -> Result<Self, CloudError> {
        let bare_suffix = || CloudError::InvalidInput {
            field: "domain",
            message: format!(
                "\"{name}\" is an ending under which domains are sold, not a domain; \
                 write the domain you bought, like example.{name}"
            ),
        };
        if MULTI_LABEL_SUFFIXES.contains(&name) {
            return Err(bare_suffix());
        }
        let suffix = MULTI_LABEL_SUFFIXES
            .iter()
            .copied()
            .filter(|suffix| name.ends_with(&format!(".{suffix}")))
            .max_by_key(|suffix| suffix.len())
            .unwrap_or_else(|| name.rsplit('.').next().unwrap_or(name));
        let front = name
            .strip_suffix(suffix)
            .and_then(|front| front.strip_suffix('.'))
            .filter(|front| !front.is_empty())
            .ok_or_else(bare_suffix)?;
        let (prefix, sld) = match front.rsplit_once('.') {
            Some((prefix, sld)) => (prefix, sld),
            None => ("", front),
        };
        Ok(Self {
            sld: sld.to_owned(),
            tld: suffix.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    /// The domain Namecheap holds: `example.co.uk`.
    pub fn domain(&self) -> String {
        format!("{}.{}", self.sld, self.tld)
    }

    /// The name of `host` relative to the domain, as Namecheap stores host names: `@`
    /// and `www` for the domain itself, `app` and `www.app` for `app.example.com`.
    pub fn host_name(&self, host: Host) -> String {
        match (host, self.prefix.is_empty()) {
            (Host::Apex, true) => "@".to_owned(),
            (Host::Apex, false) => self.prefix.clone(),
            (Host::Www, true) => "www".to_owned(),
            (Host::Www, false) => format!("www.{}", self.prefix),
        }
    }

    /// A host name as read from Namecheap, in the form [`Self::host_name`] gives, so the
    /// two compare: lowercase, `@` for the domain itself whether it was written `@`,
    /// empty or in full, and relative when written in full.
    pub fn normalize(&self, name: &str) -> String {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let domain = self.domain();
        if name.is_empty() || name == "@" || name == domain {
            return "@".to_owned();
        }
        match name.strip_suffix(&format!(".{domain}")) {
            Some(relative) => relative.to_owned(),
            None => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `prefix|sld|tld`.
    fn split(name: &str) -> String {
        let zone = ZoneName::split(name).expect(name);
        format!("{}|{}|{}", zone.prefix, zone.sld, zone.tld)
    }

    #[test]
    fn multi_label_suffixes_stay_whole() {
        assert_eq!(split("example.com"), "|example|com");
        assert_eq!(split("example.co.uk"), "|example|co.uk");
        assert_eq!(split("example.uk"), "|example|uk");
        assert_eq!(split("shop.app.example.com.au"), "shop.app|example|com.au");
        // `co.com` is a suffix, `xco.com` is a domain.
        assert_eq!(split("xco.com"), "|xco|com");
        assert_eq!(split("x.co.com"), "|x|co.com");
    }

    #[test]
    fn names_are_relative_to_the_domain_bought() {
        let zone = ZoneName::split("app.example.com").expect("a name");
        assert_eq!(zone.domain(), "example.com");
        assert_eq!(zone.host_name(Host::Apex), "app");
        assert_eq!(zone.host_name(Host::Www), "www.app");
        let zone = ZoneName::split("example.co.uk").expect("a name");
        assert_eq!(zone.host_name(Host::Apex), "@");
        assert_eq!(zone.host_name(Host::Www), "www");
        for (read, normal) in [
            ("@", "@"),
            ("", "@"),
            ("Example.CO.uk.", "@"),
            ("WWW", "www"),
            ("www.example.co.uk", "www"),
            ("_dmarc", "_dmarc"),
        ] {
            assert_eq!(zone.normalize(read), normal, "{read}");
        }
    }

    #[test]
    fn a_bare_suffix_is_not_a_domain() {
        let error = ZoneName::split("co.uk").expect_err("a suffix");
        assert!(error.to_string().contains("not a domain"), "{error}");
    }
}
