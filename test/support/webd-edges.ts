// The checks of the counters webd's page draws on its graph's edges (controller/webd/
// assets/app.js graph(), controller/webd/link-counters.ts): a label on every link, its
// numbers rising with traffic, readable (not shrunk, not overlapping) at desktop and
// phone widths. Shared by test/unit/webd-browser.test.ts and test/lab-multi/page.ts.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, DESKTOP, PHONE } from './webd-page.js';
import { waitFor } from './wait.js';

export interface EdgeLabel {
  /** the link as the page keys it: from[port]->[port]to */
  link: string;
  text: string;
  /** null: the page shows "?" (no flow told to be this link's) */
  packets: number | null;
  bytes: number | null;
}

/** The edge labels of the allocation's graph, in drawing order. */
export async function edgeLabels(page: Page, id: number): Promise<EdgeLabel[]> {
  return page.evaluate((id) => {
    const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
    return [...document.querySelectorAll<SVGGElement>(`.allocation[data-allocation="${id}"] [data-edge-label]`)].map((g) => ({
      link: g.dataset.edgeLabel!,
      text: g.querySelector('text')?.textContent ?? '',
      packets: num(g.dataset.packets),
      bytes: num(g.dataset.bytes),
    }));
  }, id);
}

/** The links the graph draws (its paths' data-link). */
export async function drawnLinks(page: Page, id: number): Promise<string[]> {
  return page.evaluate((id) => [...document.querySelectorAll<SVGPathElement>(`.allocation[data-allocation="${id}"] path[data-link]`)].map((p) => p.dataset.link!), id);
}

/**
 * Waits until every edge label (or those of `links`) shows more packets than in `than`
 * (link → packets), sending traffic meanwhile; the labels then.
 */
export async function edgesRise(page: Page, id: number, than: Record<string, number>, traffic: () => Promise<unknown>, links?: string[], timeoutMs = 60_000): Promise<EdgeLabel[]> {
  return waitFor(`the edges of allocation ${id} to show more packets than ${JSON.stringify(than)}`, async () => {
    await traffic();
    const ls = await edgeLabels(page, id);
    const watched = links ? ls.filter((l) => links.includes(l.link)) : ls;
    return watched.length > 0 && watched.every((l) => l.packets !== null && l.packets > (than[l.link] ?? 0)) ? ls : undefined;
  }, timeoutMs, 300);
}

export interface EdgeLayout {
  /** the smallest label text, in CSS pixels as drawn */
  smallestTextPx: number;
  /** label pairs, or label and node, that cover each other */
  overlaps: string[];
  /** labels outside the graph's scrollable box (unreachable) */
  outside: string[];
  file: string;
}

/** At desktop and phone widths: how big the labels are drawn, what overlaps; a screenshot of the graph at each. */
export async function edgeLayouts(page: Page, id: number, name: string): Promise<Record<string, EdgeLayout>> {
  const out: Record<string, EdgeLayout> = {};
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    const m = await page.evaluate((id) => {
      const card = document.querySelector(`.allocation[data-allocation="${id}"]`)!;
      const svgEl = card.querySelector('svg.graph')!;
      const r = (e: Element) => e.getBoundingClientRect();
      const labels = [...card.querySelectorAll<SVGGElement>('[data-edge-label]')].map((g) => ({ name: g.dataset.edgeLabel!, rect: r(g.querySelector('rect')!), text: r(g.querySelector('text')!) }));
      const nodes = [...card.querySelectorAll<SVGGElement>('g[data-node]')].map((g) => ({ name: `node ${g.dataset.node}`, rect: r(g.querySelector('rect')!) }));
      const cover = (a: DOMRect, b: DOMRect) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
      const overlaps: string[] = [];
      labels.forEach((a, i) => {
        for (const b of [...labels.slice(i + 1), ...nodes]) if (cover(a.rect, b.rect)) overlaps.push(`${a.name} / ${b.name}`);
      });
      const s = r(svgEl);
      const outside = labels.filter((l) => l.rect.left < s.left - 0.5 || l.rect.right > s.right + 0.5 || l.rect.top < s.top - 0.5 || l.rect.bottom > s.bottom + 0.5).map((l) => l.name);
      const b = r(card.querySelector('.graph-box')!);
      // the page redraws every poll: a screenshot of the area, not of an element that may be replaced meanwhile
      const clip = { x: b.left + window.scrollX, y: b.top + window.scrollY, width: b.width, height: b.height };
      return { smallestTextPx: Math.min(...labels.map((l) => l.text.height)), overlaps, outside, clip };
    }, id);
    const file = join(ARTIFACTS, `${name}-graph-${label}.png`);
    const { clip, ...seen } = m;
    await page.screenshot({ path: file, fullPage: true, clip });
    out[label] = { ...seen, file };
  }
  await page.setViewportSize(DESKTOP);
  return out;
}
