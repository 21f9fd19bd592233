import { execFile, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startChild, type Child } from './child.js';

const execFileAsync = promisify(execFile);
const ipCommand = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((path) => existsSync(path));
/** A fault heals itself this long after it was applied unless told otherwise. */
const defaultFaultMs = 30_000;

export interface NetnsLabOptions {
  /** Short prefix (1–6 of [a-z0-9]) naming every namespace and link this lab creates. */
  readonly prefix: string;
  readonly size: number;
  /** The lab uses 10.77.<subnet>.0/24, private to this machine. */
  readonly subnet: number;
}

/** One member's namespace and its two addresses. */
export interface LabMember {
  readonly index: number;
  readonly namespace: string;
  /** The member's own address, on its veth inside its namespace. */
  readonly address: string;
  /**
   * An address in the root namespace standing for this member when a proxy carries its
   * traffic: peers dial the member at this address, and the proxy dials out from it.
   */
  readonly proxyAddress: string;
  /**
   * An address in the root namespace where this member alone reaches a backend server (etcd,
   * ZooKeeper, the test apiserver) through a proxy, so blocking it cuts only this member off.
   */
  readonly backendAddress: string;
}

/** A fault in force; `heal` undoes exactly this fault and is safe to call twice. */
export interface LabFault {
  readonly label: string;
  readonly heal: () => Promise<void>;
}

export interface BlockOptions {
  /** `in` drops what the peers send, `out` what the member sends; `both` drops both. */
  readonly direction: 'in' | 'out' | 'both';
  /** Drop each packet with this probability (random loss); 1 drops all. */
  readonly probability?: number;
  /** Heals itself after this long (default 30 s). */
  readonly forMs?: number;
}

/**
 * N network namespaces `<prefix>-m<i>`, each with a veth into a bridge that lives in its own
 * namespace `<prefix>-hub`; a veth `<prefix>-host` puts the test process (root namespace) on
 * the same 10.77.<subnet>.0/24 segment at .1, with .50+i as proxy and .90+i as backend addresses. Nothing is routed
 * anywhere else. Faults are iptables rules inside member namespaces or a link set down.
 */
export class NetnsLab {
  readonly members: readonly LabMember[];
  readonly hostAddress: string;
  private readonly hub: string;
  private readonly hostLink: string;
  private readonly faults = new Set<LabFault>();

  private constructor(private readonly options: NetnsLabOptions) {
    const base = `10.77.${options.subnet}`;
    this.hub = `${options.prefix}-hub`;
    this.hostLink = `${options.prefix}-host`;
    this.hostAddress = `${base}.1`;
    this.members = Array.from({ length: options.size }, (_, index) => ({
      index,
      namespace: `${options.prefix}-m${index}`,
      address: `${base}.${10 + index}`,
      proxyAddress: `${base}.${50 + index}`,
      backendAddress: `${base}.${90 + index}`,
    }));
  }

  /**
   * Removes leftovers of this prefix, then builds the lab. Rejects (never skips) when namespaces
   * cannot be made here, with the failing command in the message.
   */
  static async create(options: NetnsLabOptions): Promise<NetnsLab> {
    if (!/^[a-z0-9]{1,6}$/.test(options.prefix)) {
      throw new Error(`prefix: expected 1–6 of [a-z0-9]; got ${JSON.stringify(options.prefix)}`);
    }
    if (options.size < 1 || options.size > 30 || options.subnet < 0 || options.subnet > 255) {
      throw new Error(`size 1..30 and subnet 0..255; got ${options.size}, ${options.subnet}`);
    }
    if (ipCommand === undefined) throw new Error('netns lab: the ip command is not installed');
    const lab = new NetnsLab(options);
    await removeLeftovers(options.prefix);
    try {
      await lab.build();
    } catch (error) {
      await lab.destroy();
      throw new Error(`netns lab: cannot create network namespaces here: ${String(error)}`, {
        cause: error,
      });
    }
    return lab;
  }

