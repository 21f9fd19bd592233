// A kubeconfig for kubectl and @kubernetes/client-node, written as JSON (valid YAML).
import { writeFile } from 'node:fs/promises';
import { adminToken } from './auth.js';

/** What to put in a kubeconfig besides the server's URL. */
export interface KubeconfigOptions {
  /** Bearer token (default: the built-in admin's); null writes a user without credentials. */
  readonly token?: string | null;
  /** The context's default namespace (default: "default"). */
  readonly namespace?: string;
}

/** The kubeconfig document for a server at `url` (trusting `certificateAuthority`, PEM, if given). */
function kubeconfigFor(
  url: string,
  options: KubeconfigOptions = {},
  certificateAuthority?: string,
): object {
  const token = options.token === undefined ? adminToken : options.token;
  // @kubernetes/client-node 1.x refuses a plain-http server unless the cluster is marked
  // insecure-skip-tls-verify (KubeConfig.createAgent); kubectl ignores the flag for http.
  const cluster =
    certificateAuthority === undefined
      ? { server: url, 'insecure-skip-tls-verify': true }
      : {
          server: url,
          'certificate-authority-data': Buffer.from(certificateAuthority).toString('base64'),
        };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster }],
    users: [{ name: 'test', user: token === null ? {} : { token } }],
    contexts: [
      {
        name: 'test',
        context: { cluster: 'test', user: 'test', namespace: options.namespace ?? 'default' },
      },
    ],
    'current-context': 'test',
    preferences: {},
  };
}

/** Writes the kubeconfig to `path` (mode 0600, as kubectl expects of credentials). */
export async function writeKubeconfigFile(
  path: string,
  url: string,
  options: KubeconfigOptions = {},
  certificateAuthority?: string,
): Promise<void> {
  const document = kubeconfigFor(url, options, certificateAuthority);
  await writeFile(path, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
}
