// Processing-module types (D3.2 §2.1.1, docs/platform.md; deploy_pm: "installs a new type of processing
// module ... remotely updating a platform"). A type is a name an allocation request
// uses as an element class, the Click config every PM of that type runs, and its
// demands for placement. The source is checked by clickos-build's checker before it is
// accepted, so a broken type is refused with file:line:col at deploy time rather than
// by a guest console at install time.
import { existsSync } from 'node:fs';
import { Catalog, ClickSyntaxError, checkText, defaultCatalogPath, flatten, formatDiagnostic, parse } from '../../clickos-build/index.js';
import type { PmDefaults } from './config.js';

export interface PmType {
  name: string;
  src: string;
  cpu: number;
  memoryMiB: number;
  description: string;
  deployedAt: string;
}

export interface DeployRequest {
  name: string;
  src: string;
  cpu?: number;
  memoryMiB?: number;
  description?: string;
}

/** Click element-class names, minus the two allocation endpoints. */
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESERVED = new Set(['FromNet', 'ToNet']);

export class PmTypes {
  private readonly types = new Map<string, PmType>();
  private catalog: Catalog | null | undefined;

  /** catalogPath null: syntax and structure only (parse + flatten); undefined: clickos-build's default catalog if present. */
  constructor(
    private readonly defaults: PmDefaults,
    private readonly catalogPath: string | null | undefined,
    private readonly log: (m: string) => void = () => {},
  ) {}

  private loadCatalog(): Catalog | null {
    if (this.catalog !== undefined) return this.catalog;
    const path = this.catalogPath === undefined ? defaultCatalogPath() : this.catalogPath;
    if (path === null || (this.catalogPath === undefined && !existsSync(path))) {
      // Without the element catalog, unknown classes cannot be told apart; the parse still catches syntax and wiring.
      if (path !== null) this.log(`no element catalog at ${path}: deploy_pm checks syntax and structure only`);
      this.catalog = null;
    } else this.catalog = Catalog.load(path);
    return this.catalog;
  }

  /** The checker's errors for a source, formatted `pm/<name>:line:col: message`; [] when it is acceptable. */
  check(name: string, src: string): string[] {
    const file = `pm/${name}`;
    const catalog = this.loadCatalog();
    if (catalog) return checkText(src, file, catalog).filter((d) => d.severity === 'error').map(formatDiagnostic);
    try {
      const r = flatten(parse(src, file));
      return r.errors.map((e) => `${file}:${e.pos.line}:${e.pos.col}: ${e.message}`);
    } catch (e) {
      if (e instanceof ClickSyntaxError) return [e.message];
      throw e;
    }
  }

  /** Adds or replaces a type; returns it, or why it is refused. PMs already running keep the config they were created with. */
  deploy(r: DeployRequest): PmType | string {
    if (!TYPE_NAME.test(r.name) || RESERVED.has(r.name)) return `pm_name ${JSON.stringify(r.name)} must be a Click class name ([A-Za-z_][A-Za-z0-9_]{0,63}), not FromNet or ToNet`;
    if (r.cpu !== undefined && !(r.cpu >= 0 && r.cpu <= 1024)) return `cpu of ${r.name} must be 0..1024 cores`;
    if (r.src.trim() === '') return `pm_src of ${r.name} is empty`;
    const errors = this.check(r.name, r.src);
    if (errors.length) return `pm_src of ${r.name} refused by the checker:\n${errors.join('\n')}`;
    const t: PmType = {
      name: r.name,
      src: r.src,
      cpu: r.cpu ?? this.defaults.cpu,
      memoryMiB: r.memoryMiB ?? this.defaults.memoryMiB,
      description: r.description ?? `ClickOS processing module ${r.name}`,
      deployedAt: new Date().toISOString(),
    };
    this.types.set(r.name, t);
    return t;
  }

  /** A type from the store: it passed the checker when it was deployed. */
  restore(t: PmType): void {
    this.types.set(t.name, t);
  }

  get(name: string): PmType | undefined {
    return this.types.get(name);
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  list(): PmType[] {
    return this.names().map((n) => this.types.get(n)!);
  }
}
