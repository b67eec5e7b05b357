// What a draft may hold: a repository URL loses any password or token before it is
// written, while the forms Slipway needs to fetch (SSH user names) stay as they are.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutCredentials } from '../src/lib/redact.js';

describe('withoutCredentials', () => {
  it('drops a password, keeping the user', () => {
    assert.equal(
      withoutCredentials('https://ana:s3cret@github.com/ana-ruiz/shop.git'),
      'https://ana@github.com/ana-ruiz/shop.git',
    );
    assert.equal(withoutCredentials('ssh://git:pw@host/x.git'), 'ssh://git@host/x.git');
  });

  it('drops a token given as the user of an https URL', () => {
    assert.equal(withoutCredentials('https://ghp_abc123@github.com/x.git'), 'https://github.com/x.git');
  });

  it('leaves SSH user names and plain URLs alone', () => {
    for (const url of ['git@github.com:ana-ruiz/shop.git', 'ssh://git@host/x.git', 'https://github.com/x.git', '']) {
      assert.equal(withoutCredentials(url), url);
    }
  });
});
