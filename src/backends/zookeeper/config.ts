import type { Config } from '../../config/schema.js';
import {
  advertisedAddress,
  readCredential,
  runtimeServices,
  type BackendRuntime,
} from '../backend-runtime.js';
import type { ZooKeeperBackendOptions } from './options.js';

/** The ZooKeeper backend's options from `elector run`'s settings; reads the auth file. */
export function zookeeperFromConfig(
  config: Config,
  runtime: BackendRuntime,
): ZooKeeperBackendOptions {
  return {
    memberId: config.id,
    address: advertisedAddress(config),
    // Required with this backend (config/options/zookeeper.ts); "" is refused by the backend.
    connectString: config.zookeeperConnect ?? '',
    electionName: `/elector/${config.election}`,
    sessionTimeoutMs: config.zookeeperSessionTimeoutMs,
    ...(config.zookeeperChroot === undefined ? {} : { chroot: config.zookeeperChroot }),
    ...(config.zookeeperAuthFile === undefined
      ? {}
      : {
          auth: {
            scheme: 'digest' as const,
            credentials: readCredential(config.zookeeperAuthFile, '--zookeeper-auth-file'),
          },
        }),
    ...runtimeServices(runtime),
  };
}
