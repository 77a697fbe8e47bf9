// `npm run bench`: Bulwark against Verdaccio 6 and a static file server, on one synthetic data
// set. See bench/README.md for what is measured, the knobs, and how to read the output.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDataSet, buildVersion, packumentPath, tarballPath, type DataSet, type PackageVersion } from './lib/dataset.js';
import { cleanup, freePort, keepTempDirs, rssMiB } from './lib/processes.js';
import { startBulwark, startStatic, startVerdaccio, type RunningServer } from './lib/servers.js';
import { http, legacyLogin, publishThroughput, seed, type PublishStats } from './lib/client.js';
import { headersFor, measure, type LoadResult, type ReadKind, type Variant } from './lib/load.js';
import { buildStaticTree } from './lib/static-tree.js';
import { coldInstall } from './lib/install.js';
import { authTable, fmt, installTable, passMark, publishTable, ratio, readTable, find, type InstallSummary, type Target } from './lib/report.js';

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return value;
}

const settings = {
  duration: num('BENCH_DURATION', 10),
  warmup: num('BENCH_WARMUP', 1),
  connections: num('BENCH_CONNECTIONS', 10),
  packages: num('BENCH_PACKAGES', 150),
  versions: num('BENCH_VERSIONS', 3),
  publishCount: num('BENCH_PUBLISH_COUNT', 200),
  publishConcurrency: num('BENCH_PUBLISH_CONCURRENCY', 4),
  installRuns: num('BENCH_INSTALL_RUNS', 5),
  timeoutSeconds: num('BENCH_TIMEOUT', 900),
  skip: new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
};

const RESULTS_DIR = join(import.meta.dirname, 'results');
const KINDS: ReadKind[] = ['full', 'abbreviated', 'tarball'];
const VARIANTS: Variant[] = ['plain', 'gzip', 'auth'];
const NOISE_PCT = 15;

