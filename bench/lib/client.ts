// The npm wire calls the benchmark makes itself: legacy login, publish, seeding, publish
// throughput. Bodies are built before any timing starts, so only the server is measured.
import { request, Agent } from 'node:http';
import { packumentPath, publishBody, type DataSet, type PackageVersion } from './dataset.js';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain keep-alive HTTP call (no fetch: its per-call overhead would blur publish timings). */
export function http(url: string, method: string, headers: Record<string, string>, body?: string | Buffer, timeoutMs = 60_000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export async function legacyLogin(registry: string, name: string, password: string): Promise<string> {
  const body = JSON.stringify({
    _id: `org.couchdb.user:${name}`,
    name,
    password,
    email: `${name}@bench.invalid`,
    type: 'user',
    roles: [],
    date: new Date().toISOString(),
  });
  const res = await http(`${registry}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, 'PUT', { 'content-type': 'application/json', accept: 'application/json' }, body);
  const text = res.body.toString('utf8');
  if (res.status !== 201 && res.status !== 200) throw new Error(`login at ${registry} failed: ${res.status} ${text.slice(0, 300)}`);
  const token = (JSON.parse(text) as { token?: string }).token;
  if (!token) throw new Error(`login at ${registry} returned no token: ${text.slice(0, 300)}`);
  return token;
}

export async function publish(registry: string, token: string, name: string, body: string): Promise<number> {
  const started = performance.now();
  const res = await http(`${registry}${packumentPath(name)}`, 'PUT', {
    'content-type': 'application/json',
    accept: '*/*',
    authorization: `Bearer ${token}`,
    'npm-command': 'publish',
    'user-agent': 'npm/11.19.1 node/v20 linux x64 workspaces/false',
  }, body);
  const elapsed = performance.now() - started;
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`publish ${name} to ${registry} failed: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  }
  return elapsed;
}

/** Runs `jobs` on `concurrency` workers; a worker takes its next job when the last one ends. */
export async function pool<T>(jobs: T[], concurrency: number, run: (job: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        await run(job);
      }
    }),
  );
}

/** Publishes every version of the data set: packages in parallel, each package's versions in order. */
export async function seed(registry: string, token: string, data: DataSet, concurrency = 4): Promise<number> {
  const started = performance.now();
  await pool(data.names, concurrency, async (name) => {
    for (const pv of data.versions.get(name)!) await publish(registry, token, name, publishBody(pv, registry));
  });
  return (performance.now() - started) / 1000;
}

export interface PublishStats {
  count: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Publish throughput: `lanes` independent queues (each its own packages, published in version
 * order, as concurrent publishers of different packages would), run `concurrency` at a time.
 */
export async function publishThroughput(registry: string, token: string, lanes: PackageVersion[][], concurrency: number): Promise<PublishStats> {
  const bodies = lanes.map((lane) => lane.map((pv) => ({ name: pv.name, body: publishBody(pv, registry) })));
  const latencies: number[] = [];
  const started = performance.now();
  await pool(bodies, concurrency, async (lane) => {
    for (const { name, body } of lane) latencies.push(await publish(registry, token, name, body));
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { count: latencies.length, concurrency, seconds, perSecond: latencies.length / seconds, p50Ms: pct(50), p99Ms: pct(99) };
}
