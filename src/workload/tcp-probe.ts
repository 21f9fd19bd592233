import { connect } from 'node:net';
import { healthy, type Probe, type ProbeOutcome } from './probe.js';

/** Healthy when a TCP connection to host:port opens; the connection is closed at once. */
export function createTcpProbe(host: string, port: number): Probe {
  const description = `TCP connect ${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    kind: 'tcp',
    description,
    check(signal: AbortSignal): Promise<ProbeOutcome> {
      return new Promise((resolve) => {
        if (signal.aborted) {
          resolve({ isHealthy: false, reason: 'timeout', detail: `${description}: not tried` });
          return;
        }
        const socket = connect({ host, port });
        const finish = (outcome: ProbeOutcome): void => {
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(outcome);
        };
        const onAbort = (): void => {
          finish({ isHealthy: false, reason: 'timeout', detail: `${description}: no answer` });
        };
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          finish(healthy);
        });
        socket.once('error', (error) => {
          finish({
            isHealthy: false,
            reason: 'connection',
            detail: `${description}: ${error.message}`,
          });
        });
      });
    },
  };
}
