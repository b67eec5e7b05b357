import type { ReactNode } from 'react';

/** A checkbox with its label beside it and a line saying what it does. */
export function Check({
  testId,
  checked,
  onChange,
  label,
  hint,
  describedBy,
}: {
  testId: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: ReactNode;
  hint?: ReactNode;
  describedBy?: string | undefined;
}) {
  const id = testId.replace(/[^A-Za-z0-9]+/g, '-');
  const hintId = hint ? `${id}--hint` : undefined;
  return (
    <div className="check-field">
      <label className="check">
        <input
          type="checkbox"
          id={id}
          data-testid={testId}
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={[describedBy, hintId].filter(Boolean).join(' ') || undefined}
        />
        <span>{label}</span>
      </label>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
