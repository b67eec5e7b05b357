import { AppStep } from './components/AppStep';
import { Logo } from './components/Logo';

const STEPS = [
  { title: 'App', note: 'Which app to deploy' },
  { title: 'Server', note: 'Where it will run' },
  { title: 'Domain & HTTPS', note: 'The address people visit' },
  { title: 'Deploy', note: 'Review the plan, then go live' },
] as const;

/** The wizard's frame: the steps on the left, the current step on the right. */
export function App({ demo }: { demo: boolean }) {
  const current = 0;
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="sidebar-inner">
          <div className="brand">
            <Logo />
            <span>Slipway</span>
          </div>
          <nav aria-label="Setup steps">
            <ol className="steps">
              {STEPS.map((step, i) => {
                const state = i < current ? 'done' : i === current ? 'current' : 'upcoming';
                return (
                  <li
                    key={step.title}
                    className={`step step-${state}`}
                    aria-current={i === current ? 'step' : undefined}
                  >
                    <span className="step-number" aria-hidden="true">
                      {i + 1}
                    </span>
                    <span className="step-text">
                      <span className="step-title">
                        {step.title}
                        {state === 'upcoming' && <span className="sr-only"> (upcoming)</span>}
                      </span>
                      <span className="step-note">{step.note}</span>
                    </span>
                  </li>
                );
              })}
            </ol>
          </nav>
          {demo && (
            <p className="demo-note">
              Preview with demo data. Try <code>/home/ana/projects/shop</code>, <code>blog</code>,{' '}
              <code>tools</code> or <code>site</code> in the same folder.
            </p>
          )}
        </div>
      </aside>
      <main className="content">
        <AppStep step={current + 1} of={STEPS.length} />
      </main>
    </div>
  );
}