  private async build(): Promise<void> {
    const { hub, hostLink } = this;
    const bridge = `${this.options.prefix}-br`;
    await ip('netns', 'add', hub);
    await ip('-n', hub, 'link', 'add', bridge, 'type', 'bridge');
    await ip('-n', hub, 'link', 'set', bridge, 'up');
    for (const member of this.members) {
      const link = member.namespace;
      await ip('netns', 'add', member.namespace);
      await ip(
        'link',
        'add',
        link,
        'netns',
        member.namespace,
        'type',
        'veth',
        'peer',
        'name',
        `${link}b`,
        'netns',
        hub,
      );
      await ip('-n', hub, 'link', 'set', `${link}b`, 'master', bridge, 'up');
      await ip('-n', member.namespace, 'addr', 'add', `${member.address}/24`, 'dev', link);
      await ip('-n', member.namespace, 'link', 'set', link, 'up');
      await ip('-n', member.namespace, 'link', 'set', 'lo', 'up');
    }
    await ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', `${hostLink}b`, 'netns', hub);
    await ip('-n', hub, 'link', 'set', `${hostLink}b`, 'master', bridge, 'up');
    await ip('addr', 'add', `${this.hostAddress}/24`, 'dev', hostLink);
    for (const member of this.members) {
      await ip('addr', 'add', `${member.proxyAddress}/32`, 'dev', hostLink);
      await ip('addr', 'add', `${member.backendAddress}/32`, 'dev', hostLink);
    }
    await ip('link', 'set', hostLink, 'up');
  }

  member(index: number): LabMember {
    const member = this.members[index];
    if (member === undefined) throw new Error(`no lab member ${index}`);
    return member;
  }

  /** Runs `command` inside member `index`'s namespace (`ip netns exec`, which keeps the PID). */
  spawn(index: number, command: string, args: readonly string[], options: SpawnOptions): Child {
    if (ipCommand === undefined) throw new Error('the ip command is not installed');
    const { namespace } = this.member(index);
    return startChild(ipCommand, ['netns', 'exec', namespace, command, ...args], options);
  }

  /**
   * Drops packets between member `index` and each of `peers` (by their own and proxy
   * addresses) inside `index`'s namespace; the test process at .1 still reaches everyone.
   */
  block(index: number, peers: readonly number[], options: BlockOptions): Promise<LabFault> {
    const addresses = peers
      .map((other) => this.member(other))
      .flatMap((peer) => [peer.address, peer.proxyAddress]);
    return this.blockAddresses(index, addresses, `m${index}<->m${peers.join(',m')}`, options);
  }

  /** Drops packets between member `index` and its backend address (see LabMember). */
  blockBackend(index: number, options: BlockOptions): Promise<LabFault> {
    const { backendAddress } = this.member(index);
    return this.blockAddresses(index, [backendAddress], `m${index}<->backend`, options);
  }

  private async blockAddresses(
    index: number,
    addresses: readonly string[],
    what: string,
    options: BlockOptions,
  ): Promise<LabFault> {
    const { namespace } = this.member(index);
    const rules: string[][] = [];
    const loss =
      options.probability === undefined || options.probability >= 1
        ? []
        : ['-m', 'statistic', '--mode', 'random', '--probability', String(options.probability)];
    for (const address of addresses) {
      if (options.direction !== 'out') rules.push(['INPUT', '-s', address, ...loss, '-j', 'DROP']);
      if (options.direction !== 'in') rules.push(['OUTPUT', '-d', address, ...loss, '-j', 'DROP']);
    }
    for (const rule of rules) await iptables(namespace, '-A', ...rule);
    const how = options.probability === undefined ? 'drop' : `lose ${options.probability}`;
    return this.track(
      `${how} ${options.direction} ${what}`,
      async () => {
        for (const rule of rules) await iptables(namespace, '-D', ...rule);
      },
      options.forMs,
    );
  }

  /** Member `index` can reach no other member, in either direction. */
  isolate(index: number, forMs?: number): Promise<LabFault> {
    const others = this.members.map((member) => member.index).filter((other) => other !== index);
    return this.block(index, others, {
      direction: 'both',
      ...(forMs === undefined ? {} : { forMs }),
    });
  }

