import type { ReactNode } from 'react';

/** One line of the plan: where something is made, and what. */
export function PlanItem({ where, testId, children }: { where: string; testId?: string; children: ReactNode }) {
  return (
    <li className="plan-item" data-testid={testId}>
      <span className="plan-where">{where}</span>
      <span className="plan-what">{children}</span>
    </li>
  );
}
