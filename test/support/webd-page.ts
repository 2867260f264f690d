// The checks of webd's page in a real browser: Debian's Chromium, headless, driven by
// playwright-core (nothing downloaded: the browser is /usr/bin/chromium, from
// lab/host-packages.ts). Shared by test/unit/webd-browser.test.ts (stand-in hostds) and
// test/lab-multi/page.ts (real hostd and ClickOS guests), so both run the very same checks.
// Screenshots go to dist/test-artifacts/webd/ (dist/ is git-ignored).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../lab/paths.js';
import { waitFor } from './wait.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(projectRoot, 'dist', 'test-artifacts', 'webd');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launch(t: Test): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  return browser;
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught exceptions of the page, as they came */
  problems: string[];
}

/** A fresh browser profile on the page, logged in with `secret`. */
export async function openLoggedIn(browser: Browser, url: string, secret: string, viewport = DESKTOP): Promise<OpenPage> {
  const context = await browser.newContext({ viewport });
  // npm test loads the tests with tsx, whose esbuild wraps functions in __name(); a function
  // handed to page.evaluate carries that call into the page, which must have it too.
  await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    // the event stream is cut when the page goes: not a problem of the page
    if (!r.url().endsWith('/api/events')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(url);
  await page.getByTestId('login').waitFor();
  await page.fill('#secret', secret);
  await page.click('#login-form button[type=submit]');
  await page.getByTestId('who').waitFor();
  // the first view arrived over the event stream
  await page.waitForFunction(() => !!document.getElementById('status')?.dataset.time);
  return { context, page, problems };
}

/** The host cards once every host of `hostIds` is shown alive. */
export async function hostsShown(page: Page, hostIds: string[]): Promise<void> {
  await page.waitForFunction(
    (ids) => ids.every((id) => document.querySelector(`.host[data-host="${id}"] .badge.ok`)),
    hostIds,
    { timeout: 30_000 },
  );
}

/** Types `text` into the request editor and waits for the parser's verdict. */
export async function typeRequest(page: Page, text: string): Promise<{ ok: boolean; message: string; line?: number; col?: number; marker: string }> {
  await page.fill('#request', '');
  await page.getByTestId('request').pressSequentially(text);
  // the parser's answer to the whole text (the page checks 250 ms after the last keystroke)
  await page.waitForFunction((n) => document.getElementById('check')!.dataset.checked === String(n), text.length, { timeout: 10_000 });
  return page.evaluate(() => {
    const c = document.getElementById('check')!;
    return {
      ok: c.classList.contains('good'),
      message: c.textContent ?? '',
      ...(c.dataset.line ? { line: Number(c.dataset.line), col: Number(c.dataset.col) } : {}),
      marker: document.getElementById('marker')!.textContent ?? '',
    };
  });
}

/** Installs the request in the editor with the page's button; the allocation id. */
export async function installFromPage(page: Page): Promise<number> {
  await page.getByTestId('install').click();
  const r = page.getByTestId('install-result');
  // the page answers "installing…" at once, then the outcome, whatever it is
  await page.waitForFunction(() => !['', 'installing…'].includes(document.getElementById('install-result')!.textContent ?? ''), undefined, { timeout: 900_000 });
  const text = (await r.textContent()) ?? '';
  const id = Number(await r.getAttribute('data-allocation'));
  if (!/^installed/.test(text) || !id) throw new Error(`install from the page failed: ${text}`);
  return id;
}

/** Each module of the allocation's graph with the host the page draws it on, once shown. */
export async function placement(page: Page, id: number): Promise<Record<string, string>> {
  await page.locator(`.allocation[data-allocation="${id}"] svg.graph`).waitFor({ timeout: 30_000 });
  return page.evaluate((id) => {
    const out: Record<string, string> = {};
    for (const g of document.querySelectorAll(`.allocation[data-allocation="${id}"] g[data-node]`)) if ((g as SVGGElement).dataset.host) out[(g as SVGGElement).dataset.node!] = (g as SVGGElement).dataset.host!;
    return out;
  }, id);
}

/** The guests each host card lists: host id → guest names. */
export async function guestsShown(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(() => {
    const out: Record<string, string[]> = {};
    for (const h of document.querySelectorAll<HTMLElement>('.host')) out[h.dataset.host!] = [...h.querySelectorAll<HTMLElement>('[data-guest]')].map((g) => g.dataset.guest!);
    return out;
  });
}

/** The packets the page shows for the allocation's flows (from the switch, via monitord). */
export async function packetsShown(page: Page, id: number): Promise<number> {
  return Number(await page.locator(`.allocation[data-allocation="${id}"] [data-testid=totals]`).getAttribute('data-packets'));
}

/** Waits until the page shows more than `than` packets for the allocation, sending traffic with `traffic` meanwhile. */
export async function countersMove(page: Page, id: number, than: number, traffic: () => Promise<unknown>): Promise<number> {
  return waitFor(`the page to show more than ${than} packets for allocation ${id}`, async () => {
    await traffic();
    const n = await packetsShown(page, id);
    return n > than ? n : undefined;
  }, 60_000, 300);
}

/** The router's status as the page shows it. */
export async function routerStatus(page: Page, guest: string, rid = 0): Promise<string> {
  return (await page.locator(`[data-guest="${guest}"] [data-rid="${rid}"] [data-testid=router-status]`).textContent()) ?? '';
}

export async function routerButton(page: Page, guest: string, which: 'Start' | 'Stop', rid = 0): Promise<void> {
  await page.locator(`[data-guest="${guest}"] [data-rid="${rid}"] button`, { hasText: which }).click();
  await page.waitForFunction(
    ([g, r, want]) => document.querySelector(`[data-guest="${g}"] [data-rid="${r}"] [data-testid=router-status]`)?.textContent === want,
    [guest, String(rid), which === 'Start' ? 'Running' : 'Halted'] as const,
    { timeout: 60_000 },
  );
}

/** Reads (and first writes, when `value` is given) a handler through the page's handler panel. */
export async function handlerThroughPage(page: Page, guest: string, element: string, handler: string, value?: string): Promise<string> {
  const option = await page.evaluate((g) => [...document.querySelectorAll<HTMLOptionElement>('#h-guest option')].find((o) => JSON.parse(o.value).pm === g)?.value, guest);
  if (!option) throw new Error(`the handler panel offers no router of ${guest}`);
  await page.selectOption('#h-guest', option);
  await page.fill('#h-element', element);
  await page.fill('#h-handler', handler);
  if (value !== undefined) {
    await page.fill('#h-value', value);
    await page.evaluate(() => (document.getElementById('h-out')!.textContent = ''));
    await page.getByTestId('h-write').click();
    await page.waitForFunction(() => document.getElementById('h-out')!.textContent !== '');
    const w = await page.getByTestId('h-out').textContent();
    if (w !== 'written') throw new Error(`write_handler through the page: ${w}`);
  }
  await page.evaluate(() => (document.getElementById('h-out')!.textContent = ''));
  await page.getByTestId('h-read').click();
  await page.waitForFunction(() => document.getElementById('h-out')!.textContent !== '');
  return (await page.getByTestId('h-out').textContent()) ?? '';
}

/** Deletes the allocation with its card's button (accepting the confirmation); waits until it is gone. */
export async function deleteFromPage(page: Page, id: number): Promise<void> {
  page.once('dialog', (d) => void d.accept());
  await page.locator(`.allocation[data-allocation="${id}"] [data-testid=delete]`).click();
  await page.locator(`.allocation[data-allocation="${id}"]`).waitFor({ state: 'detached', timeout: 900_000 });
}

/** Screenshots at desktop and phone widths; what overflows the viewport sideways at each (none expected). */
export async function layouts(page: Page, name: string): Promise<Record<string, { overflow: number; file: string }>> {
  const out: Record<string, { overflow: number; file: string }> = {};
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const file = join(ARTIFACTS, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    out[label] = { overflow, file };
  }
  await page.setViewportSize(DESKTOP);
  return out;
}

/** What a read-only user sees and may do: no action controls, and the API refuses an action even with the session's CSRF token. */
export async function readOnlyAttempt(page: Page, id: number): Promise<{ controlsVisible: number; deleteStatus: number; installStatus: number; role: string }> {
  const controlsVisible = await page.locator('[data-testid=install]:visible, [data-testid=delete]:visible, [data-testid=h-write]:visible, .router button:visible').count();
  return page.evaluate(async ({ id, controlsVisible }) => {
    const s = await (await fetch('/api/session')).json();
    const post = (body: unknown) => fetch('/api/action', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: JSON.stringify(body) });
    return { controlsVisible, role: s.role, deleteStatus: (await post({ action: 'delete', arg: id })).status, installStatus: (await post({ action: 'install', arg: 'BASESYS=xen.clickos\n' })).status };
  }, { id, controlsVisible });
}

/** An operator's session without the CSRF token: refused. */
export async function withoutCsrf(page: Page, id: number): Promise<number> {
  return page.evaluate(async (id) => (await fetch('/api/action', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'delete', arg: id }) })).status, id);
}
