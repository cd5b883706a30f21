/** At most `size` holders at a time; waiters are served in the order they asked. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`a semaphore needs at least one slot, not ${size}`);
  }

  /** Resolves with a release function; rejects when `abortSignal` fires first. */
  acquire(abortSignal?: AbortSignal): Promise<() => void> {
    abortSignal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const grant = () => {
        abortSignal?.removeEventListener('abort', onAbort);
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.waiting.shift()?.();
        });
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortSignal!.reason);
      };
      if (this.active < this.size) grant();
      else {
        this.waiting.push(grant);
        abortSignal?.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  async use<T>(fn: () => Promise<T>, abortSignal?: AbortSignal): Promise<T> {
    const release = await this.acquire(abortSignal);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
