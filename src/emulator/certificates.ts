import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface EmulatorCertificates {
  caCertPem: string;
  caCertPath: string;
  serverKeyPem: string;
  serverCertPem: string;
}

/** Listening on every interface names no address a client could verify. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/**
 * A fresh CA and a server certificate it signs, for localhost, 127.0.0.1, ::1 and the host
 * the emulator listens on. Clients trust the CA (tlsOptions.ca / connection_verify) instead
 * of switching verification off.
 */
export async function createCertificates(dataDir: string, host = '127.0.0.1'): Promise<EmulatorCertificates> {
  const bareHost = host.replace(/^\[(.*)\]$/, '$1');
  const extraName =
    WILDCARD_HOSTS.has(bareHost) || ['localhost', '127.0.0.1', '::1'].includes(bareHost)
      ? []
      : [isIP(bareHost) ? { type: 7 as const, ip: bareHost } : { type: 2 as const, value: bareHost }];
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  // EC keys make TLS handshakes several times cheaper than RSA, which matters with 1000s of polling clients
  const ca = await generate([{ name: 'commonName', value: 'aci-flow emulator local CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, ...extraName],
      },
    ],
  });
  mkdirSync(dataDir, { recursive: true });
  const caCertPath = path.join(dataDir, 'ca.pem');
  writeFileSync(caCertPath, ca.cert);
  return { caCertPem: ca.cert, caCertPath, serverKeyPem: server.private, serverCertPem: server.cert };
}
