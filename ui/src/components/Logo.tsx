/** Slipway's mark: a ramp sloping into the water. */
export function Logo() {
  return (
    <svg className="logo" width="28" height="28" viewBox="0 0 28 28" aria-hidden="true">
      <rect width="28" height="28" rx="7" fill="var(--accent)" />
      <path d="M6 18 L20 8" stroke="var(--on-accent)" strokeWidth="2.4" strokeLinecap="round" />
      <path
        d="M5 21.5c2 0 2-1.5 4.5-1.5S12 21.5 14 21.5s2-1.5 4.5-1.5 2.5 1.5 4.5 1.5"
        fill="none"
        stroke="var(--on-accent)"
        strokeWidth="2"
        strokeLinecap="round"
        opacity="0.75"
      />
    </svg>
  );
}
