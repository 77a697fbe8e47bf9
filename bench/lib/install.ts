// Cold `npm install` of a root project that depends on the top of the data set's graph, with
// the machine's npm, a fresh empty cache and project folder each time, and a hermetic env
// (only PATH and HOME from outside, every npm setting explicit; see the npm protocol spec §11).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './processes.js';

export interface InstallRun {
  seconds: number;
  packages: number;
}

function countInstalled(nodeModules: string): number {
  if (!existsSync(nodeModules)) return 0;
  let count = 0;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) count += readdirSync(join(nodeModules, entry)).length;
    else count++;
  }
  return count;
}

export async function coldInstall(registry: string, top: string, token: string | null, timeoutMs = 180_000): Promise<InstallRun> {
  const dir = makeTempDir('install');
  const project = join(dir, 'project');
  const home = join(dir, 'home');
  mkdirSync(project);
  mkdirSync(home);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bench-root', version: '1.0.0', private: true, dependencies: { [top]: '^1.0.0' } }, null, 2));
  const hostPort = new URL(registry).host;
  writeFileSync(join(dir, 'npmrc'), token ? `//${hostPort}/:_authToken=${token}\n` : '');
  writeFileSync(join(dir, 'global'), '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    npm_config_userconfig: join(dir, 'npmrc'),
    npm_config_globalconfig: join(dir, 'global'),
    npm_config_cache: join(dir, 'cache'),
    npm_config_registry: `${registry}/`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_fetch_retries: '0',
    npm_config_loglevel: 'warn',
    npm_config_progress: 'false',
  };
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--prefer-online'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`npm install from ${registry}${token ? ' (logged in)' : ''} failed (exit ${code}):\n${output.slice(-2000)}`);
  return { seconds, packages: countInstalled(join(project, 'node_modules')) };
}
