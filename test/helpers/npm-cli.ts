// Runs the machine's real npm against a test registry, hermetically: its own HOME, userconfig,
// cache and prefix, and none of the CI or OIDC variables that would change its behaviour.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NpmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface NpmClient {
  home: string;
  npmrc: string;
  run(args: string[], options?: { cwd?: string; input?: string }): Promise<NpmResult>;
  spawn(args: string[], options?: { cwd?: string }): ChildProcess;
  /**
   * Runs npm on a pseudo-terminal (for prompts that need a TTY), answering each prompt once. An
   * answer may be computed from the output so far (e.g. a TOTP code for a secret npm printed).
   */
  runInPty(args: string[], answers: Array<[RegExp, PtyAnswer]>): Promise<NpmResult>;
  setToken(token: string): Promise<void>;
}

export type PtyAnswer = string | ((output: string) => string | Promise<string>);

export interface NpmClientOptions {
  /**
   * Variables added to npm's environment, over the hermetic defaults: e.g. GITHUB_ACTIONS and
   * ACTIONS_ID_TOKEN_REQUEST_* to simulate a CI job that trades an OIDC ID token.
   */
  env?: Record<string, string>;
}

export async function createNpmClient(registryUrl: string, options: NpmClientOptions = {}): Promise<NpmClient> {
  const root = await mkdtemp(join(tmpdir(), 'bulwark-npm-'));
  const home = join(root, 'home');
  await mkdir(home, { recursive: true });
  const npmrc = join(root, 'npmrc');
  await writeFile(npmrc, '');
  await writeFile(join(root, 'global'), '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    npm_config_userconfig: npmrc,
    npm_config_globalconfig: join(root, 'global'),
    npm_config_cache: join(root, 'cache'),
    npm_config_registry: `${registryUrl}/`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_fetch_retries: '0',
    npm_config_loglevel: 'http',
    npm_config_prefer_online: 'true',
    ...options.env,
  };
  const hostKey = registryUrl.replace(/^https?:/, '');
  const start = (args: string[], cwd?: string) => spawn('npm', args, { cwd: cwd ?? home, env, stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    home,
    npmrc,
    spawn: (args, options = {}) => start(args, options.cwd),
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = start(args, options.cwd);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin!.end(options.input ?? '');
      });
    },
    runInPty(args, answers) {
      const quoted = ['npm', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      return new Promise((resolve, reject) => {
        const child = spawn('script', ['-qec', quoted, '/dev/null'], { cwd: home, env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        const pending = [...answers];
        // Answers go out in order, one at a time (a computed one may take a moment).
        let answering: Promise<void> = Promise.resolve();
        child.stdout!.on('data', (d) => {
          stdout += d;
          while (pending.length > 0 && pending[0]![0].test(stdout)) {
            const [, answer] = pending.shift()!;
            const output = stdout;
            answering = answering.then(async () => {
              child.stdin!.write(`${typeof answer === 'function' ? await answer(output) : answer}\r`);
            });
          }
        });
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    },
    async setToken(token) {
      await writeFile(npmrc, `${hostKey}/:_authToken=${token}\n`);
    },
  };
}

/** Writes a package folder ready for `npm publish`. */
export async function writePackage(
  manifest: Record<string, unknown>,
  files: Record<string, string> = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-pkg-'));
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const withDefaults = { 'index.js': `module.exports = ${JSON.stringify(`${manifest.name}@${manifest.version}`)};\n`, ...files };
  for (const [path, content] of Object.entries(withDefaults)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

export function assertOk(result: NpmResult, what: string): void {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}
