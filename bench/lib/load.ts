// One read-load case: a sanity request first (status, type, encoding, size), a short warm-up,
// then autocannon for the configured duration, rotating over many package names, while the
// server's CPU time is sampled from /proc.
import autocannon from 'autocannon';
import { cpuSeconds, machineCpu } from './processes.js';
import { http } from './client.js';

export type ReadKind = 'full' | 'abbreviated' | 'tarball';
export type Variant = 'plain' | 'gzip' | 'auth';

export const ACCEPT_FULL = 'application/json';
export const ACCEPT_CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

export interface LoadCase {
  server: string;
  kind: ReadKind;
  variant: Variant;
  url: string;
  paths: string[];
  headers: Record<string, string>;
  pid: number | undefined;
}

export interface LoadResult {
  server: string;
  kind: ReadKind;
  variant: Variant;
  reqPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  mbPerSec: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Server CPU use during the measured run, in % of one core (100 = one core saturated). */
  serverCpuPct: number | null;
  /** Requests answered per second of server CPU: throughput with noise and core count factored out. */
  reqPerCpuSecond: number | null;
  /** The load generator's (this process's) CPU during the run, in % of one core. */
  loadGenCpuPct: number;
  /** CPU used by everything else on the machine during the run (noise), and hypervisor steal. */
  otherCpuPct: number | null;
  stealPct: number | null;
  /** From the sanity request. */
  sample: { status: number; contentType: string; contentEncoding: string; bytes: number };
}

export interface LoadOptions {
  duration: number;
  warmup: number;
  connections: number;
}

export function headersFor(kind: ReadKind, variant: Variant, token: string | null): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false' };
  if (kind === 'full') headers.accept = ACCEPT_FULL;
  else if (kind === 'abbreviated') headers.accept = ACCEPT_CORGI;
  else headers.accept = '*/*';
  if (variant === 'gzip') headers['accept-encoding'] = 'gzip';
  if (variant === 'auth') {
    if (!token) throw new Error('auth variant without a token');
    headers.authorization = `Bearer ${token}`;
  }
  return headers;
}

async function sanity(c: LoadCase): Promise<LoadResult['sample']> {
  const path = c.paths.find((p) => p.includes('@')) ?? c.paths[0]!; // a scoped name when there is one
  const res = await http(`${c.url}${path}`, 'GET', c.headers);
  const sample = {
    status: res.status,
    contentType: String(res.headers['content-type'] ?? ''),
    contentEncoding: String(res.headers['content-encoding'] ?? ''),
    bytes: res.body.length,
  };
  if (res.status !== 200) {
    throw new Error(`${c.server} ${c.kind}/${c.variant}: GET ${path} answered ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
  }
  return sample;
}

function run(c: LoadCase, duration: number, connections: number) {
  return autocannon({
    url: c.url,
    connections,
    duration,
    pipelining: 1,
    timeout: 10,
    headers: c.headers,
    requests: c.paths.map((path) => ({ method: 'GET', path })),
  });
}

export async function measure(c: LoadCase, options: LoadOptions): Promise<LoadResult> {
  const sample = await sanity(c);
  if (options.warmup > 0) await run(c, options.warmup, options.connections);
  const cpuBefore = cpuSeconds(c.pid);
  const machineBefore = machineCpu();
  const ownBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await run(c, options.duration, options.connections);
  const wall = (performance.now() - startedAt) / 1000;
  const own = process.cpuUsage(ownBefore);
  const machineAfter = machineCpu();
  const cpuAfter = cpuSeconds(c.pid);
  const ok = result['2xx'];
  const serverCpu = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null;
  const ownCpu = (own.user + own.system) / 1e6;
  const pct = (seconds: number) => Math.round((seconds / wall) * 100);
  return {
    server: c.server,
    kind: c.kind,
    variant: c.variant,
    reqPerSec: ok / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    mbPerSec: result.throughput.average / (1024 * 1024),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    serverCpuPct: serverCpu === null ? null : pct(serverCpu),
    reqPerCpuSecond: serverCpu ? ok / serverCpu : null,
    loadGenCpuPct: pct(ownCpu),
    otherCpuPct:
      machineBefore && machineAfter && serverCpu !== null ? Math.max(0, pct(machineAfter.busy - machineBefore.busy - serverCpu - ownCpu)) : null,
    stealPct: machineBefore && machineAfter ? pct(machineAfter.steal - machineBefore.steal) : null,
    sample,
  };
}
