import { sentence } from '../lib/spec-form';
import { Message } from './Field';

/**
 * Problems of a step that no field on screen shows (a value from a hand-edited
 * slipway.toml that the form has no input for), so they are never hidden.
 */
export function Unplaced({
  problems,
  rendered,
}: {
  problems: Map<string, string[]>;
  rendered: (field: string) => boolean;
}) {
  const rest = [...problems].filter(([field]) => !rendered(field));
  if (rest.length === 0) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid="unplaced">
      {rest.map(([field, messages]) =>
        messages.map((m) => (
          <p key={field + m}>
            <Message text={sentence(field, m)} />
          </p>
        )),
      )}
    </div>
  );
}
