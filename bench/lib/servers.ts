// The three servers under test, each in its own process on 127.0.0.1 and a free port:
// Bulwark (this repository), Verdaccio 6 (no uplinks), and a static file server anchor (nginx
// from Debian when available, else a small Node server).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { freePort, logTail, makeTempDir, startChild, waitForHttp } from './processes.js';

export interface RunningServer {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Process whose CPU time is sampled during load (the server itself, never a wrapper). */
  pid: number | undefined;
  version: string;
}

const REPO = resolve(import.meta.dirname, '..', '..');

export async function startBulwark(adminPassword: string): Promise<RunningServer> {
  const port = await freePort();
  const dir = makeTempDir('bulwark');
  // BENCH_BULWARK_NODE_ARGS adds node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (written at exit).
  const nodeArgs = (process.env.BENCH_BULWARK_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = startChild('bulwark', process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO,
    log: join(dir, 'server.log'),
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      NODE_ENV: 'production',
      BULWARK_HOST: '127.0.0.1',
      BULWARK_PORT: String(port),
      BULWARK_DATA_DIR: join(dir, 'data'),
      BULWARK_ADMIN_PASSWORD: adminPassword,
      BULWARK_LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/-/ping`, child);
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  return { name: 'bulwark', url, port, child, pid: child.pid, version };
}

export async function startVerdaccio(legacyTokens = false): Promise<RunningServer & { tokens: 'jwt' | 'legacy' }> {
  const port = await freePort();
  const dir = makeTempDir('verdaccio');
  const require = createRequire(join(REPO, 'package.json'));
  const pkgJson = require.resolve('verdaccio/package.json');
  const version = (require('verdaccio/package.json') as { version: string }).version;
  const bin = join(pkgJson, '..', 'bin', 'verdaccio');
  const config = join(dir, 'config.yaml');
  // No uplinks: every package is local. Registration open (max_users) so the legacy login
  // PUT creates the user and returns a token, like `npm adduser`.
  writeFileSync(
    config,
    [
      `storage: ${join(dir, 'storage')}`,
      `plugins: ${join(dir, 'plugins')}`,
      'web:',
      '  enable: false',
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    max_users: 100',
      'uplinks: {}',
      'packages:',
      "  '@*/*':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      'server:',
      '  keepAliveTimeout: 60',
      'middlewares:',
      '  audit:',
      '    enabled: false',
      'max_body_size: 200mb',
      // JWT API tokens (Verdaccio's recommended setting). Its default "legacy" token carries the
      // password and is checked with bcrypt on every request (~10 req/s): too weak a baseline.
      ...(legacyTokens ? [] : ['security:', '  api:', '    jwt:', '      sign:', '        expiresIn: 7d']),
      'log: { type: stdout, format: json, level: error }',
      '',
    ].join('\n'),
  );
  const child = startChild('verdaccio', process.execPath, [bin, '-c', config, '-l', `127.0.0.1:${port}`], {
    cwd: dir,
    log: join(dir, 'server.log'),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/-/ping`, child);
  return { name: 'verdaccio', url, port, child, pid: child.pid, version, tokens: legacyTokens ? 'legacy' : 'jwt' };
}

/**
 * Layout of the static tree (same URL paths as a registry):
 *   <root>/_full/<name>        full packument        (+ .gz, precompressed)
 *   <root>/_corgi/<name>       abbreviated packument (+ .gz)
 *   <root>/tarballs/<name>/-/<base>-<v>.tgz
 * Scoped names are folders (`@bench/lib-004`): nginx decodes `%2f` before mapping to files.
 */
export interface StaticTree {
  root: string;
}

function nginxConfig(root: string, port: number, dir: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  gzip on;
  gzip_static on;
  gzip_vary on;
  gzip_comp_level 6;
  gzip_min_length 256;
  gzip_types application/json application/vnd.npm.install-v1+json;
  map $http_accept $pkform {
    "~^\\s*application/vnd\\.npm\\.install-v1\\+json" _corgi;
    default _full;
  }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location ~ /-/[^/]+\\.tgz$ {
      root ${root}/tarballs;
      types { }
      default_type application/octet-stream;
    }
    location /_full/ {
      internal;
      types { }
      default_type application/json;
    }
    location /_corgi/ {
      internal;
      types { }
      default_type application/vnd.npm.install-v1+json;
    }
    location = /-/ping { return 200 '{}'; }
    # A named capture: the map's regex would overwrite $1.
    location / {
      rewrite ^(?<pkpath>.*)$ /$pkform$pkpath last;
    }
  }
}
`;
}

function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  if (process.env.BENCH_INSTALL_NGINX === '0') return null;
  // Debian's package; we run as root in the bench environment. Bounded, and optional.
  try {
    process.stderr.write('nginx not found: trying `apt-get install -y nginx`…\n');
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], { stdio: 'ignore', timeout: 180_000 });
  } catch {
    return null;
  }
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null;
}

/** `port` is chosen by the caller beforehand: the tree's tarball links already name it. */
export async function startStatic(tree: StaticTree, port: number): Promise<RunningServer & { kind: 'nginx' | 'node' }> {
  const dir = makeTempDir('static');
  const url = `http://127.0.0.1:${port}`;
  const nginx = process.env.BENCH_STATIC === 'node' ? null : findNginx();
  if (nginx) {
    const config = join(dir, 'nginx.conf');
    writeFileSync(config, nginxConfig(tree.root, port, dir));
    const version = nginxVersion(nginx);
    const child = startChild('nginx', nginx, ['-c', config, '-p', dir, '-e', join(dir, 'error.log')], { cwd: dir, log: join(dir, 'stdout.log') });
    await waitForHttp(`${url}/-/ping`, child);
    return { name: 'static', kind: 'nginx', url, port, child, pid: child.pid, version };
  }
  // Fallback: the same tree served by a minimal Node server in its own process.
  const script = join(dir, 'static-server.mjs');
  writeFileSync(script, NODE_STATIC_SERVER);
  const child = startChild('static-node', process.execPath, [script, tree.root, String(port)], { cwd: dir, log: join(dir, 'server.log') });
  await waitForHttp(`${url}/-/ping`, child);
  return { name: 'static', kind: 'node', url, port, child, pid: child.pid, version: `node ${process.version}` };
}

