import { followRecords } from './stream-records.js';

interface WatchEvent {
  readonly type: string;
  readonly object: {
    readonly metadata?: { readonly name?: string; readonly labels?: Record<string, string> };
  };
}

/**
 * Follows a watch of the pods of one namespace on a (test) Kubernetes API and keeps each pod's
 * role label; `until(predicate)` resolves with the instant the labels first satisfy it.
 */
export class PodRoleWatch {
  readonly roles = new Map<string, string | undefined>();
  private readonly controller = new AbortController();
  private readonly waiters: {
    predicate: (roles: ReadonlyMap<string, string | undefined>) => boolean;
    resolve: (at: number) => void;
  }[] = [];

  constructor(
    apiUrl: string,
    namespace: string,
    private readonly labelKey: string,
  ) {
    void this.follow(`${apiUrl}/api/v1/namespaces/${namespace}/pods?watch=true`);
  }

  until(predicate: (roles: ReadonlyMap<string, string | undefined>) => boolean): Promise<number> {
    if (predicate(this.roles)) return Promise.resolve(performance.now());
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  close(): void {
    this.controller.abort();
  }

  private async follow(url: string): Promise<void> {
    await followRecords(url, '\n', this.controller.signal, (record) => {
      if (record.trim() !== '') this.apply(JSON.parse(record) as WatchEvent);
    });
  }

  private apply(event: {
    type: string;
    object: { metadata?: { name?: string; labels?: Record<string, string> } };
  }): void {
    const at = performance.now();
    const name = event.object.metadata?.name;
    if (name === undefined) return;
    if (event.type === 'DELETED') this.roles.delete(name);
    else this.roles.set(name, event.object.metadata?.labels?.[this.labelKey]);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(this.roles)) {
        waiter.resolve(at);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
      }
    }
  }
}
