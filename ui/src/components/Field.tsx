import type { ReactNode } from 'react';
import { fieldId, sentence } from '../lib/spec-form';

/** What a field's input needs to be labelled, described and tested. */
export interface InputProps {
  id: string;
  'data-testid': string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/** A label, an input (given by `children`), a hint, and the field's problems. */
export function Field({
  path,
  label,
  hint,
  problems,
  children,
  optional = false,
  hiddenLabel = false,
  errorLabel,
  group = false,
  wide = false,
}: {
  path: string;
  label: string;
  hint?: ReactNode;
  problems: Map<string, string[]>;
  children: (props: InputProps) => ReactNode;
  optional?: boolean;
  hiddenLabel?: boolean;
  /** How messages name the field when the label is hidden (`URL prefix is required`). */
  errorLabel?: string;
  /** The input is a group of radios: the label names the group instead of pointing at it. */
  group?: boolean;
  wide?: boolean;
}) {
  const id = fieldId(path);
  const messages = problems.get(path) ?? [];
  const hintId = hint ? fieldId(path, 'hint') : undefined;
  const errorId = messages.length > 0 ? fieldId(path, 'error') : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  const labelClass = hiddenLabel ? 'sr-only' : 'label';
  const labelText = (
    <>
      {label}
      {optional && <span className="optional"> (optional)</span>}
    </>
  );
  return (
    <div className={`field${wide ? ' field-wide' : ''}${messages.length > 0 ? ' field-invalid' : ''}`}>
      {group ? (
        <span id={fieldId(path, 'label')} className={labelClass}>
          {labelText}
        </span>
      ) : (
        <label htmlFor={id} className={labelClass}>
          {labelText}
        </label>
      )}
      {children({
        id,
        'data-testid': `field-${path}`,
        'aria-invalid': messages.length > 0 ? true : undefined,
        'aria-describedby': describedBy,
      })}
      <FieldMessages id={errorId} testId={`error-${path}`} label={errorLabel ?? label} messages={messages} />
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** A field's problems, each as a sentence naming the field. */
export function FieldMessages({
  id,
  testId,
  label,
  messages,
}: {
  id: string | undefined;
  testId: string;
  label: string;
  messages: readonly string[];
}) {
  if (messages.length === 0) return null;
  return (
    <div className="field-error" id={id} data-testid={testId}>
      {messages.map((m) => (
        <p key={m}>
          <Message text={sentence(label, m)} />
        </p>
      ))}
    </div>
  );
}

/** Backend text, with the commands it quotes in `backticks` shown as code. */
export function Message({ text }: { text: string }) {
  const parts = text.split('`');
  if (parts.length < 3) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) => (i % 2 === 1 && i < parts.length - 1 ? <code key={i}>{part}</code> : part))}
    </>
  );
}
