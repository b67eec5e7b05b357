import { aRecords, DNS_KINDS, dnsKind, withDnsKind, type DnsKind } from '../lib/domain';
import type { DomainSpec, Spec } from '../lib/ipc/bindings';
import { DnsCheck } from './DnsCheck';
import { DnsCredentials } from './DnsCredentials';
import { RadioCards } from './RadioCards';

/** Who points the names at the server, the records that takes, and whether they are there yet. */
export function DnsSection({
  spec,
  domain,
  problems,
  onChange,
}: {
  spec: Spec;
  domain: DomainSpec;
  problems: Map<string, string[]>;
  onChange: (domain: DomainSpec) => void;
}) {
  const kind = dnsKind(domain);
  const records = aRecords(domain, spec.server);
  return (
    <section className="subform" aria-labelledby="dns-title">
      <h2 id="dns-title">Pointing the name at the server</h2>
      <RadioCards<DnsKind>
        name="dns-provider"
        legend="Who holds the domain's DNS records"
        options={DNS_KINDS}
        value={kind}
        onChange={(next) => onChange(withDnsKind(domain, next))}
      />
      <DnsCredentials kind={kind} project={spec.app.name} domain={domain} problems={problems} onChange={onChange} />
      {kind === 'manual' ? (
        <div className="records-block">
          <p>At your registrar or DNS host, create {records.length === 1 ? 'this record' : 'these records'}:</p>
          <table className="records" data-testid="dns-records">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Name</th>
                <th scope="col">Points at</th>
              </tr>
            </thead>
            <tbody>
              {records.length === 0 ? (
                <tr>
                  <td colSpan={3} className="muted">
                    Enter the domain name first.
                  </td>
                </tr>
              ) : (
                records.map((r) => (
                  <tr key={r.name}>
                    <td className="mono">A</td>
                    <td className="mono">{r.name}</td>
                    <td className={r.known ? 'mono' : 'muted'}>{r.value}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
          <p className="hint">
            {records.some((r) => !r.known) &&
              "Slipway learns the server's address when it creates the server, on the first deploy, and shows it then. "}
            Remove any other A or AAAA records for these names. Changes usually show within minutes,
            sometimes a few hours.
          </p>
        </div>
      ) : (
        <p className="hint">
          On each deploy Slipway creates or corrects the A records for{' '}
          <span className="mono">{records.map((r) => r.name).join(' and ') || 'the domain'}</span>, never
          duplicating them.
        </p>
      )}
      <DnsCheck spec={spec} />
    </section>
  );
}
