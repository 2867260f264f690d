// The minimal element set of one or more Click configs: the primitive classes left after
// flattening compounds, each checked to be one a ClickOS image builds.
import { parse } from '../parser.js';
import { flatten } from '../flatten.js';
import { devicesOpened } from '../devices.js';
import { check, formatDiagnostic } from '../checker.js';
import { ClickSyntaxError } from '../errors.js';
import type { Catalog } from '../catalog.js';
import { PlanError } from './errors.js';

/**
 * Classes Click compiles into every driver whatever the config (its STD_ELEMENT_OBJS):
 * kept in the selection so filtering the element list never drops them.
 */
export const ALWAYS_BUILT: readonly string[] = ['AddressInfo', 'AlignmentInfo', 'ErrorElement', 'PortInfo', 'ScheduleInfo'];

export interface ConfigSource {
  file: string;
  text: string;
}

export interface ConfigElements {
  file: string;
  /** primitive classes the config uses after flattening, sorted */
  classes: string[];
  /** vifs the config opens: one more than the highest FromDevice/ToDevice number */
  devices: number;
  /** require(...) clauses, as written */
  requirements: string[];
}

export interface ElementSet {
  /** classes the configs use, sorted and unique */
  classes: string[];
  /** the same classes by ClickOS source group (elements/<group>) */
  groups: Record<string, string[]>;
  /** classes always compiled in (ALWAYS_BUILT) */
  alwaysBuilt: string[];
  /** vifs the image needs: the largest device count among the configs */
  devices: number;
  configs: ConfigElements[];
  /** checker warnings (not fatal) */
  warnings: string[];
}

/** Elements of each config; throws PlanError with every checker error of every config. */
export function elementSet(configs: ConfigSource[], catalog: Catalog): ElementSet {
  if (configs.length === 0) throw new PlanError(['no config given: name one or more .click files']);
  const errors: string[] = [];
  const warnings: string[] = [];
  const perConfig: ConfigElements[] = [];
  for (const { file, text } of configs) {
    let router;
    try {
      router = flatten(parse(text, file));
    } catch (e) {
      if (e instanceof ClickSyntaxError) {
        errors.push(`${e.file}:${e.line}:${e.col}: ${e.reason}`);
        continue;
      }
      throw e;
    }
    for (const d of check(router, catalog, { target: 'clickos' })) (d.severity === 'error' ? errors : warnings).push(formatDiagnostic(d));
    const opened = devicesOpened(router);
    const devices = opened.length ? opened[opened.length - 1]! + 1 : 0;
    perConfig.push({
      file,
      classes: [...new Set(router.elements.map((e) => e.class))].sort(),
      devices,
      requirements: router.requirements,
    });
  }
  if (errors.length > 0) throw new PlanError(errors);
  const classes = [...new Set(perConfig.flatMap((c) => c.classes))].sort();
  const groups: Record<string, string[]> = {};
  for (const c of classes) {
    const group = catalog.forClickOS(c)?.group ?? 'unknown';
    (groups[group] ??= []).push(c);
  }
  return {
    classes,
    groups,
    alwaysBuilt: [...ALWAYS_BUILT],
    devices: Math.max(0, ...perConfig.map((c) => c.devices)),
    configs: perConfig,
    warnings,
  };
}
