import type { Config } from '../../config/schema.js';
import { readSecretFile } from '../../config/secret-file.js';
import { ElectorError } from '../../core/errors.js';
import { advertisedAddress, runtimeServices, type BackendRuntime } from '../backend-runtime.js';
import type { ZooKeeperBackendOptions } from './options.js';

/**
 * The ZooKeeper backend's options from `elector run`'s settings; reads the auth file. Throws
 * CONFIG_INVALID if it cannot be read or holds no "user:password".
 */
export function zookeeperFromConfig(
  config: Config,
  runtime: BackendRuntime,
): ZooKeeperBackendOptions {
  return {
    memberId: config.id,
    address: advertisedAddress(config),
    // Required with this backend (config/options/zookeeper.ts), so never "" here.
    connectString: config.zookeeperConnect ?? '',
    electionName: `/elector/${config.election}`,
    sessionTimeoutMs: config.zookeeperSessionTimeoutMs,
    ...(config.zookeeperChroot === undefined ? {} : { chroot: config.zookeeperChroot }),
    ...(config.zookeeperAuthFile === undefined
      ? {}
      : {
          auth: {
            scheme: 'digest' as const,
            credentials: digestCredentials(config.zookeeperAuthFile),
          },
        }),
    ...runtimeServices(runtime),
  };
}

function digestCredentials(path: string): string {
  const credentials = readSecretFile(path, '--zookeeper-auth-file');
  if (/^[^:]+:.+$/.test(credentials)) return credentials;
  throw new ElectorError(
    'CONFIG_INVALID',
    `--zookeeper-auth-file: expected the file to hold "user:password"; got (redacted) from ${JSON.stringify(path)}`,
  );
}