function nginxVersion(nginx: string): string {
  try {
    // nginx prints its version on stderr.
    const out = execFileSync('sh', ['-c', `"${nginx}" -v 2>&1`], { encoding: 'utf8', timeout: 10_000 });
    return out.trim().replace(/^nginx version: /, '');
  } catch {
    return 'nginx';
  }
}

const NODE_STATIC_SERVER = `
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
const [root, port] = process.argv.slice(2);
createServer(async (req, res) => {
  try {
    const path = normalize(decodeURIComponent(req.url.split('?')[0]));
    if (path === '/-/ping') { res.writeHead(200, { 'content-type': 'application/json' }); return res.end('{}'); }
    if (path.includes('..')) { res.writeHead(400); return res.end(); }
    let file, type;
    if (/\\/-\\/[^/]+\\.tgz$/.test(path)) { file = join(root, 'tarballs', path); type = 'application/octet-stream'; }
    else {
      const corgi = /^\\s*application\\/vnd\\.npm\\.install-v1\\+json/.test(req.headers.accept || '');
      file = join(root, corgi ? '_corgi' : '_full', path);
      type = corgi ? 'application/vnd.npm.install-v1+json' : 'application/json';
      if (/\\bgzip\\b/.test(req.headers['accept-encoding'] || '')) {
        try { const gz = await readFile(file + '.gz'); res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'content-length': gz.length, vary: 'Accept, Accept-Encoding' }); return res.end(gz); } catch {}
      }
    }
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  } catch { res.writeHead(404, { 'content-type': 'application/json' }); res.end('{"error":"not found"}'); }
}).listen(Number(port), '127.0.0.1');
`;

export { logTail };
