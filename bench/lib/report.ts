// Tables for the terminal and the targets beside the figures (printed, never asserted).
import type { LoadResult, ReadKind, Variant } from './load.js';
import type { PublishStats } from './client.js';

export interface InstallSummary {
  server: string;
  mode: 'anonymous' | 'logged-in';
  runs: number[];
  medianSeconds: number;
  packages: number;
}

export interface Target {
  name: string;
  value: number | null;
  limit: string;
  pass: boolean | null;
}

export function table(headers: string[], rows: Array<Array<string | number | null>>, align?: Array<'l' | 'r'>): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '—' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const pad = (text: string, i: number) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  const line = (r: string[]) => `| ${r.map((c, i) => pad(c, i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

export const fmt = {
  int: (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? null : Math.round(n).toLocaleString('en-US')),
  ratio: (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? null : `${n.toFixed(2)}×`),
  ms: (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? null : n < 10 ? n.toFixed(1) : Math.round(n).toString()),
  s: (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? null : n.toFixed(2)),
  pct: (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? null : `${Math.round(n)}%`),
  kb: (n: number | null | undefined) => (n == null ? null : n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`),
};

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return a / b;
}

export const passMark = (pass: boolean | null) => (pass === null ? 'n/a' : pass ? 'PASS' : 'MISS');

export function find(results: LoadResult[], server: string, kind: ReadKind, variant: Variant): LoadResult | undefined {
  return results.find((r) => r.server === server && r.kind === kind && r.variant === variant);
}

export function readTable(results: LoadResult[], kinds: ReadKind[], variants: Variant[]): string {
  const rows: Array<Array<string | number | null>> = [];
  for (const kind of kinds) {
    for (const variant of variants) {
      const b = find(results, 'bulwark', kind, variant);
      const v = find(results, 'verdaccio', kind, variant);
      // A static server does no auth: the authenticated case is compared with its plain figure.
      const s = find(results, 'static', kind, variant === 'auth' ? 'plain' : variant);
      const bv = ratio(b?.reqPerSec, v?.reqPerSec);
      rows.push([
        `${kind} ${variant}`,
        fmt.int(b?.reqPerSec),
        fmt.int(v?.reqPerSec),
        fmt.int(s?.reqPerSec),
        fmt.ratio(bv),
        fmt.ratio(ratio(b?.reqPerSec, s?.reqPerSec)),
        bv === null ? 'n/a' : passMark(bv >= 5),
        fmt.ratio(ratio(b?.reqPerCpuSecond, v?.reqPerCpuSecond)),
        `${fmt.ms(b?.latencyP50Ms) ?? '—'}/${fmt.ms(b?.latencyP99Ms) ?? '—'}`,
        `${fmt.ms(v?.latencyP50Ms) ?? '—'}/${fmt.ms(v?.latencyP99Ms) ?? '—'}`,
        `${fmt.pct(b?.serverCpuPct) ?? '—'}/${fmt.pct(v?.serverCpuPct) ?? '—'}/${fmt.pct(s?.serverCpuPct) ?? '—'}`,
        `${fmt.kb(b?.sample.bytes) ?? '—'}/${fmt.kb(v?.sample.bytes) ?? '—'}/${fmt.kb(s?.sample.bytes) ?? '—'}`,
        [b, v, s].some((r) => r && r.non2xx + r.errors + r.timeouts > 0)
          ? [b, v, s].map((r) => (r ? r.non2xx + r.errors + r.timeouts : 0)).join('/')
          : '0',
      ]);
    }
  }
  return table(
    ['case', 'Bulwark r/s', 'Verdaccio r/s', 'static r/s', 'B/V', 'B/static', '≥5×V', 'B/V per CPU', 'B p50/p99 ms', 'V p50/p99 ms', 'CPU B/V/S', 'body B/V/S', 'errs B/V/S'],
    rows,
  );
}

export function authTable(results: LoadResult[], kinds: ReadKind[]): { text: string; targets: Target[] } {
  const targets: Target[] = [];
  const rows = kinds.map((kind) => {
    const b = ratio(find(results, 'bulwark', kind, 'auth')?.reqPerSec, find(results, 'bulwark', kind, 'plain')?.reqPerSec);
    const v = ratio(find(results, 'verdaccio', kind, 'auth')?.reqPerSec, find(results, 'verdaccio', kind, 'plain')?.reqPerSec);
    const pass = b === null ? null : b >= 0.9;
    targets.push({ name: `Bulwark authenticated ${kind} ≥ 90% of anonymous`, value: b, limit: '≥ 0.90', pass });
    return [kind, fmt.pct(b === null ? null : b * 100), passMark(pass), fmt.pct(v === null ? null : v * 100)];
  });
  return { text: table(['reads', 'Bulwark auth/anon', '≥90%', 'Verdaccio auth/anon'], rows), targets };
}

export function installTable(installs: InstallSummary[]): { text: string; targets: Target[] } {
  const staticRun = installs.find((i) => i.server === 'static');
  const targets: Target[] = [];
  const rows = installs.map((i) => {
    const vsStatic = ratio(i.medianSeconds, staticRun?.medianSeconds);
    const verdaccio = installs.find((x) => x.server === 'verdaccio' && x.mode === i.mode);
    let mark = '';
    if (i.server === 'bulwark') {
      const pass = vsStatic === null ? null : vsStatic <= 1.1;
      targets.push({ name: `Bulwark cold install (${i.mode}) ≤ 1.1× static`, value: vsStatic, limit: '≤ 1.10', pass });
      mark = passMark(pass);
    }
    return [
      `${i.server} ${i.mode}`,
      fmt.s(i.medianSeconds),
      i.runs.map((r) => r.toFixed(2)).join(', '),
      i.packages,
      fmt.ratio(vsStatic),
      i.server === 'bulwark' ? fmt.ratio(ratio(i.medianSeconds, verdaccio?.medianSeconds)) : null,
      mark || null,
    ];
  });
  return { text: table(['cold npm install', 'median s', 'runs s', 'pkgs', 'vs static', 'B/V', '≤1.1× static'], rows), targets };
}

export function publishTable(rows: Array<{ mode: string; bulwark: PublishStats; verdaccio: PublishStats }>): string {
  return table(
    ['publish (new versions)', 'Bulwark v/s', 'Verdaccio v/s', 'B/V', 'B p50/p99 ms', 'V p50/p99 ms'],
    rows.map((r) => [
      `${r.mode} ×${r.bulwark.count} (c=${r.bulwark.concurrency})`,
      r.bulwark.perSecond.toFixed(1),
      r.verdaccio.perSecond.toFixed(1),
      fmt.ratio(ratio(r.bulwark.perSecond, r.verdaccio.perSecond)),
      `${fmt.ms(r.bulwark.p50Ms)}/${fmt.ms(r.bulwark.p99Ms)}`,
      `${fmt.ms(r.verdaccio.p50Ms)}/${fmt.ms(r.verdaccio.p99Ms)}`,
    ]),
  );
}
