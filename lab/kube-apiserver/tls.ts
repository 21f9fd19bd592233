// A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI. kubectl sends
// bearer tokens only over HTTPS (clientcmd reads a user's credentials only for TLS servers), so
// tests of authentication and RBAC through kubectl need the server to speak TLS.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PEM key and a PEM certificate that is its own CA. */
export interface ServingCertificate {
  readonly key: string;
  readonly cert: string;
}

/** Creates a one-day EC certificate for 127.0.0.1 and localhost; rejects when openssl fails. */
export async function createServingCertificate(): Promise<ServingCertificate> {
  const directory = await mkdtemp(join(tmpdir(), 'kube-apiserver-tls-'));
  try {
    const keyPath = join(directory, 'key.pem');
    const certPath = join(directory, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=kube-apiserver-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ]);
    return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
