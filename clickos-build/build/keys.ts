// Hashing for cache keys.
import { createHash } from 'node:crypto';

export function sha256(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}
