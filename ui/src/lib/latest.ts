// Debounced "latest answer wins": used to check the spec while the user types. Each
// change restarts a short timer; when it fires the check runs, and an answer is only
// delivered if nothing has been scheduled since, so a slow reply to an old spec never
// overwrites the problems of the current one.
//
// Kept free of React and the DOM so it can be tested with fake timers.

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LatestOptions<A, R> {
  /** The work to do for the latest argument. */
  run: (arg: A) => Promise<R>;
  /** Quiet time, in milliseconds, before `run` starts. */
  delay: number;
  /** Receives the answer for the most recently scheduled argument only. */
  onResult: (result: R, arg: A) => void;
  /** Receives a failure of the most recently scheduled argument only. */
  onError?: (error: unknown, arg: A) => void;
  timers?: Timers;
}

export interface Latest<A> {
  /** Asks for `arg` to be run once things are quiet; supersedes earlier requests. */
  schedule(arg: A): void;
  /** Drops any waiting or running request; nothing more is delivered until the next `schedule`. */
  cancel(): void;
  /** Whether a request is waiting for its timer or for its answer. */
  readonly pending: boolean;
}

export function debounceLatest<A, R>(options: LatestOptions<A, R>): Latest<A> {
  const timers = options.timers ?? realTimers;
  let generation = 0;
  let timer: unknown = null;
  let pending = false;

  const stopTimer = () => {
    if (timer !== null) timers.clear(timer);
    timer = null;
  };

  return {
    schedule(arg: A) {
      generation += 1;
      const mine = generation;
      pending = true;
      stopTimer();
      timer = timers.set(() => {
        timer = null;
        let promise: Promise<R>;
        try {
          promise = options.run(arg);
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then(
          (result) => {
            if (mine !== generation) return;
            pending = false;
            options.onResult(result, arg);
          },
          (error: unknown) => {
            if (mine !== generation) return;
            pending = false;
            options.onError?.(error, arg);
          },
        );
      }, options.delay);
    },
    cancel() {
      generation += 1;
      pending = false;
      stopTimer();
    },
    get pending() {
      return pending;
    },
  };
}
