import type { IpcError } from '../lib/backend';
import { folderInHint } from '../lib/spec-form';

/** Why a folder could not be opened, and what to do: plain hints, and bullet lists whose
 * folder paths can be opened with a click. */
export function OpenError({ error, onOpen }: { error: IpcError; onOpen: (folder: string) => void }) {
  const blocks: (string | string[])[] = [];
  for (const hint of error.hints) {
    const last = blocks[blocks.length - 1];
    if (hint.startsWith('• ')) {
      if (Array.isArray(last)) last.push(hint);
      else blocks.push([hint]);
    } else {
      blocks.push(hint);
    }
  }
  return (
    <div className="alert alert-error" id="open-error" data-testid="open-error" role="alert">
      <p className="alert-title">{error.message}</p>
      {blocks.map((block, i) =>
        typeof block === 'string' ? (
          <p key={i}>{block}</p>
        ) : (
          <ul key={i} className="hint-list">
            {block.map((hint) => {
              const folder = folderInHint(hint);
              return (
                <li key={hint}>
                  {folder ? (
                    <button type="button" className="link mono" onClick={() => onOpen(folder)}>
                      {folder}
                    </button>
                  ) : (
                    hint.slice(2)
                  )}
                </li>
              );
            })}
          </ul>
        ),
      )}
    </div>
  );
}
