import { checkTiming, createBackend } from '../backends/registry.js';
import { kubernetesApiFor } from './kubernetes-api.js';
import { createRootLogger } from './logger.js';
import { formatHostPort } from '../config/host-port.js';
import { commandLineSecretWarnings, loadConfig, unknownVariableWarnings } from '../config/load.js';
import { readSecretFile } from '../config/secret-file.js';
import { podNameOf } from '../config/computed-defaults.js';
import type { Config } from '../config/schema.js';
import { createHttpApi, listenHttp } from '../http/server.js';
import { HttpCapacity, httpLimitsOf } from '../http/http-capacity.js';
import { SidecarMetrics } from '../http/metrics/sidecar-metrics.js';
import type { ResignPolicy } from '../http/resign-policy.js';
import { systemClock } from '../runtime/system-clock.js';
import { randomSecretText, systemRandom } from '../runtime/random.js';
import { createPodLabelsFromConfig } from '../pod-labels/pod-labels-from-config.js';
import { Sidecar, type SidecarOptions } from '../sidecar/sidecar.js';
import type { KubernetesApi } from '../kubernetes/api-client.js';
import { createProbe } from '../workload/create-probe.js';
import { createHealthGate } from '../workload/health-gate.js';
import { createLeadershipHooks } from '../workload/hooks.js';
import { resolveWorkloadSettings } from '../workload/workload-settings.js';
import { ElectorError } from '../core/errors.js';
import { version } from './version.js';

async function clusterSecretOf(config: Config, api: KubernetesApi | null): Promise<string | null> {
  if (config.clusterSecretFile !== undefined)
    return readSecretFile(config.clusterSecretFile, '--cluster-secret-file', 16);
  if (config.clusterSecretName !== undefined)
    return generatedSecretOf(config, api, config.clusterSecretName, 'cluster-secret');
  return config.clusterSecret ?? null;
}

async function resignPolicyOf(config: Config, api: KubernetesApi | null): Promise<ResignPolicy> {
  if (config.resignPolicy === 'loopback') return { kind: 'loopback' };
  if (config.resignTokenSecretName !== undefined) {
    const token = await generatedSecretOf(config, api, config.resignTokenSecretName, 'token');
    return { kind: config.resignPolicy, token };
  }
  if (config.resignTokenFile === undefined) return { kind: 'loopback' };
  const token = readSecretFile(config.resignTokenFile, '--resign-token-file', 16);
  return { kind: config.resignPolicy, token };
}

/** The value of a Secret the sidecar creates on first start (see generated-secret.ts). */
async function generatedSecretOf(
  config: Config,
  api: KubernetesApi | null,
  name: string,
  key: string,
): Promise<string> {
  const namespace = config.namespace;
  // The config rules require the namespace, and kubernetesApiFor an API, with these names.
  if (api === null || namespace === undefined) {
    throw new ElectorError('CONFIG_INVALID', `Secret ${name}: no Kubernetes API or namespace`);
  }
  const { ensureGeneratedSecret } = await import('../kubernetes/generated-secret.js');
  return ensureGeneratedSecret(api, {
    namespace,
    name,
    key,
    generate: () => randomSecretText(),
    signal: AbortSignal.timeout(30_000),
  });
}

/**
 * `elector run`: wires config, clock, randomness, backend, metrics, HTTP API and signals.
 * Resolves with the exit code once the sidecar has stopped.
 */
