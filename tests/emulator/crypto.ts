import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, constants, randomUUID, type KeyObject } from 'node:crypto';
import { generate } from 'selfsigned';

/** The certificates and keys of one emulator: a CA, the server's certificate, the service principal's. */
export interface Certificates {
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** The service principal's certificate (public part) and its PEM with the private key. */
  clientCertPem: string;
  clientKeyPem: string;
  /** Keys the emulator signs its tokens with: Entra access tokens, Azure DevOps OIDC tokens. */
  tokenKey: KeyObject;
  oidcKey: KeyObject;
  tokenKid: string;
  oidcKid: string;
}

let cached: Promise<Certificates> | undefined;

/** Generates (once per process: RSA key generation is slow) the emulator's certificates. */
export function certificates(): Promise<Certificates> {
  cached ??= make();
  return cached;
}

async function make(): Promise<Certificates> {
  const days = (n: number) => new Date(Date.now() + n * 86_400_000);
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const ca = await generate([{ name: 'commonName', value: 'mlsteps Azure ML emulator CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: days(30),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: days(30),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const client = await generate([{ name: 'commonName', value: 'mlsteps-emulator-service-principal' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: days(30),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return {
    caCertPem: ca.cert,
    serverCertPem: server.cert,
    serverKeyPem: server.private,
    clientCertPem: client.cert,
    clientKeyPem: client.private,
    tokenKey: rsa(),
    oidcKey: rsa(),
    tokenKid: randomUUID().replace(/-/g, ''),
    oidcKid: randomUUID().replace(/-/g, ''),
  };
}

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** SHA-1 and SHA-256 thumbprints of a certificate (x5t, x5t#S256), base64url. */
export function thumbprints(certPem: string): { x5t: string; x5tS256: string } {
  const raw = new X509Certificate(certPem).raw;
  return { x5t: base64url(createHash('sha1').update(raw).digest()), x5tS256: base64url(createHash('sha256').update(raw).digest()) };
}

export function signJwt(payload: Record<string, unknown>, key: KeyObject, header: Record<string, unknown> = {}): string {
  const head = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', ...header }));
  const body = base64url(JSON.stringify(payload));
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key);
  return `${head}.${body}.${base64url(signature)}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) return undefined;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** Verifies an RS256 or PS256 signature with a public key (or a certificate's). */
export function verifyJwtSignature(jwt: DecodedJwt, key: KeyObject | string): boolean {
  const publicKey = typeof key === 'string' ? (key.includes('CERTIFICATE') ? new X509Certificate(key).publicKey : createPublicKey(key)) : key.type === 'private' ? createPublicKey(key) : key;
  const alg = jwt.header.alg;
  const data = Buffer.from(jwt.signingInput);
  try {
    if (alg === 'RS256') return verify('sha256', data, publicKey, jwt.signature);
    if (alg === 'PS256') {
      return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, jwt.signature);
    }
  } catch {
    return false;
  }
  return false;
}

/** A JWK (public) of an RSA key, for the `jwks_uri` documents. */
export function publicJwk(key: KeyObject, kid: string): Record<string, unknown> {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e };
}

export { createPrivateKey };
