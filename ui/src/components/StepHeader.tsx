import type { ReactNode } from 'react';
import { STEPS } from '../lib/steps';

/**
 * The top of a step: where it sits in the wizard, its question, and what it is for. The
 * heading takes the focus when the user moves to the step, so screen readers start there.
 */
export function StepHeader({ index, title, children }: { index: number; title: string; children: ReactNode }) {
  return (
    <header className="step-header">
      <p className="eyebrow">
        Step {index + 1} of {STEPS.length}
      </p>
      <h1 id="step-title" tabIndex={-1}>
        {title}
      </h1>
      <p className="lead">{children}</p>
    </header>
  );
}
