// Keeping secrets out of what the window writes down. Free of React and the DOM so it
// can be tested on its own.

/**
 * The repository URL without a password or token in it: `https://ana:pw@host/x` becomes
 * `https://ana@host/x`, and `https://token@host/x` becomes `https://host/x`. SSH user
 * names (`git@host:path`) stay.
 */
export function withoutCredentials(url: string): string {
  const match = /^((?:[a-z][a-z0-9+.-]*:\/\/)?)([^/@]*)@/i.exec(url);
  if (!match) return url;
  const [whole, scheme = '', user = ''] = match;
  const colon = user.indexOf(':');
  if (colon >= 0) return `${scheme}${user.slice(0, colon)}@${url.slice(whole.length)}`;
  if (/^https?:\/\//i.test(scheme)) return scheme + url.slice(whole.length);
  return url;
}
