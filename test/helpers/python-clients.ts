// The machine's real Python clients, hermetic: Debian's python3 -m build (setuptools, no
// network), Debian's twine, and pip in a fresh virtual environment, with no user or site config,
// no keyring and no extra find-links.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunResult {
  code: number | null;
  output: string;
}

const DEBIAN_PYTHON = '/usr/bin/python3';

function baseEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

export function run(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

export function assertRan(result: RunResult, what: string): void {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output}`);
}

/** Builds a wheel and an sdist of a tiny project with Debian's setuptools; returns their paths. */
export async function buildDistributions(project: { name: string; version: string; value: string; requiresPython?: string }): Promise<{ wheel: string; sdist: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-pyproj-'));
  const module = project.name.replace(/-/g, '_');
  await mkdir(join(dir, 'src', module), { recursive: true });
  await writeFile(
    join(dir, 'pyproject.toml'),
    `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "${project.name}"\nversion = "${project.version}"\ndescription = "Fixture ${project.name}"\nrequires-python = "${project.requiresPython ?? '>=3.8'}"\nreadme = "README.md"\n`,
  );
  await writeFile(join(dir, 'README.md'), `# ${project.name}\n\nA fixture.\n`);
  await writeFile(join(dir, 'src', module, '__init__.py'), `VALUE = ${JSON.stringify(project.value)}\n`);
  const result = await run(DEBIAN_PYTHON, ['-m', 'build', '--no-isolation', '--wheel', '--sdist', '--outdir', join(dir, 'dist'), dir], {
    env: baseEnv(dir),
    cwd: dir,
  });
  assertRan(result, `building ${project.name} ${project.version}`);
  return {
    wheel: join(dir, 'dist', `${module}-${project.version}-py3-none-any.whl`),
    sdist: join(dir, 'dist', `${module}-${project.version}.tar.gz`),
  };
}

export async function twineUpload(registryUrl: string, token: string, files: string[], extra: string[] = []): Promise<RunResult> {
  const home = await mkdtemp(join(tmpdir(), 'bulwark-twine-'));
  return run('twine', ['upload', '--non-interactive', '--disable-progress-bar', ...extra, ...files], {
    env: { ...baseEnv(home), TWINE_USERNAME: '__token__', TWINE_PASSWORD: token, TWINE_REPOSITORY_URL: `${registryUrl}/legacy/` },
  });
}

export interface Venv {
  dir: string;
  pip(args: string[]): Promise<RunResult>;
  python(code: string): Promise<RunResult>;
}

/** A fresh virtual environment with its own pip (from the interpreter's ensurepip, offline). */
export async function createVenv(): Promise<Venv> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-venv-'));
  const env = baseEnv(dir);
  assertRan(await run('python3', ['-m', 'venv', join(dir, 'venv')], { env }), 'python3 -m venv');
  const bin = join(dir, 'venv', 'bin');
  return {
    dir,
    pip: (args) => run(join(bin, 'pip'), [...args, '--no-cache-dir'], { env, cwd: dir }),
    python: (code) => run(join(bin, 'python'), ['-c', code], { env, cwd: dir }),
  };
}