  /** `a` and `b` cannot reach each other; both still reach everyone else (a partial partition). */
  async cut(a: number, b: number, forMs?: number): Promise<LabFault> {
    const timing = forMs === undefined ? {} : { forMs };
    const sides = [
      await this.block(a, [b], { direction: 'both', ...timing }),
      await this.block(b, [a], { direction: 'both', ...timing }),
    ];
    return this.combine(`cut m${a}|m${b}`, sides);
  }

  /** Packets from `from` to `to` vanish; packets from `to` to `from` still arrive. */
  oneWay(from: number, to: number, forMs?: number): Promise<LabFault> {
    return this.block(from, [to], { direction: 'out', ...(forMs === undefined ? {} : { forMs }) });
  }

  /** Takes member `index`'s veth down: nothing reaches it, the test process included. */
  async linkDown(index: number, forMs?: number): Promise<LabFault> {
    const { namespace } = this.member(index);
    await ip('-n', namespace, 'link', 'set', namespace, 'down');
    return this.track(
      `link down m${index}`,
      async () => {
        await ip('-n', namespace, 'link', 'set', namespace, 'up');
      },
      forMs,
    );
  }

  /** Heals every fault still in force. */
  async healAll(): Promise<void> {
    for (const fault of [...this.faults]) await fault.heal();
  }

  /** Deletes the host veth and every namespace of this lab. Safe to call twice. */
  async destroy(): Promise<void> {
    this.faults.clear();
    await removeLeftovers(this.options.prefix);
  }

  private combine(label: string, parts: readonly LabFault[]): LabFault {
    const fault: LabFault = {
      label,
      heal: async () => {
        for (const part of parts) await part.heal();
      },
    };
    return fault;
  }

  private track(label: string, undo: () => Promise<void>, forMs = defaultFaultMs): LabFault {
    let healing: Promise<void> | null = null;
    const fault: LabFault = {
      label,
      heal: () => {
        clearTimeout(timer);
        healing ??= this.faults.delete(fault) ? undo() : Promise.resolve();
        return healing;
      },
    };
    // Bounded: a fault nobody healed (a test that threw) heals itself.
    const timer = setTimeout(() => {
      fault.heal().catch((error: unknown) => {
        console.error(`netns lab: could not self-heal ${label}: ${String(error)}`);
      });
    }, forMs);
    timer.unref();
    this.faults.add(fault);
    return fault;
  }
}

async function ip(...args: string[]): Promise<void> {
  await execFileAsync(ipCommand ?? 'ip', args, { timeout: 10_000 });
}

async function iptables(namespace: string, ...args: string[]): Promise<void> {
  await execFileAsync(ipCommand ?? 'ip', ['netns', 'exec', namespace, 'iptables', '-w', ...args], {
    timeout: 10_000,
  });
}

/**
 * Deletes links and namespaces named `<prefix>-*` (only those; nothing else is touched), after
 * killing any process still inside one of those namespaces (a run that was itself killed leaves
 * its sidecars behind; they are ours, found by the namespace we named).
 */
async function removeLeftovers(prefix: string): Promise<void> {
  const ours = (name: string): boolean => name.startsWith(`${prefix}-`);
  const { stdout: namespaces } = await execFileAsync(ipCommand ?? 'ip', ['netns', 'list']);
  const names = namespaces
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(ours);
  for (const name of names) {
    const { stdout: pids } = await execFileAsync(ipCommand ?? 'ip', ['netns', 'pids', name]);
    for (const pid of pids.split('\n').filter((line) => /^\d+$/.test(line))) {
      killIfAlive(Number(pid));
    }
  }
  const { stdout: links } = await execFileAsync(ipCommand ?? 'ip', ['-o', 'link', 'show']);
  for (const line of links.split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name !== undefined && ours(name)) await ipIgnoringAbsent('link', 'del', name);
  }
  for (const name of names) await ipIgnoringAbsent('netns', 'del', name);
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function ipIgnoringAbsent(...args: string[]): Promise<void> {
  try {
    await ip(...args);
  } catch (error) {
    const message = String((error as { stderr?: unknown }).stderr ?? error);
    if (!/Cannot find|No such file|does not exist/.test(message)) throw error;
  }
}
