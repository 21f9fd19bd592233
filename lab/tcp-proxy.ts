import { connect, createServer, type Server, type Socket } from 'node:net';

/** `forward` carries what the dialler sends to the target; `backward` the target's answers. */
export type ProxyDirection = 'forward' | 'backward';
type Directions = ProxyDirection | 'both';

export interface TcpProxyOptions {
  readonly listenHost: string;
  /** 0 lets the OS choose; see `port`. */
  readonly listenPort: number;
  readonly targetHost: string;
  readonly targetPort: number;
  /** Source address of the proxy's own connection to the target. */
  readonly localAddress?: string;
  /** Bytes one direction of a connection may hold (delayed or stalled) before it is dropped. */
  readonly maxHeldBytes?: number;
  /** Delays above this are refused. */
  readonly maxDelayMs?: number;
}

interface Held {
  readonly chunk: Buffer;
  readonly dueAt: number;
}

/** One direction of one proxied connection: an ordered queue of chunks, each with its due time. */
class Lane {
  private queue: Held[] = [];
  private heldBytes = 0;
  private lastDueAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly proxy: TcpProxy,
    private readonly direction: ProxyDirection,
    private readonly destination: Socket,
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Buffer): void {
    const now = performance.now();
    // Never reorder: a chunk is due no earlier than the one before it.
    this.lastDueAt = Math.max(now + this.proxy.delayOf(this.direction), this.lastDueAt);
    this.queue.push({ chunk, dueAt: this.lastDueAt });
    this.heldBytes += chunk.length;
    if (this.heldBytes > this.proxy.maxHeldBytes) {
      this.onOverflow();
      return;
    }
    this.flush();
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.proxy.isStalled(this.direction) || this.destination.destroyed) return;
    const now = performance.now();
    let head = this.queue[0];
    while (head !== undefined && head.dueAt <= now) {
      this.queue.shift();
      this.heldBytes -= head.chunk.length;
      this.proxy.count(this.direction, head.chunk.length);
      this.destination.write(head.chunk);
      head = this.queue[0];
    }
    if (head !== undefined) {
      this.timer = setTimeout(() => {
        this.flush();
      }, head.dueAt - now);
    }
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly lanes: readonly Lane[];
}

/**
 * A userspace TCP proxy for fault injection (the kernel here has no netem): per-direction
 * delay, per-direction stall (bytes are held, as TCP holds them while packets are lost, and
 * delivered on heal), dropping and refusing connections. Every fault heals itself after
 * `forMs` (default 30 s); held bytes are bounded; `stop` closes everything.
 */
export class TcpProxy {
  readonly maxHeldBytes: number;
  private readonly maxDelayMs: number;
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private readonly delays: Record<ProxyDirection, number> = { forward: 0, backward: 0 };
  private readonly stalls: Record<ProxyDirection, boolean> = { forward: false, backward: false };
  private isRefusing = false;
  private healTimer: NodeJS.Timeout | null = null;
  private listeningPort = 0;
  /** Bytes delivered and connections dropped by faults, for tests and reports. */
  readonly stats = { forwardBytes: 0, backwardBytes: 0, connections: 0, drops: 0 };

  private constructor(private readonly options: TcpProxyOptions) {
    this.maxHeldBytes = options.maxHeldBytes ?? 1024 * 1024;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.server = createServer((client) => {
      this.accept(client);
    });
  }

  /** Resolves once listening; rejects if the address cannot be bound. */
  static async start(options: TcpProxyOptions): Promise<TcpProxy> {
    const proxy = new TcpProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.listenPort, options.listenHost, () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    const address = proxy.server.address();
    proxy.listeningPort = typeof address === 'object' && address !== null ? address.port : 0;
    return proxy;
  }

  get port(): number {
    return this.listeningPort;
  }

  delayOf(direction: ProxyDirection): number {
    return this.delays[direction];
  }

  isStalled(direction: ProxyDirection): boolean {
    return this.stalls[direction];
  }

  count(direction: ProxyDirection, bytes: number): void {
    if (direction === 'forward') this.stats.forwardBytes += bytes;
    else this.stats.backwardBytes += bytes;
  }

  /** Adds `delayMs` to every chunk in `direction` from now on. */
  setDelay(direction: Directions, delayMs: number, forMs?: number): void {
    if (!(delayMs >= 0 && delayMs <= this.maxDelayMs)) {
      throw new Error(`delayMs: expected 0..${this.maxDelayMs}; got ${delayMs}`);
    }
    for (const lane of expand(direction)) this.delays[lane] = delayMs;
    this.armHeal(forMs);
  }

  /** Holds every byte in `direction` until healed (the connection stays open). */
  stall(direction: Directions, forMs?: number): void {
    for (const lane of expand(direction)) this.stalls[lane] = true;
    this.armHeal(forMs);
  }

  /** Closes open connections and refuses new ones (accepted, then closed at once) until healed. */
  refuse(forMs?: number): void {
    this.isRefusing = true;
    this.dropConnections();
    this.armHeal(forMs);
  }

  /** Closes every open connection (both sides); returns how many there were. */
  dropConnections(): number {
    const count = this.pairs.size;
    for (const pair of [...this.pairs]) this.drop(pair, true);
    return count;
  }

  /** Ends every fault: no delay, no stall, no refusal; held bytes go out in order. */
  heal(): void {
    if (this.healTimer !== null) clearTimeout(this.healTimer);
    this.healTimer = null;
    this.delays.forward = 0;
    this.delays.backward = 0;
    this.stalls.forward = false;
    this.stalls.backward = false;
    this.isRefusing = false;
    for (const pair of this.pairs) for (const lane of pair.lanes) lane.flush();
  }

  /** Stops listening and closes every connection; resolves once the listener has closed. */
  async stop(): Promise<void> {
    this.heal();
    for (const pair of [...this.pairs]) this.drop(pair, false);
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private armHeal(forMs = 30_000): void {
    if (this.healTimer !== null) clearTimeout(this.healTimer);
    this.healTimer = setTimeout(() => {
      this.heal();
    }, forMs);
    this.healTimer.unref();
  }

  private accept(client: Socket): void {
    if (this.isRefusing) {
      client.destroy();
      return;
    }
    this.stats.connections++;
    const { targetHost, targetPort, localAddress } = this.options;
    const upstream = connect({
      host: targetHost,
      port: targetPort,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const lanes: Lane[] = [];
    const pair: Pair = { client, upstream, lanes };
    const overflow = (): void => {
      this.drop(pair, true);
    };
    const forward = new Lane(this, 'forward', upstream, overflow);
    const backward = new Lane(this, 'backward', client, overflow);
    lanes.push(forward, backward);
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      forward.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      backward.push(chunk);
    });
    // Either side failing or closing ends both: a proxied connection lives and dies as one.
    for (const socket of [client, upstream]) {
      socket.on('error', () => {
        this.drop(pair, true);
      });
      socket.on('close', () => {
        this.drop(pair, false);
      });
    }
  }

  private drop(pair: Pair, isFault: boolean): void {
    if (!this.pairs.delete(pair)) return;
    if (isFault) this.stats.drops++;
    for (const lane of pair.lanes) lane.close();
    // destroy() closes with a FIN. Not resetAndDestroy(): on Node 20 it left the process
    // spinning at full CPU after a test finished.
    for (const socket of [pair.client, pair.upstream]) socket.destroy();
  }
}

function expand(direction: Directions): ProxyDirection[] {
  return direction === 'both' ? ['forward', 'backward'] : [direction];
}