export async function runSidecar(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(argv, env);
  const logger = createRootLogger(config);
  for (const warning of unknownVariableWarnings(env)) {
    logger.warn({ event: 'config.unknown-variable' }, warning);
  }
  for (const warning of commandLineSecretWarnings(argv)) {
    logger.warn({ event: 'config.secret-on-command-line' }, warning);
  }
  const workload = resolveWorkloadSettings(config);
  const timing = checkTiming({
    ...config,
    health: workload.probe === null ? null : workload.health,
  });
  logger.info(
    { event: 'timing.checked', ...timing.worstCase },
    `worst-case failover: crash ${timing.worstCase.crashMs} ms, graceful ${timing.worstCase.gracefulMs} ms, workload failure ${timing.worstCase.workloadFailureMs ?? 'n/a (no health check)'} ms`,
  );
  for (const warning of timing.warnings) logger.warn({ event: 'timing.warning' }, warning);
  if (timing.problems.length > 0)
    throw new ElectorError('CONFIG_INVALID', timing.problems.join('\n'));
  const kubernetesApi = await kubernetesApiFor(config);
  const clusterSecret = await clusterSecretOf(config, kubernetesApi);
  const resignPolicy = await resignPolicyOf(config, kubernetesApi);
  const metrics = new SidecarMetrics({
    id: config.id,
    backend: config.backend,
    election: config.election,
    version,
    clock: systemClock,
  });
  const backend = await createBackend(config, {
    clock: systemClock,
    random: systemRandom,
    logger,
    observe: metrics.observe,
    clusterSecret,
    kubernetesApi,
  });
  metrics.trackBackend(backend);
  const podLabels = await createPodLabelsFromConfig(config, {
    api: kubernetesApi,
    clock: systemClock,
    random: systemRandom,
    logger,
    observe: metrics.observePods,
    readLeadership: () => backend.current(),
  });
  const healthGate =
    workload.probe === null
      ? null
      : createHealthGate({
          probe: createProbe(workload.probe),
          ...workload.health,
          clock: systemClock,
          logger,
          observe: metrics.observeWorkload,
        });
  if (workload.probe !== null) metrics.expectHealthCheck(workload.probe.kind);
  const { onBecameLeader, onSteppedDown } = workload.hooks;
  metrics.expectHooks([
    ...(onBecameLeader === undefined
      ? []
      : [{ hook: 'became-leader', kind: onBecameLeader.kind } as const]),
    ...(onSteppedDown === undefined
      ? []
      : [{ hook: 'stepped-down', kind: onSteppedDown.kind } as const]),
  ]);
  const hooks =
    onBecameLeader === undefined && onSteppedDown === undefined
      ? null
      : createLeadershipHooks({
          election: config.election,
          ...workload.hooks,
          clock: systemClock,
          logger,
          observe: metrics.observeWorkload,
        });
  const scaleDown = scaleDownOf(config, kubernetesApi);
  const sidecar = new Sidecar({
    backend,
    podLabels,
    healthGate,
    hooks,
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    electionName: config.election,
    ...(scaleDown === undefined ? {} : { scaleDown }),
    ...(config.leaderFile === undefined ? {} : { leaderFile: config.leaderFile }),
  });
  const httpCapacity = new HttpCapacity(httpLimitsOf(config), metrics.observeHttpRefusal);
  const app = createHttpApi({
    id: config.id,
    election: config.election,
    backend,
    metrics,
    logger,
    resignPolicy,
    resignTimeoutMs: config.shutdownTimeoutMs,
    capacity: httpCapacity,
  });
  const { server, port } = await listenHttp(app, config.httpHost, config.httpPort, httpCapacity);

  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      const leaveMs = scaleDown === undefined ? 0 : scaleDown.leaveTimeoutMs;
      const force = setTimeout(() => {
        logger.error({ event: 'shutdown.timeout' }, 'shutdown took too long; exiting');
        resolve(1);
      }, config.shutdownTimeoutMs + leaveMs);
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
    `elector ${version} running; HTTP API on ${formatHostPort({ host: config.httpHost, port })}`,
  );
  return stopped;
}

/** Raft with the Kubernetes API: how a pod tells, on SIGTERM, that its StatefulSet scaled it away. */
function scaleDownOf(
  config: Config,
  api: KubernetesApi | null,
): SidecarOptions['scaleDown'] | undefined {
  if (config.backend !== 'raft' || api === null || config.namespace === undefined) return undefined;
  const namespace = config.namespace;
  const podName = podNameOf(config);
  return {
    leaveTimeoutMs: config.leaveTimeoutMs,
    async isScaledAway(signal) {
      // Loaded only on SIGTERM: its error mapping pulls in the Kubernetes client library.
      const { checkScaleDown } = await import('../kubernetes/scale-down.js');
      const verdict = await checkScaleDown(api, namespace, podName, signal);
      return {
        // Scaled to zero, everyone goes: no member would be left to commit a removal.
        isScaledAway: verdict.isScaledAway && !('replicas' in verdict && verdict.replicas === 0),
        detail:
          'reason' in verdict
            ? verdict.reason
            : `${verdict.statefulSet} wants ${verdict.replicas} replicas; this is ordinal ${verdict.ordinal}`,
      };
    },
  };
}
