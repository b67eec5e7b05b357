import type { ReactNode } from 'react';
import { useDashboardLink } from '../lib/nav';
import { STEPS } from '../lib/steps';
import { Logo } from './Logo';

interface Props {
  /** The step on screen. */
  current: number;
  /** Whether the sidebar may take the user to step `i` now. */
  canGo: (i: number) => boolean;
  /** Steps the user has finished (left forwards with nothing to fix). */
  done: (i: number) => boolean;
  onGo: (i: number) => void;
  demo: boolean;
  /** Whether the deploy is on screen: it then shows as the step after Review. */
  deploying?: boolean;
  children: ReactNode;
}

/** The wizard's frame: the steps on the left, the current step on the right. */
export function Shell({ current, canGo, done, onGo, demo, deploying = false, children }: Props) {
  const toDashboard = useDashboardLink();
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="sidebar-inner">
          <div className="brand">
            <Logo />
            <span>Slipway</span>
          </div>
          {toDashboard?.listed && (
            <button type="button" className="link to-dashboard" data-testid="to-dashboard" onClick={toDashboard.go}>
              <span aria-hidden="true">← </span>Your sites
            </button>
          )}
          <nav aria-label="Setup steps">
            <ol className="steps">
              {STEPS.map((step, i) => {
                const state = i === current ? 'current' : done(i) ? 'done' : 'upcoming';
                const inner = (
                  <>
                    <span className="step-number" aria-hidden="true">
                      {state === 'done' ? '✓' : i + 1}
                    </span>
                    <span className="step-text">
                      <span className="step-title">
                        {step.title}
                        {state !== 'current' && <span className="sr-only"> ({state})</span>}
                      </span>
                      <span className="step-note">{step.note}</span>
                    </span>
                  </>
                );
                return (
                  <li
                    key={step.key}
                    className={`step step-${state}`}
                    aria-current={i === current ? 'step' : undefined}
                  >
                    {i !== current && canGo(i) ? (
                      <button
                        type="button"
                        className="step-inner step-link"
                        data-testid={`go-${step.key}`}
                        onClick={() => onGo(i)}
                      >
                        {inner}
                      </button>
                    ) : (
                      <div className="step-inner">{inner}</div>
                    )}
                  </li>
                );
              })}
              {deploying && (
                <li className="step step-current" aria-current="step" data-testid="sidebar-deploy">
                  <div className="step-inner">
                    <span className="step-number" aria-hidden="true">
                      {STEPS.length + 1}
                    </span>
                    <span className="step-text">
                      <span className="step-title">Deploy</span>
                      <span className="step-note">Going live</span>
                    </span>
                  </div>
                </li>
              )}
            </ol>
          </nav>
          {demo && (
            <p className="demo-note">
              Preview with demo data. Try <code>/home/ana/projects/shop</code>, <code>blog</code>,{' '}
              <code>tools</code> or <code>site</code> in the same folder. Demo tokens: anything
              starting with <code>dop_v1_</code> for DigitalOcean; <code>bad</code> is refused.
            </p>
          )}
        </div>
      </aside>
      <main className="content">{children}</main>
    </div>
  );
}
