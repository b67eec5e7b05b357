import type { ServerOffer, ServerSpec } from '../lib/ipc/bindings';
import {
  CLOUD_LABEL,
  defaultImage,
  formatPrice,
  regionOf,
  sizeOf,
  sizesIn,
  sizeSummary,
  type Cloud,
} from '../lib/server';
import type { OfferState } from '../lib/use-offers';
import { Field } from './Field';
import { TokenField } from './TokenField';

interface Props {
  provider: Cloud;
  server: ServerSpec;
  offer: OfferState;
  onCheck: (token: string | null) => Promise<boolean>;
  problems: Map<string, string[]>;
  onChange: (patch: Partial<ServerSpec>) => void;
}

/** A new server at DigitalOcean or Hetzner: the account's token, then where, how big, which system. */
export function CloudServer({ provider, server, offer, onCheck, problems, onChange }: Props) {
  const ready = offer.status === 'ready' ? offer.offer : null;
  const label = CLOUD_LABEL[provider];
  return (
    <div className="subform">
      <TokenField provider={provider} state={offer} onCheck={onCheck} />
      <OfferPickers label={label} offer={ready} server={server} problems={problems} onChange={onChange} />
    </div>
  );
}

function OfferPickers({
  label,
  offer,
  server,
  problems,
  onChange,
}: {
  label: string;
  offer: ServerOffer | null;
  server: ServerSpec;
  problems: Map<string, string[]>;
  onChange: (patch: Partial<ServerSpec>) => void;
}) {
  const regionSlug = server.region ?? '';
  const sizeSlug = server.size ?? '';
  const imageSlug = server.image ?? '';
  const region = regionOf(offer, regionSlug);
  const sizes = sizesIn(region);
  const chosenSize = sizeOf(offer, regionSlug, sizeSlug);
  const waiting = offer === null ? `Check the token to see what ${label} offers.` : undefined;

  function chooseRegion(slug: string) {
    const next = regionOf(offer, slug);
    const keepsSize = next?.sizes.some((s) => s.slug === sizeSlug) ?? false;
    const keepsImage = next?.images.some((i) => i.slug === imageSlug) ?? false;
    onChange({
      region: slug,
      size: keepsSize ? sizeSlug : '',
      image: keepsImage ? imageSlug : defaultImage(next),
    });
  }

  return (
    <div className="form-grid offer" data-testid="offer-pickers" aria-busy={offer === null}>
      <Field path="server.region" label="Region" hint={waiting ?? 'Closest to your visitors is fastest.'} problems={problems}>
        {(props) => (
          <select {...props} className="input" value={regionSlug} disabled={offer === null} onChange={(e) => chooseRegion(e.target.value)}>
            <option value="" disabled>
              Choose a region…
            </option>
            {regionSlug !== '' && !region && <option value={regionSlug}>{regionSlug} (not offered now)</option>}
            {offer?.regions.map((r) => (
              <option key={r.slug} value={r.slug}>
                {r.name} ({r.slug})
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field path="server.image" label="System" hint={region ? 'Debian 12 unless you need another.' : 'Offered per region.'} problems={problems}>
        {(props) => (
          <select
            {...props}
            className="input"
            value={imageSlug}
            disabled={!region}
            onChange={(e) => onChange({ image: e.target.value })}
          >
            {imageSlug === '' && <option value="">Debian 12 (the default)</option>}
            {imageSlug !== '' && !region?.images.some((i) => i.slug === imageSlug) && (
              <option value={imageSlug}>{imageSlug}</option>
            )}
            {region?.images.map((i) => (
              <option key={i.slug} value={i.slug}>
                {i.label}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field
        path="server.size"
        label="Size"
        wide
        hint={
          chosenSize && offer ? (
            <span className="price-line" data-testid="server-price">
              <span className="price">{formatPrice(chosenSize.price_monthly, offer.currency)} a month</span>{' '}
              for {sizeSummary(chosenSize)}, charged by {label} to your account.
            </span>
          ) : region ? (
            'Cheapest first. The smallest is plenty for a small site; you can resize later.'
          ) : (
            'Sizes and prices depend on the region.'
          )
        }
        problems={problems}
      >
        {(props) => (
          <select
            {...props}
            className="input"
            value={sizeSlug}
            disabled={!region}
            onChange={(e) => onChange({ size: e.target.value })}
          >
            <option value="" disabled>
              Choose a size…
            </option>
            {sizeSlug !== '' && !chosenSize && <option value={sizeSlug}>{sizeSlug} (not offered here)</option>}
            {sizes.map((s) => (
              <option key={s.slug} value={s.slug}>
                {formatPrice(s.price_monthly, offer?.currency ?? 'USD')} a month — {sizeSummary(s)} ({s.slug})
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field
        path="server.name"
        label={`Name at ${label}`}
        optional
        hint="Leave empty to name the server after the app."
        problems={problems}
      >
        {(props) => (
          <input
            {...props}
            className="input mono"
            value={server.name ?? ''}
            onChange={(e) => onChange({ name: e.target.value })}
            spellCheck={false}
            autoComplete="off"
          />
        )}
      </Field>
    </div>
  );
}
