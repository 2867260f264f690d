// A small XML-RPC client (the controller's side of hostd): the shared secret as a
// bearer header, a per-call timeout, a cap on the response size, keep-alive.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { decodeResponse, encodeCall } from './messages.js';
import { decodeUtf8 } from './xml.js';
import type { Encodable, XmlRpcValue } from './values.js';

export interface ClientOptions {
  url: string;
  secret: string;
  /** Per call, default 30 s. */
  timeoutMs?: number;
  /** Largest response accepted, default 64 MiB. */
  maxResponseBytes?: number;
  /** CA for a daemon's self-signed certificate (https). */
  ca?: string | Buffer;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class XmlRpcClient {
  private readonly url: URL;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(private readonly o: ClientOptions) {
    this.url = new URL(o.url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new Error(`unsupported URL ${o.url}`);
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, ca: o.ca }) : new HttpAgent({ keepAlive: true });
  }

  /** Calls a method; resolves with its value, rejects with the Fault it returned, an HttpError or a network error. */
  call(methodName: string, ...params: Encodable[]): Promise<XmlRpcValue> {
    return this.send(methodName, Buffer.from(encodeCall(methodName, params), 'utf8'), true);
  }

  private send(methodName: string, body: Buffer, mayRetry: boolean): Promise<XmlRpcValue> {
    const timeout = this.o.timeoutMs ?? 30_000;
    const max = this.o.maxResponseBytes ?? 64 << 20;
    const req = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const r = req(
        this.url,
        {
          method: 'POST',
          // the retry below goes on a connection of its own: the pool may hold more sockets the server closed
          agent: mayRetry ? this.agent : false,
          headers: { 'Content-Type': 'text/xml', 'Content-Length': body.length, Authorization: `Bearer ${this.o.secret}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > max) {
              r.destroy(new Error(`response over ${max} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            clearTimeout(timer);
            if (res.statusCode !== 200) return reject(new HttpError(res.statusCode ?? 0, `HTTP ${res.statusCode} from ${methodName}`));
            try {
              resolve(decodeResponse(decodeUtf8(Buffer.concat(chunks))));
            } catch (e) {
              reject(e);
            }
          });
          res.on('error', reject);
        },
      );
      const timer = setTimeout(() => r.destroy(new Error(`${methodName}: no answer within ${timeout} ms`)), timeout);
      r.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A kept-alive socket the server closed just as we reused it: the request never
        // reached the server (Node's documented race), so it is sent once more, on a new
        // connection (not another pooled socket, which may be closed as well).
        if (mayRetry && r.reusedSocket && e.code === 'ECONNRESET') resolve(this.send(methodName, body, false));
        else reject(e);
      });
      r.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
