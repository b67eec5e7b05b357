import { useEffect, useState } from 'react';
import { useBackend } from '../lib/backend-context';
import type { CertificateRow } from '../lib/ipc/bindings';

type State = { kind: 'asking' } | { kind: 'known'; certificate: CertificateRow | null } | { kind: 'unknown' };

/** The live site's certificate, as its server has it now: who issued it and when it expires. */
export function LiveCertificate({ folder }: { folder: string }) {
  const backend = useBackend();
  const [state, setState] = useState<State>({ kind: 'asking' });

  useEffect(() => {
    let live = true;
    backend.projectStatus(folder).then(
      (status) => live && setState({ kind: 'known', certificate: status.certificate }),
      () => live && setState({ kind: 'unknown' }),
    );
    return () => {
      live = false;
    };
  }, [backend, folder]);

  if (state.kind !== 'known' || state.certificate === null) return null;
  const c = state.certificate;
  return (
    <p data-testid="live-certificate">
      Certificate from {c.issuer} for {c.names.join(', ')}: expires in {c.days_left} days ({c.expires}); it renews
      itself.
    </p>
  );
}
