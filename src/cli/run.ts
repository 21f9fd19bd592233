import pino from 'pino';
import { createBackend, kubernetesApiFor } from '../backends/create-backend.js';
import { loadConfig, readSecretFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createHttpApi, listenHttp } from '../http/server.js';
import { SidecarMetrics } from '../http/metrics.js';
import type { ResignPolicy } from '../http/resign-policy.js';
import { systemClock } from '../runtime/system-clock.js';
import { systemRandom } from '../runtime/random.js';
import { createPodLabelsFromConfig } from '../sidecar/pod-labels.js';
import { Sidecar } from '../sidecar/sidecar.js';
import { version } from './version.js';

function clusterSecretOf(config: Config): string | null {
  if (config.clusterSecretFile !== undefined)
    return readSecretFile(config.clusterSecretFile, '--cluster-secret-file');
  return config.clusterSecret ?? null;
}

function resignPolicyOf(config: Config): ResignPolicy {
  if (config.resignPolicy === 'loopback' || config.resignTokenFile === undefined)
    return { kind: 'loopback' };
  const token = readSecretFile(config.resignTokenFile, '--resign-token-file');
  return { kind: config.resignPolicy, token };
}

/**
 * `elector run`: wires config, clock, randomness, backend, metrics, HTTP API and signals.
 * Resolves with the exit code once the sidecar has stopped.
 */
export async function runSidecar(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(argv, env);
  const logger = pino({
    level: config.logLevel,
    base: { id: config.id, election: config.election, backend: config.backend },
    redact: ['clusterSecret', 'config.clusterSecret', 'authorization'],
  });
  const clusterSecret = clusterSecretOf(config);
  const kubernetesApi = kubernetesApiFor(config);
  const resignPolicy = resignPolicyOf(config);
  const metrics = new SidecarMetrics({
    id: config.id,
    backend: config.backend,
    election: config.election,
    version,
    clock: systemClock,
  });
  const backend = createBackend(config, {
    clock: systemClock,
    random: systemRandom,
    logger,
    observe: metrics.observe,
    clusterSecret,
    kubernetesApi,
  });
  metrics.trackBackend(backend);
  const podLabels = createPodLabelsFromConfig(config, {
    api: kubernetesApi,
    clock: systemClock,
    random: systemRandom,
    logger,
    observe: metrics.observePods,
    readLeadership: () => backend.current(),
  });
  const sidecar = new Sidecar({
    backend,
    podLabels,
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    ...(config.leaderFile === undefined ? {} : { leaderFile: config.leaderFile }),
  });
  const app = createHttpApi({
    id: config.id,
    election: config.election,
    backend,
    metrics,
    logger,
    resignPolicy,
    resignTimeoutMs: config.shutdownTimeoutMs,
  });
  const { server, port } = await listenHttp(app, config.httpHost, config.httpPort);

  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      const force = setTimeout(() => {
        logger.error({ event: 'shutdown.timeout' }, 'shutdown took too long; exiting');
        resolve(1);
      }, config.shutdownTimeoutMs);
      force.unref();
      void sidecar.shutdown(signal).then(() => {
        server.closeAllConnections();
        server.close(() => {
          clearTimeout(force);
          logger.info({ event: 'shutdown.done' }, 'stopped');
          resolve(0);
        });
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

  await sidecar.start();
  logger.info(
    { event: 'sidecar.started', httpPort: port, version },
    `elector ${version} running; HTTP API on ${config.httpHost}:${port}`,
  );
  return stopped;
}
