// Shared-secret authentication. Every request carries "Authorization: Bearer <secret>";
// the scheme name is case-insensitive (HTTP says so), the secret is not.
// Secrets are compared as SHA-256 digests with timingSafeEqual: equal lengths whatever
// was sent, and every configured principal is compared (no early exit), so the
// response time says nothing about how much of a secret matched or whose it was.
import * as crypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';

/** One secret (principal "client") or several named ones, e.g. {controller: '...', admin: '...'}. */
export type Secrets = string | Record<string, string>;

export const MIN_SECRET_LENGTH = 16;

// crypto.hash (node >= 20.12) is the one-shot form: no Hash object per request.
const digest: (s: string) => Buffer =
  typeof crypto.hash === 'function' ? (s) => crypto.hash('sha256', s, 'buffer') : (s) => createHash('sha256').update(s, 'utf8').digest();

export class Authenticator {
  private readonly principals: Array<{ name: string; digest: Buffer }>;

  constructor(secrets: Secrets) {
    const entries = typeof secrets === 'string' ? [['client', secrets] as const] : Object.entries(secrets);
    if (entries.length === 0) throw new Error('at least one secret is required');
    for (const [name, sec] of entries) {
      if (typeof sec !== 'string' || sec.length < MIN_SECRET_LENGTH) throw new Error(`secret of ${name} must be at least ${MIN_SECRET_LENGTH} characters`);
      // What an HTTP header carries as one token: printable ASCII, no spaces.
      if (!/^[\x21-\x7e]+$/.test(sec)) throw new Error(`secret of ${name} must be printable ASCII without spaces`);
    }
    this.principals = entries.map(([name, sec]) => ({ name, digest: digest(sec) }));
  }

  /** The principal's name, or undefined when the header does not carry a configured secret. */
  check(authorization: string | undefined): string | undefined {
    const m = /^Bearer ([\x21-\x7e]{1,1024})$/i.exec(authorization ?? '');
    const given = digest(m ? m[1]! : '');
    let who: string | undefined;
    for (const p of this.principals) if (timingSafeEqual(given, p.digest) && m) who ??= p.name;
    return who;
  }
}
