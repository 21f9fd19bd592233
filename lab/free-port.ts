// TCP ports for the processes tests and benches start, which need a port known before they bind
// it (a member must be given its peers' ports). A port the OS hands out with listen(0) and that is
// closed again can be taken before its user binds it: by the source port of any outgoing
// connection, by another listen(0), or by another test process picking the same port. So ports
// come from outside the OS's ephemeral range (where neither of the first two ever lands), and each
// is reserved across processes by a file that holds the reserving process's PID.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the reservations live: one file per port, named by it, holding the owner's PID. */
const reservationFolder = join(tmpdir(), 'elector-test-ports');
/** The file that reserves `port`. */
export const reservationPathOf = (port: number): string => join(reservationFolder, String(port));
const lowestPort = 10_000;
const highestPort = 65_535;
const maxTries = 500;
const held = new Set<number>();
let isReleaseOnExitSet = false;

/** The OS's ephemeral range (Linux reports it; elsewhere the IANA range). */
export function ephemeralRange(): { readonly low: number; readonly high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && high !== undefined && low > 0 && high >= low) return { low, high };
  } catch {
    // Not Linux: fall through to the IANA range.
  }
  return { low: 49_152, high: 65_535 };
}

/** The ports a pick may return: from 10000 up, outside the ephemeral range. */
export function candidateRanges(): readonly (readonly [number, number])[] {
  const { low, high } = ephemeralRange();
  const ranges: [number, number][] = [];
  if (low - 1 >= lowestPort) ranges.push([lowestPort, low - 1]);
  if (high + 1 <= highestPort) ranges.push([Math.max(high + 1, lowestPort), highestPort]);
  if (ranges.length === 0) throw new Error(`no ports from ${lowestPort} up outside ${low}-${high}`);
  return ranges;
}

function randomCandidate(ranges: readonly (readonly [number, number])[]): number {
  const total = ranges.reduce((sum, [from, to]) => sum + to - from + 1, 0);
  let offset = Math.floor(Math.random() * total);
  for (const [from, to] of ranges) {
    const size = to - from + 1;
    if (offset < size) return from + offset;
    offset -= size;
  }
  throw new Error('unreachable: the offset lies within the ranges');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseHeld(): void {
  for (const port of held) rmSync(reservationPathOf(port), { force: true });
  held.clear();
}

/**
 * Reserves `port` for this process until it exits. A reservation left by a process that died
 * without removing it (killed) is taken over.
 */
function reserve(port: number): boolean {
  mkdirSync(reservationFolder, { recursive: true });
  const path = reservationPathOf(port);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      if (!isReleaseOnExitSet) process.once('exit', releaseHeld);
      isReleaseOnExitSet = true;
      held.add(port);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number(readFileSync(path, 'utf8'));
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) return false;
    rmSync(path, { force: true });
  }
  return false;
}

/** Whether nothing listens on 127.0.0.1:`port` now (a listen succeeds and is closed again). */
function isBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that nobody uses and no other test process will be given. `pick`
 * proposes candidates (by default at random outside the ephemeral range).
 */
export async function freePort(
  pick: () => number = () => randomCandidate(candidateRanges()),
): Promise<number> {
  for (let tries = 0; tries < maxTries; tries++) {
    const port = pick();
    if (held.has(port) || !reserve(port)) continue;
    if (await isBindable(port)) return port;
    held.delete(port);
    rmSync(reservationPathOf(port), { force: true });
  }
  throw new Error(`no free port found in ${maxTries} tries outside the ephemeral range`);
}

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freePort());
  return ports;
}
