// Which log lines are on screen: only the rows in view (and a few either side) are
// drawn, so a build that prints a hundred thousand lines scrolls as lightly as ten.

import type { LogBuffer } from './deploy';

/** Every row is this tall, in CSS pixels; styles.css sets the same height. */
export const ROW_HEIGHT = 20;
/** Rows drawn above and below the view, so fast scrolling shows no gaps. */
const OVERSCAN = 8;

/** The rows to draw for a view `height` tall scrolled to `top`, out of `count`. */
export function visibleRows(count: number, top: number, height: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(count, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  return { first, last: Math.max(first, last) };
}

/**
 * The lines that contain a search, kept up to date as the log grows: each new line is
 * looked at once, never the whole log again.
 */
export class LogMatches {
  private query = '';
  private scanned = 0;
  private source: LogBuffer | null = null;
  readonly indices: number[] = [];

  /** The matching line numbers for `query` (case-insensitive) in `log` as it is now. */
  update(log: LogBuffer, query: string): number[] {
    const needle = query.toLowerCase();
    if (needle !== this.query || log !== this.source) {
      this.query = needle;
      this.source = log;
      this.scanned = 0;
      this.indices.length = 0;
    }
    const texts = log.texts;
    for (let i = this.scanned; i < texts.length; i += 1) {
      if (texts[i]!.toLowerCase().includes(needle)) this.indices.push(i);
    }
    this.scanned = texts.length;
    return this.indices;
  }
}

/** `text` cut around each case-insensitive occurrence of `query`: [plain, match, plain, …]. */
export function splitMatches(text: string, query: string): string[] {
  if (query === '') return [text];
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  const parts: string[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, from)) {
    parts.push(text.slice(from, at), text.slice(at, at + needle.length));
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return parts;
}
