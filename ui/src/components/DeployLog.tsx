import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { LogBuffer } from '../lib/deploy';
import { LogMatches, ROW_HEIGHT, splitMatches, visibleRows } from '../lib/log-window';

interface Props {
  log: LogBuffer;
  /** How many lines the log holds now; a new value redraws. */
  length: number;
}

/**
 * Every line of the deploy, searchable, drawn a window at a time. Follow keeps the
 * newest line in view; scrolling up to read stops following, scrolling back to the
 * bottom (or pressing Follow) starts again.
 */
export function DeployLog({ log, length }: Props) {
  const [query, setQuery] = useState('');
  const [follow, setFollow] = useState(true);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(320);
  const view = useRef<HTMLDivElement>(null);
  const placed = useRef(-1);
  const matches = useRef(new LogMatches());

  const shown = useMemo(
    () => (query === '' ? null : matches.current.update(log, query).slice()),
    // `length` is how the log says it has grown.
    [log, query, length],
  );
  const count = shown ? shown.length : length;
  const viewTop = follow ? Math.max(0, count * ROW_HEIGHT - height) : top;
  const { first, last } = visibleRows(count, viewTop, height);

  useLayoutEffect(() => {
    const el = view.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 320);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = view.current;
    if (!follow || !el) return;
    el.scrollTop = el.scrollHeight;
    placed.current = el.scrollTop;
  }, [follow, count, height]);

  function onScroll() {
    const el = view.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT / 2;
    if (follow && el.scrollTop < placed.current - 1 && !atBottom) setFollow(false);
    else if (!follow && atBottom) setFollow(true);
    setTop(el.scrollTop);
  }

  const rows = [];
  for (let r = first; r < last; r += 1) {
    const i = shown ? shown[r]! : r;
    rows.push(
      <div
        key={r}
        className={`log-row log-${log.kinds[i] ?? 'out'}`}
        style={{ transform: `translateY(${r * ROW_HEIGHT}px)` }}
        data-line={i + 1}
      >
        <span className="log-number" aria-hidden="true">
          {i + 1}
        </span>
        <Highlighted text={log.texts[i] ?? ''} query={query} />
      </div>,
    );
  }

  return (
    <section className="deploy-log" aria-labelledby="log-title">
      <div className="log-bar">
        <h2 id="log-title">Log</h2>
        <label className="sr-only" htmlFor="log-search">
          Search the log
        </label>
        <input
          id="log-search"
          className="input log-search"
          type="search"
          placeholder="Search the log"
          data-testid="log-search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className="log-count muted" data-testid="log-count">
          {shown ? `${count.toLocaleString('en')} of ${length.toLocaleString('en')} lines` : `${length.toLocaleString('en')} lines`}
        </span>
        <button
          type="button"
          className="button button-small"
          aria-pressed={follow}
          data-testid="log-follow"
          onClick={() => setFollow(!follow)}
        >
          <span aria-hidden="true">{follow ? '⤓ ' : ''}</span>Follow
        </button>
      </div>
      <div
        ref={view}
        className="log-view"
        tabIndex={0}
        role="region"
        aria-label="Deploy log lines"
        data-testid="log-view"
        onScroll={onScroll}
      >
        <div className="log-space" style={{ height: count * ROW_HEIGHT }}>
          {rows}
        </div>
        {count === 0 && (
          <p className="log-empty muted">{shown ? 'No line contains that.' : 'Waiting for the first line…'}</p>
        )}
      </div>
    </section>
  );
}

function Highlighted({ text, query }: { text: string; query: string }) {
  const parts = splitMatches(text, query);
  if (parts.length === 1) return <span className="log-text">{text}</span>;
  return (
    <span className="log-text">
      {parts.map((part, k) => (k % 2 === 1 ? <mark key={k}>{part}</mark> : part))}
    </span>
  );
}
