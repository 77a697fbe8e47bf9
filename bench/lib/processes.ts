// Child processes and temp dirs the benchmark owns, with cleanup that runs on success, on error,
// on SIGINT/SIGTERM, (synchronously) on process exit, and, should the bench itself be killed
// with SIGKILL, from a small detached reaper that outlives it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Owned {
  name: string;
  child: ChildProcess;
  log: string;
}

const children: Owned[] = [];
const dirs: string[] = [];
let keepTemp = false;

export function keepTempDirs(keep: boolean): void {
  keepTemp = keep;
}

// The reaper polls the bench's pid; when it is gone, it stops the listed pids and removes the
// listed dirs. A normal cleanup removes its state dir, which tells it to exit.
const REAPER = `
const { readFileSync, rmSync, existsSync } = require('node:fs');
const [benchPid, state] = process.argv.slice(1);
const lines = (f) => { try { return readFileSync(state + '/' + f, 'utf8').split('\\n').filter(Boolean); } catch { return []; } };
const timer = setInterval(() => {
  if (!existsSync(state)) process.exit(0);
  try { process.kill(Number(benchPid), 0); return; } catch {}
  clearInterval(timer);
  const pids = lines('pids').map(Number);
  for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch {} }
  setTimeout(() => {
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
    for (const dir of lines('dirs')) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
    rmSync(state, { recursive: true, force: true });
    process.exit(0);
  }, 2000);
}, 500);
`;
let reaperState: string | null = null;

function reaper(): string {
  if (reaperState) return reaperState;
  reaperState = mkdtempSync(join(tmpdir(), 'bulwark-bench-reaper-'));
  const child = spawn(process.execPath, ['-e', REAPER, String(process.pid), reaperState], { detached: true, stdio: 'ignore' });
  child.unref();
  return reaperState;
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bulwark-bench-${prefix}-`));
  dirs.push(dir);
  if (!keepTemp) appendFileSync(join(reaper(), 'dirs'), `${dir}\n`);
  return dir;
}

/** Starts a long-running child with stdout/stderr going to `log`; it is killed by `cleanup()`. */
export function startChild(name: string, command: string, args: string[], options: SpawnOptions & { log: string }): ChildProcess {
  const fd = openSync(options.log, 'a');
  const child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd], detached: false });
  closeSync(fd);
  children.push({ name, child, log: options.log });
  if (child.pid) appendFileSync(join(reaper(), 'pids'), `${child.pid}\n`);
  child.on('error', () => {});
  return child;
}

export function logTail(child: ChildProcess, lines = 30): string {
  const owned = children.find((c) => c.child === child);
  if (!owned || !existsSync(owned.log)) return '';
  return readFileSync(owned.log, 'utf8').split('\n').slice(-lines).join('\n');
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (alive(child)) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export async function cleanup(): Promise<void> {
  await Promise.all(children.map((c) => stopChild(c.child)));
  children.length = 0;
  removeDirs();
}

function removeDirs(): void {
  if (reaperState) {
    rmSync(reaperState, { recursive: true, force: true });
    reaperState = null;
  }
  if (keepTemp) {
    if (dirs.length > 0) process.stderr.write(`kept temp dirs (BENCH_KEEP_TMP): ${dirs.join(' ')}\n`);
    dirs.length = 0;
    return;
  }
  for (const dir of dirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort
    }
  }
}

// Last resort: `exit` handlers must be synchronous, so SIGKILL whatever is still running.
process.on('exit', () => {
  for (const c of children) if (alive(c.child)) c.child.kill('SIGKILL');
  removeDirs();
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Polls `url` until it answers (any status below 500) or `timeoutMs` passes. */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive(child)) throw new Error(`${url}: the server exited (code ${child.exitCode}, signal ${child.signalCode})\n${logTail(child)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not come up in ${timeoutMs} ms (${last})\n${logTail(child)}`);
}

/** CPU seconds (user + system) a process has used so far, from /proc; null where unavailable. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the comm field: state is [0], utime is [11], stime is [12] (clock ticks, 100/s on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Machine-wide CPU counters from /proc/stat, in seconds: busy (excluding idle and iowait) and steal. */
export function machineCpu(): { busy: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return { busy: (user! + nice! + system! + irq! + softirq!) / 100, steal: (steal ?? 0) / 100 };
  } catch {
    return null;
  }
}
