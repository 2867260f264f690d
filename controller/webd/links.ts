// webd's clients of the platform's daemons, each through that daemon's API module
// (controller/resourced/api.ts, controller/monitord/api.ts, hostd/api.ts), so every
// reply is checked against the contract before the page sees it. A hostd is reached at
// the URL it registered with resourced (list_hosts), with config.hosts' secret.
import { XmlRpcClient, callApi, settleTask, type ArgOf, type Pending, type Reply, type ResultOf } from '../../daemon/index.js';
import { hostdApi, type HostdApi } from '../../hostd/api.js';
import { monitordApi } from '../monitord/api.js';
import { resourcedApi, type ResourcedApi } from '../resourced/api.js';
import type { WebdConfig } from './config.js';

type HostdMethods = HostdApi['methods'];

export class PlatformLinks {
  readonly resourced: XmlRpcClient;
  readonly monitord?: XmlRpcClient;
  private readonly hostd = new Map<string, XmlRpcClient>();

  constructor(private readonly c: WebdConfig) {
    this.resourced = new XmlRpcClient({ url: c.resourced.url, secret: c.resourced.secret, timeoutMs: c.callTimeoutMs });
    if (c.monitord) this.monitord = new XmlRpcClient({ url: c.monitord.url, secret: c.monitord.secret, timeoutMs: c.callTimeoutMs });
  }

  /** A resourced task run to its end (install_allocation, delete_allocation). */
  async resourcedTask<K extends 'install_allocation' | 'delete_allocation'>(method: K, arg: ArgOf<ResourcedApi['methods'][K]>): Promise<Reply<ResultOf<ResourcedApi['methods'][K]>>> {
    const first = await callApi(this.resourced, resourcedApi, method, arg as never);
    return settleTask(this.resourced, resourcedApi, method, first as never, { pollMs: 100, timeoutMs: this.c.taskTimeoutMs }) as Promise<Reply<ResultOf<ResourcedApi['methods'][K]>>>;
  }

  getStats() {
    return this.monitord ? callApi(this.monitord, monitordApi, 'get_stats') : undefined;
  }

  /** A hostd command at the host registered as `hostId` at `url`. */
  hostdCall<K extends keyof HostdMethods & string>(hostId: string, url: string, method: K, arg: ArgOf<HostdMethods[K]>): Promise<Reply<ResultOf<HostdMethods[K]>> | Pending> {
    const secret = this.c.hosts.secrets[hostId] ?? this.c.hosts.defaultSecret;
    if (!secret) throw new Error(`no secret for host ${hostId} (config.hosts)`);
    const key = `${hostId} ${url}`;
    let client = this.hostd.get(key);
    if (!client) this.hostd.set(key, (client = new XmlRpcClient({ url, secret, timeoutMs: this.c.callTimeoutMs })));
    return callApi(client, hostdApi, method, ...([arg] as [ArgOf<HostdMethods[K]>]));
  }

  close(): void {
    this.resourced.close();
    this.monitord?.close();
    for (const c of this.hostd.values()) c.close();
  }
}
