//! DNS records in DigitalOcean's domains. A subdomain (`app.example.com`) is looked up
//! in the account's domains by walking up to its parents (`example.com`); its records
//! are then named relative to that domain (`app`, `www.app`).

use serde_json::json;

use super::wire::WireRecord;
use super::{DigitalOcean, PROVIDER};
use crate::dns::{
    AddressRecords, DesiredRecord, DnsProvider, DnsReport, ExistingRecord, RecordChange,
    RecordOutcome, RecordPlan, find_zone, plan_record, relative_name, upsert_each,
};
use crate::error::CloudError;
use crate::http::Method;

impl DnsProvider for DigitalOcean {
    fn upsert_addresses(&self, request: &AddressRecords) -> Result<DnsReport, CloudError> {
        upsert_each(
            request,
            |domain| self.find_domain(domain),
            |zone, domain, desired| self.upsert_record(zone, domain, desired),
        )
    }
}

impl DigitalOcean {
    /// The account's domain that holds `domain`: itself, or the nearest parent. Fails
    /// with advice when neither is in this account's DNS.
    fn find_domain(&self, domain: &str) -> Result<String, CloudError> {
        let lookup = |candidate: &str| {
            let url = self
                .client
                .api_url(&format!("/v2/domains/{candidate}"), &[]);
            match self.client.send(Method::Get, &url, None) {
                Ok(_) => Ok(Some(())),
                Err(failure) if failure.is_status(404) => Ok(None),
                Err(failure) => {
                    Err(self.explain(failure, Method::Get, &format!("look up domain {candidate}")))
                }
            }
        };
        let not_found = |candidates: &[String]| {
            let zone = candidates.last().map_or(domain, String::as_str);
            CloudError::NotFound {
                provider: PROVIDER,
                what: format!("domain {} in this account's DNS", candidates.join(" or ")),
                advice: format!(
                    "Add it under Networking > Domains at \
                     https://cloud.digitalocean.com/networking/domains, and at the registrar \
                     where you bought {zone} set its name servers to ns1.digitalocean.com, \
                     ns2.digitalocean.com and ns3.digitalocean.com; or choose the DNS \
                     provider that holds {zone} today"
                ),
            }
        };
        let (zone, ()) = find_zone(domain, lookup, not_found)?;
        Ok(zone)
    }

    /// Makes one record right and says what that took.
    fn upsert_record(
        &self,
        zone: &str,
        domain: &str,
        desired: &DesiredRecord,
    ) -> Result<RecordChange, CloudError> {
        let fqdn = desired.host.fqdn(domain);
        let name = relative_name(&fqdn, zone);
        let kind = desired.kind.as_str();
        let data = desired.address.to_string();
        let existing = self.records(zone, &fqdn, desired)?;
        let plan = plan_record(desired, &existing);
        let body = json!({"type": kind, "name": name, "data": data, "ttl": desired.ttl});
        let (outcome, kept) = match plan {
            RecordPlan::Unchanged { id } => (RecordOutcome::Unchanged, id),
            RecordPlan::Create => {
                let action = format!("add the {kind} record for {fqdn}");
                let url = self
                    .client
                    .api_url(&format!("/v2/domains/{zone}/records"), &[]);
                let created: serde_json::Value = self
                    .client
                    .send_json(Method::Post, &url, Some(&body))
                    .map_err(|failure| self.explain(failure, Method::Post, &action))?;
                let id = created
                    .pointer("/domain_record/id")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or_default();
                (RecordOutcome::Created, id)
            }
            RecordPlan::Update { id, previous } => {
                let action = format!("update the {kind} record for {fqdn}");
                let url = self
                    .client
                    .api_url(&format!("/v2/domains/{zone}/records/{id}"), &[]);
                self.client
                    .send(Method::Put, &url, Some(&body))
                    .map_err(|failure| self.explain(failure, Method::Put, &action))?;
                (RecordOutcome::Updated { previous }, id)
            }
        };
        Ok(RecordChange {
            host: desired.host,
            kind: desired.kind,
            data,
            outcome,
            others: existing
                .into_iter()
                .filter(|record| record.id != kept)
                .map(|record| record.data)
                .collect(),
            note: None,
        })
    }

    /// The records of the desired type and name. The API filters by type and full
    /// name; the result is filtered again here so a filter the API ignored can never
    /// make Slipway change an unrelated record.
    fn records(
        &self,
        zone: &str,
        fqdn: &str,
        desired: &DesiredRecord,
    ) -> Result<Vec<ExistingRecord>, CloudError> {
        let kind = desired.kind.as_str();
        let name = relative_name(fqdn, zone);
        let records: Vec<WireRecord> = self.list(
            &format!("/v2/domains/{zone}/records"),
            &[("type", kind), ("name", fqdn)],
            "domain_records",
            &format!("list the {kind} records of {fqdn}"),
        )?;
        Ok(records
            .into_iter()
            .filter(|record| record.kind == kind && record.name == name)
            .map(|record| ExistingRecord {
                id: record.id,
                data: record.data,
                ttl: record.ttl.unwrap_or_default(),
            })
            .collect())
    }
}
