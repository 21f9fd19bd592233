import type { ElectorError } from '../../core/errors.js';

/** start()'s promise: settles once, when the member first joins, stops, or cannot start at all. */
export class StartGate {
  readonly promise: Promise<void>;
  private settle: { resolve(): void; reject(error: ElectorError): void } | null = null;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  open(): void {
    this.settle?.resolve();
    this.settle = null;
  }

  /** Rejects if still pending and returns whether it did: a start-up failure ends the loop. */
  fail(error: ElectorError): boolean {
    if (this.settle === null) return false;
    this.settle.reject(error);
    this.settle = null;
    return true;
  }
}
