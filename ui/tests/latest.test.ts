// The debounce and "latest answer wins" rules behind inline validation, with fake timers
// and hand-resolved promises so every interleaving is explicit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { debounceLatest, type Timers } from '../src/lib/latest.js';

class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly waiting = new Map<number, { at: number; callback: () => void }>();

  set(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.waiting.set(id, { at: this.now + ms, callback });
    return id;
  }

  clear(handle: unknown): void {
    this.waiting.delete(handle as number);
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, timer] of [...this.waiting].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= this.now) {
        this.waiting.delete(id);
        timer.callback();
      }
    }
  }

  get count(): number {
    return this.waiting.size;
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise<void>((done) => setImmediate(done));

function harness() {
  const timers = new FakeTimers();
  const calls: { arg: string; reply: Deferred<string> }[] = [];
  const results: string[] = [];
  const errors: unknown[] = [];
  const latest = debounceLatest<string, string>({
    run: (arg) => {
      const reply = deferred<string>();
      calls.push({ arg, reply });
      return reply.promise;
    },
    delay: 150,
    onResult: (result) => results.push(result),
    onError: (error) => errors.push(error),
    timers,
  });
  return { timers, calls, results, errors, latest };
}

describe('debounceLatest', () => {
  it('runs once, with the last argument, after the typing stops', async () => {
    const { timers, calls, results, latest } = harness();
    latest.schedule('m');
    timers.advance(100);
    latest.schedule('my');
    timers.advance(100);
    latest.schedule('my-app');
    timers.advance(149);
    assert.equal(calls.length, 0, 'nothing runs while changes keep coming');
    timers.advance(1);
    assert.deepEqual(
      calls.map((c) => c.arg),
      ['my-app'],
    );
    assert.equal(latest.pending, true);
    calls[0]!.reply.resolve('ok');
    await settle();
    assert.deepEqual(results, ['ok']);
    assert.equal(latest.pending, false);
  });

  it('drops an answer that arrives after a newer request was made', async () => {
    const { timers, calls, results, latest } = harness();
    latest.schedule('old');
    timers.advance(150);
    latest.schedule('new');
    timers.advance(150);
    assert.equal(calls.length, 2);
    calls[1]!.reply.resolve('new answer');
    await settle();
    calls[0]!.reply.resolve('old answer');
    await settle();
    assert.deepEqual(results, ['new answer']);
  });

  it('drops an answer when a newer request is still waiting for its timer', async () => {
    const { timers, calls, results, latest } = harness();
    latest.schedule('first');
    timers.advance(150);
    latest.schedule('second');
    calls[0]!.reply.resolve('stale');
    await settle();
    assert.deepEqual(results, [], 'the first answer describes a spec that is gone');
    timers.advance(150);
    calls[1]!.reply.resolve('fresh');
    await settle();
    assert.deepEqual(results, ['fresh']);
  });

  it('reports failures of the latest request only', async () => {
    const { timers, calls, results, errors, latest } = harness();
    latest.schedule('a');
    timers.advance(150);
    latest.schedule('b');
    timers.advance(150);
    calls[0]!.reply.reject(new Error('old failure'));
    calls[1]!.reply.reject(new Error('new failure'));
    await settle();
    assert.deepEqual(results, []);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['new failure'],
    );
  });

  it('delivers nothing after cancel', async () => {
    const { timers, calls, results, latest } = harness();
    latest.schedule('a');
    timers.advance(150);
    latest.schedule('b');
    latest.cancel();
    assert.equal(timers.count, 0, 'the waiting timer is cleared');
    calls[0]!.reply.resolve('late');
    await settle();
    timers.advance(1000);
    assert.equal(calls.length, 1);
    assert.deepEqual(results, []);
    assert.equal(latest.pending, false);
  });
});
