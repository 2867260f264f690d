// Who is calling the page's API. Two ways in, both checked with daemon/auth.ts's
// Authenticator (the principals and secrets of config.secret):
//  - a login (POST /api/login with the secret in the JSON body, never in a URL) that sets
//    an HttpOnly, SameSite=Strict session cookie; a state-changing request made with the
//    cookie must also carry the session's CSRF token in X-CSRF-Token (a page of another
//    origin can neither read the token nor set the header without a CORS preflight that
//    webd never answers), so the cookie alone acts on nothing;
//  - "Authorization: Bearer <secret>", as every daemon takes it (scripts; no CSRF token,
//    since a browser never adds that header by itself).
// Sessions live in memory: a restarted webd logs everybody out. The cookie holds a
// random token; the map is keyed by its SHA-256 so the table never holds a usable token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Authenticator, type Secrets } from '../../daemon/auth.js';

export type Role = 'operator' | 'readonly';

export interface Principal {
  who: string;
  role: Role;
  /** The session's CSRF token; undefined for a bearer caller (no cookie, no CSRF). */
  csrf?: string;
  via: 'session' | 'bearer';
}

interface Session {
  who: string;
  role: Role;
  csrf: string;
  expires: number;
}

export const COOKIE = 'webd_session';
const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

export class Sessions {
  private readonly auth: Authenticator;
  private readonly sessions = new Map<string, Session>();

  constructor(
    secrets: Secrets,
    private readonly readOnly: readonly string[],
    private readonly ttlMs: number,
    private readonly secure: boolean,
  ) {
    this.auth = new Authenticator(secrets);
  }

  private role(who: string): Role {
    return this.readOnly.includes(who) ? 'readonly' : 'operator';
  }

  /** A secret's principal and a new session (the cookie to set), or undefined. */
  login(secret: unknown): { principal: Principal; cookie: string } | undefined {
    if (typeof secret !== 'string') return undefined;
    const who = this.auth.check(`Bearer ${secret}`);
    if (who === undefined) return undefined;
    this.sweep();
    const token = randomBytes(32).toString('base64url');
    const s: Session = { who, role: this.role(who), csrf: randomBytes(24).toString('base64url'), expires: Date.now() + this.ttlMs };
    this.sessions.set(hash(token), s);
    return { principal: { who, role: s.role, csrf: s.csrf, via: 'session' }, cookie: this.cookie(token, Math.floor(this.ttlMs / 1000)) };
  }

  /** Ends the request's session; the cookie that clears it. */
  logout(req: IncomingMessage): string {
    const token = cookieOf(req);
    if (token) this.sessions.delete(hash(token));
    return this.cookie('', 0);
  }

  /** The caller of a request: by bearer secret, or by session cookie. */
  principal(req: IncomingMessage): Principal | undefined {
    if (req.headers.authorization !== undefined) {
      const who = this.auth.check(req.headers.authorization);
      return who === undefined ? undefined : { who, role: this.role(who), via: 'bearer' };
    }
    const token = cookieOf(req);
    const s = token && this.sessions.get(hash(token));
    if (!s) return undefined;
    if (s.expires < Date.now()) {
      this.sessions.delete(hash(token));
      return undefined;
    }
    return { who: s.who, role: s.role, csrf: s.csrf, via: 'session' };
  }

  /** A state-changing request of a session carries its CSRF token; a bearer caller needs none. */
  csrfOk(p: Principal, req: IncomingMessage): boolean {
    if (p.via === 'bearer') return true;
    const given = req.headers['x-csrf-token'];
    if (typeof given !== 'string' || !p.csrf) return false;
    const a = Buffer.from(hash(given));
    return timingSafeEqual(a, Buffer.from(hash(p.csrf)));
  }

  private cookie(token: string, maxAge: number): string {
    return `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.secure ? '; Secure' : ''}`;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, s] of this.sessions) if (s.expires < now) this.sessions.delete(k);
  }
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=') || undefined;
  }
  return undefined;
}