function log(message: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function toolVersion(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Packages for the publish-throughput runs: `lanes` queues over their own packages, interleaved. */
async function publishLanes(prefix: string, count: number, lanes: number): Promise<PackageVersion[][]> {
  const packages = Math.max(lanes, 8);
  const perPackage = Math.ceil(count / packages);
  const byLane: PackageVersion[][] = Array.from({ length: lanes }, () => []);
  let made = 0;
  for (let v = 0; v < perPackage && made < count; v++) {
    for (let p = 0; p < packages && made < count; p++, made++) {
      byLane[p % lanes]!.push(await buildVersion(`${prefix}-${p}`, `1.0.${v}`, {}));
    }
  }
  return byLane;
}

async function verifySeeded(server: RunningServer, data: DataSet): Promise<void> {
  for (const name of [data.names[0]!, data.names[4]!, data.names[data.names.length - 1]!]) {
    const res = await http(`${server.url}${packumentPath(name)}`, 'GET', { accept: 'application/json' });
    if (res.status !== 200) throw new Error(`${server.name}: ${name} not readable after seeding (${res.status})`);
    const doc = JSON.parse(res.body.toString('utf8')) as { versions?: Record<string, { dist?: { tarball?: string; integrity?: string } }> };
    const expected = data.versions.get(name)!;
    if (Object.keys(doc.versions ?? {}).length !== expected.length) throw new Error(`${server.name}: ${name} lists ${Object.keys(doc.versions ?? {}).length} versions`);
    const last = expected[expected.length - 1]!;
    const dist = doc.versions?.[last.version]?.dist;
    if (dist?.integrity !== last.integrity) throw new Error(`${server.name}: ${name}@${last.version} integrity differs from the published tarball`);
    const tgz = await http(`${server.url}${tarballPath(name, last.version)}`, 'GET', {});
    if (tgz.status !== 200 || !tgz.body.equals(last.tarball)) throw new Error(`${server.name}: tarball of ${name}@${last.version} not served back identically`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const adminPassword = `bench-${randomBytes(12).toString('hex')}`;
  const env = {
    node: process.version,
    npm: toolVersion('npm', ['--version']),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform} ${process.arch}`,
  };
  log(`settings: ${JSON.stringify({ ...settings, skip: [...settings.skip] })}`);
  log(`machine: ${env.cpus} × ${env.cpuModel}, node ${env.node}, npm ${env.npm}`);

  log(`building the data set: ${settings.packages} packages × ${settings.versions} versions…`);
  const data = await buildDataSet(settings.packages, settings.versions);
  const tarballs = [...data.versions.values()].flat();
  const avgTgz = tarballs.reduce((n, pv) => n + pv.tarball.length, 0) / tarballs.length;
  log(`data set: ${tarballs.length} tarballs, ${Math.round(avgTgz)} B average; top package ${data.top} pulls in ${data.closure} packages`);

  log('starting Bulwark and Verdaccio…');
  const [bulwark, verdaccio] = await Promise.all([startBulwark(adminPassword), startVerdaccio(process.env.BENCH_VERDACCIO_TOKENS === 'legacy')]);
  log(`Bulwark ${bulwark.version} at ${bulwark.url} (pid ${bulwark.pid}); Verdaccio ${verdaccio.version} at ${verdaccio.url} (pid ${verdaccio.pid}, ${verdaccio.tokens} tokens)`);
  const tokens = {
    bulwark: await legacyLogin(bulwark.url, 'admin', adminPassword),
    verdaccio: await legacyLogin(verdaccio.url, 'bench', adminPassword),
  };

  const seedSeconds = {
    bulwark: await seed(bulwark.url, tokens.bulwark, data),
    verdaccio: await seed(verdaccio.url, tokens.verdaccio, data),
  };
  log(`seeded ${tarballs.length} versions: Bulwark ${seedSeconds.bulwark.toFixed(1)} s, Verdaccio ${seedSeconds.verdaccio.toFixed(1)} s`);
  await verifySeeded(bulwark, data);
  await verifySeeded(verdaccio, data);

  const staticPort = await freePort();
  const staticUrl = `http://127.0.0.1:${staticPort}`;
  const tree = await buildStaticTree(data, bulwark.url, staticUrl);
  const staticServer = await startStatic(tree, staticPort);
  if (staticServer.kind === 'node') log('NOTE: nginx unavailable; the static anchor is a minimal Node server (a weaker anchor than nginx).');
  log(`static anchor: ${staticServer.kind} ${staticServer.version} at ${staticServer.url} (single process)`);
  await verifySeeded(staticServer, data);

  const servers: Record<string, RunningServer> = { bulwark, verdaccio, static: staticServer };
  const tokenOf: Record<string, string | null> = { bulwark: tokens.bulwark, verdaccio: tokens.verdaccio, static: null };
  const packumentPaths = data.names.map(packumentPath);
  const tarballPaths = data.names.flatMap((name) => data.versions.get(name)!.map((pv) => tarballPath(name, pv.version)));

  // Reads: every kind × variant, the servers one after another per case (so drift hits all alike).
  const reads: LoadResult[] = [];
  if (!settings.skip.has('reads')) {
    const total = KINDS.length * VARIANTS.length * 2 + KINDS.length * 2;
    log(`read load: ${total} cases × (${settings.warmup} s warm-up + ${settings.duration} s), ${settings.connections} connections`);
    for (const kind of KINDS) {
      for (const variant of VARIANTS) {
        for (const name of ['bulwark', 'verdaccio', 'static']) {
          if (name === 'static' && variant === 'auth') continue;
          const server = servers[name]!;
          const result = await measure(
            {
              server: name,
              kind,
              variant,
              url: server.url,
              paths: kind === 'tarball' ? tarballPaths : packumentPaths,
              headers: headersFor(kind, variant, tokenOf[name] ?? null),
              pid: server.pid,
            },
            settings,
          );
          reads.push(result);
          const bad = result.non2xx + result.errors + result.timeouts;
          log(
            `  ${name.padEnd(9)} ${`${kind} ${variant}`.padEnd(17)} ${fmt.int(result.reqPerSec)!.padStart(7)} req/s  p99 ${fmt.ms(result.latencyP99Ms)} ms  cpu ${fmt.pct(result.serverCpuPct)}` +
              `  bench ${fmt.pct(result.loadGenCpuPct)}  other ${fmt.pct(result.otherCpuPct)}${result.stealPct ? `  steal ${fmt.pct(result.stealPct)}` : ''}` +
              `  ${result.sample.contentType}${result.sample.contentEncoding ? ` (${result.sample.contentEncoding})` : ''} ${result.sample.bytes} B${bad ? `  ERRORS ${bad}` : ''}`,
          );
        }
      }
    }
  }

  // Cold installs, interleaved per round.
  const installRuns = new Map<string, { server: string; mode: 'anonymous' | 'logged-in'; runs: number[]; packages: number }>();
  if (!settings.skip.has('install') && settings.installRuns > 0) {
    const plan: Array<{ server: string; mode: 'anonymous' | 'logged-in' }> = [
      { server: 'static', mode: 'anonymous' },
      { server: 'bulwark', mode: 'anonymous' },
      { server: 'bulwark', mode: 'logged-in' },
      { server: 'verdaccio', mode: 'anonymous' },
      { server: 'verdaccio', mode: 'logged-in' },
    ];
    log(`cold npm install of ${data.top} (${data.closure} packages): ${settings.installRuns} rounds × ${plan.length}`);
    for (let round = 0; round < settings.installRuns; round++) {
      for (const p of plan) {
        const key = `${p.server} ${p.mode}`;
        const token = p.mode === 'logged-in' ? tokenOf[p.server] ?? null : null;
        const run = await coldInstall(servers[p.server]!.url, data.top, token);
        if (run.packages < data.closure) throw new Error(`${key}: npm installed ${run.packages} packages, expected ${data.closure}`);
        const entry = installRuns.get(key) ?? { ...p, runs: [], packages: run.packages };
        entry.runs.push(run.seconds);
        installRuns.set(key, entry);
        log(`  round ${round + 1} ${key.padEnd(20)} ${run.seconds.toFixed(2)} s (${run.packages} packages)`);
      }
    }
  }
  const installs: InstallSummary[] = [...installRuns.values()].map((e) => ({ ...e, medianSeconds: median(e.runs) }));

  // Publish throughput on fresh packages, so the read data set is untouched.
  const publishes: Array<{ mode: string; bulwark: PublishStats; verdaccio: PublishStats }> = [];
  if (!settings.skip.has('publish') && settings.publishCount > 0) {
    log(`publish throughput: ${settings.publishCount} new versions sequentially, then with concurrency ${settings.publishConcurrency}`);
    const sequential = await publishLanes('bench-pubseq', settings.publishCount, 1);
    const concurrent = await publishLanes('bench-pubcon', settings.publishCount, settings.publishConcurrency);
    for (const [mode, lanes, concurrency] of [['sequential', sequential, 1], ['concurrent', concurrent, settings.publishConcurrency]] as const) {
      const b = await publishThroughput(bulwark.url, tokens.bulwark, lanes, concurrency);
      const v = await publishThroughput(verdaccio.url, tokens.verdaccio, lanes, concurrency);
      publishes.push({ mode, bulwark: b, verdaccio: v });
      log(`  ${mode}: Bulwark ${b.perSecond.toFixed(1)}/s, Verdaccio ${v.perSecond.toFixed(1)}/s`);
    }
  }

  const memory = { bulwarkRssMiB: rssMiB(bulwark.pid), verdaccioRssMiB: rssMiB(verdaccio.pid), staticRssMiB: rssMiB(staticServer.pid) };

  // Report.
  const targets: Target[] = [];
  for (const kind of KINDS) {
    for (const variant of VARIANTS) {
      const r = ratio(find(reads, 'bulwark', kind, variant)?.reqPerSec, find(reads, 'verdaccio', kind, variant)?.reqPerSec);
      if (reads.length) targets.push({ name: `Bulwark ${kind} ${variant} ≥ 5× Verdaccio`, value: r, limit: '≥ 5.00', pass: r === null ? null : r >= 5 });
    }
  }
  const out: string[] = [];
  out.push('');
  out.push(`Bulwark ${bulwark.version} vs Verdaccio ${verdaccio.version} (${verdaccio.tokens} API tokens, no uplinks) vs static (${staticServer.kind} ${staticServer.version}, one process)`);
  out.push(`${env.cpus} × ${env.cpuModel}; node ${env.node}; npm ${env.npm}; ${data.names.length} packages × ${settings.versions} versions, ${Math.round(avgTgz)} B tarballs`);
  if (staticServer.kind === 'node') out.push('NOTE: nginx was not available; the static anchor is a minimal Node server.');
  if (reads.length) {
    out.push('');
    out.push(`Read throughput: autocannon, ${settings.connections} connections, ${settings.duration} s per case after ${settings.warmup} s warm-up, rotating over ${packumentPaths.length} packuments / ${tarballPaths.length} tarballs.`);
    out.push('Static has no auth: "auth" rows compare with its plain figure. CPU = server CPU during the run (100% = one core).');
    out.push('B/V per CPU = ratio of requests served per second of server CPU (less sensitive to machine noise). body = size of one sample response.');
    out.push(readTable(reads, KINDS, VARIANTS));
    const noisy = reads.filter((r) => (r.otherCpuPct ?? 0) > NOISE_PCT || (r.stealPct ?? 0) > NOISE_PCT);
    if (noisy.length) {
      out.push(
        `NOISE: other processes (or the hypervisor) took > ${NOISE_PCT}% CPU during ${noisy.length} case(s): ` +
          noisy.map((r) => `${r.server} ${r.kind} ${r.variant} ${r.otherCpuPct}%${r.stealPct ? `+${r.stealPct}% steal` : ''}`).join(', ') +
          '. Their req/s is low; "B/V per CPU" (req per server CPU-second) is less sensitive. Rerun on a quiet machine for the targets.',
      );
    }
    out.push('');
    const auth = authTable(reads, KINDS);
    targets.push(...auth.targets);
    out.push(auth.text);
  }
  if (installs.length) {
    out.push('');
    out.push(`Cold npm install (fresh cache, --prefer-online, median of ${settings.installRuns}):`);
    const inst = installTable(installs);
    targets.push(...inst.targets);
    out.push(inst.text);
  }
  if (publishes.length) {
    out.push('');
    out.push(publishTable(publishes));
  }
  out.push('');
  out.push(`Seeding ${tarballs.length} versions (concurrency 4): Bulwark ${seedSeconds.bulwark.toFixed(1)} s, Verdaccio ${seedSeconds.verdaccio.toFixed(1)} s.`);
  out.push(`Memory at the end (RSS): Bulwark ${memory.bulwarkRssMiB} MiB, Verdaccio ${memory.verdaccioRssMiB} MiB, static ${memory.staticRssMiB} MiB.`);
  out.push('');
  out.push('Targets (printed, not asserted):');
  for (const t of targets) out.push(`  ${passMark(t.pass).padEnd(4)}  ${t.name}: ${t.value === null ? '—' : t.value.toFixed(2)} (${t.limit})`);
  const elapsed = (Date.now() - started) / 1000;
  out.push('');
  out.push(`Total bench time ${elapsed.toFixed(0)} s.`);
  process.stdout.write(`${out.join('\n')}\n`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        settings: { ...settings, skip: [...settings.skip] },
        environment: env,
        servers: {
          bulwark: { version: bulwark.version },
          verdaccio: { version: verdaccio.version, tokens: verdaccio.tokens },
          static: { kind: staticServer.kind, version: staticServer.version },
        },
        dataSet: { packages: data.names.length, versionsPerPackage: settings.versions, tarballs: tarballs.length, averageTarballBytes: Math.round(avgTgz), installClosure: data.closure },
        seedSeconds,
        reads,
        installs,
        publishes,
        memory,
        targets,
        elapsedSeconds: elapsed,
      },
      null,
      2,
    )}\n`,
  );
  log(`results written to ${file}`);
}

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: exceeded BENCH_TIMEOUT (${settings.timeoutSeconds} s); stopping.\n`);
  void cleanup().finally(() => process.exit(2));
}, settings.timeoutSeconds * 1000);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}; stopping servers.\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

keepTempDirs(process.env.BENCH_KEEP_TMP === '1');
let exitCode = 0;
try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exit(exitCode);
