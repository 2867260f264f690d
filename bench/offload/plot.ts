// ASCII plots for bench/offload: one character per series, log axes where asked.
export interface Series {
  readonly name: string;
  readonly mark: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

export function plot(series: readonly Series[], o: PlotOptions): string {
  const W = o.width ?? 64;
  const H = o.height ?? 16;
  const fx = (x: number): number => (o.logX ? Math.log10(x) : x);
  const fy = (y: number): number => (o.logY ? Math.log10(Math.max(y, 1e-9)) : y);
  const pts = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0) && (!o.logY || y > 0)));
  if (pts.length === 0) return `${o.title}: no data\n`;
  const xs = pts.map((p) => fx(p[0]));
  const ys = pts.map((p) => fy(p[1]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!o.logY) y0 = Math.min(0, y0);
  if (y1 === y0) y1 = y0 + 1;
  const grid = Array.from({ length: H }, () => Array<string>(W).fill(' '));
  for (const s of series)
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y) || (o.logX && x <= 0) || (o.logY && y <= 0)) continue;
      const c = x1 === x0 ? 0 : Math.round(((fx(x) - x0) / (x1 - x0)) * (W - 1));
      const r = H - 1 - Math.round(((fy(y) - y0) / (y1 - y0)) * (H - 1));
      const cell = grid[r]![c]!;
      grid[r]![c] = cell === ' ' || cell === s.mark ? s.mark : '*';
    }
  const fmt = (v: number, log?: boolean): string => {
    const x = log ? 10 ** v : v;
    return Math.abs(x) >= 1000 ? x.toExponential(1) : Number(x.toPrecision(3)).toString();
  };
  const lines = [`${o.title}`, `  ${series.map((s) => `${s.mark} ${s.name}`).join('   ')}   (* = overlap)`];
  grid.forEach((row, i) => {
    const label = i === 0 ? fmt(y1, o.logY) : i === H - 1 ? fmt(y0, o.logY) : '';
    lines.push(`${label.padStart(8)} |${row.join('')}`);
  });
  lines.push(`${''.padStart(8)} +${'-'.repeat(W)}`);
  lines.push(`${''.padStart(9)}${fmt(x0, o.logX).padEnd(W - 8)}${fmt(x1, o.logX).padStart(8)}`);
  lines.push(`${''.padStart(9)}x: ${o.xLabel}${o.logX ? ' (log)' : ''};  y: ${o.yLabel}${o.logY ? ' (log)' : ''}`);
  return lines.join('\n') + '\n';
}
