interface Option<K extends string> {
  key: K;
  title: string;
  note: string;
}

/** A choice between a few options, each a card with a line saying what it means. */
export function RadioCards<K extends string>({
  name,
  legend,
  options,
  value,
  onChange,
}: {
  /** The radios' name, also the start of their test ids (`server-kind-hetzner`). */
  name: string;
  legend: string;
  options: readonly Option<K>[];
  value: K | null;
  onChange: (key: K) => void;
}) {
  return (
    <fieldset className="cards-field">
      <legend className="label">{legend}</legend>
      <div className="cards">
        {options.map((option) => (
          <label key={option.key} className="card">
            <input
              type="radio"
              name={name}
              value={option.key}
              data-testid={`${name}-${option.key}`}
              checked={value === option.key}
              onChange={() => onChange(option.key)}
            />
            <span className="card-body">
              <span className="card-title">{option.title}</span>
              <span className="card-note">{option.note}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
