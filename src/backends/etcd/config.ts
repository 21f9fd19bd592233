import type { Config } from '../../config/schema.js';
import { readSecretFile } from '../../config/secret-file.js';
import { advertisedAddress, runtimeServices, type BackendRuntime } from '../backend-runtime.js';
import type { EtcdBackendOptions } from './options.js';

/** The etcd backend's options from `elector run`'s settings; reads the password file. */
export function etcdFromConfig(config: Config, runtime: BackendRuntime): EtcdBackendOptions {
  return {
    memberId: config.id,
    address: advertisedAddress(config),
    endpoints: config.etcdEndpoints,
    electionName: config.election,
    leaseTtlSeconds: config.etcdLeaseTtlMs / 1000,
    ...securityOf(config),
    ...runtimeServices(runtime),
  };
}

function securityOf(config: Config): Pick<EtcdBackendOptions, 'tls' | 'auth'> {
  const tls = {
    ...(config.etcdCaFile === undefined ? {} : { caFile: config.etcdCaFile }),
    ...(config.etcdCertFile === undefined || config.etcdKeyFile === undefined
      ? {}
      : { certFile: config.etcdCertFile, keyFile: config.etcdKeyFile }),
  };
  return {
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
    ...(config.etcdUsername === undefined || config.etcdPasswordFile === undefined
      ? {}
      : {
          auth: {
            username: config.etcdUsername,
            password: readSecretFile(config.etcdPasswordFile, '--etcd-password-file'),
          },
        }),
  };
}
