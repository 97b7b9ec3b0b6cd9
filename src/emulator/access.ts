/**
 * Who may call the emulator. Every deployment runs its command as a local process, so
 * anyone who reaches the port runs code on this machine: off loopback, a token is required.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { EMULATOR_TOKEN_ENV } from './defaults';
import { ArmError } from './errors';

export { EMULATOR_TOKEN_ENV } from './defaults';
const MIN_TOKEN_LENGTH = 16;
/** RFC 6750 token68: what can follow `Bearer ` in a header. */
const TOKEN_CHARS = /^[A-Za-z0-9\-._~+/]+=*$/;

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and localhost; every other address or name can be reached from elsewhere. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (isIPv6(bare)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    if (mapped) return mapped[1]!.startsWith('127.');
    return expandIPv6(bare) === '0000:0000:0000:0000:0000:0000:0000:0001';
  }
  return false;
}

/** Why the emulator must not start with these settings, or undefined when it may. */
export function listenProblem(host: string, requiredToken: string | undefined): string | undefined {
  if (requiredToken !== undefined) {
    if (requiredToken.length < MIN_TOKEN_LENGTH || !TOKEN_CHARS.test(requiredToken)) {
      return `the required token must be at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (e.g. \`openssl rand -hex 32\`)`;
    }
    return undefined;
  }
  if (isLoopbackHost(host)) return undefined;
  return (
    `refusing to listen on '${host}' without a token: anyone who reaches the emulator can run commands on this machine. ` +
    `Listen on 127.0.0.1 (the default), or require a token on every call with --require-token or ${EMULATOR_TOKEN_ENV} ` +
    `(clients send it as 'Authorization: Bearer <token>'; the worker reads it from ACI_FLOW_ARM_TOKEN)`
  );
}

/**
 * Checks the Authorization header: without a required token any bearer token passes (what
 * the SDKs need to send anything); with one, only that token, compared in constant time.
 */
export function authorizationFailure(authorization: string | undefined, requiredToken: string | undefined): ArmError | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    return new ArmError(
      401,
      'AuthenticationFailed',
      `Authentication failed. The 'Authorization' header is missing or is not a bearer token. Send 'Authorization: Bearer <token>' (${requiredToken === undefined ? 'this emulator accepts any token' : `the token this emulator was started with, --require-token or ${EMULATOR_TOKEN_ENV}`}).`,
    );
  }
  if (requiredToken === undefined || sameSecret(match[1]!, requiredToken)) return undefined;
  return new ArmError(
    401,
    'InvalidAuthenticationToken',
    `The access token is invalid. Send the token this emulator was started with (--require-token or ${EMULATOR_TOKEN_ENV}).`,
  );
}

/** Digests first, so neither the content nor the length of the token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function expandIPv6(address: string): string {
  const [head, tail = ''] = address.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const zeros = address.includes('::') ? Array(8 - headParts.length - tailParts.length).fill('0') : [];
  return [...headParts, ...zeros, ...tailParts].map((part) => part.padStart(4, '0')).join(':');
}
