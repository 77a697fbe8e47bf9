// The synthetic data set: a dependency graph of real npm packages (gzipped tarballs holding
// package/package.json and a few generated source files), and the npm publish documents for
// them. Everything is derived from a seed, so each run publishes byte-identical tarballs to
// every registry; only the tarball URLs in the publish bodies differ.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface PackageVersion {
  name: string;
  version: string;
  /** The package.json inside the tarball, and the base of the published manifest. */
  manifest: Record<string, unknown>;
  readme: string;
  tarball: Buffer;
  integrity: string;
  shasum: string;
}

export interface DataSet {
  /** Every package of the install graph, the top one first. */
  names: string[];
  /** Versions per package in publish order (oldest first). */
  versions: Map<string, PackageVersion[]>;
  /** The package a root project depends on to pull in the whole graph. */
  top: string;
  /** Count of distinct packages `npm install` of `top` resolves (the top included). */
  closure: number;
}

/** npm's fixed tarball mtime (1985-10-26T08:15:00Z), so tarballs do not depend on the clock. */
const NPM_MTIME = new Date('1985-10-26T08:15:00.000Z');

const WORDS = (
  'registry package version tarball manifest digest resolve install publish cache stream buffer token scope ' +
  'graph node edge semver range integrity shasum artifact metadata request response header client server ' +
  'parse render encode decode compress verify sign audit mirror proxy index search owner team org access'
).split(' ');

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32LE(0);
}

function words(random: () => number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
  return out.join(' ');
}

function identifier(random: () => number): string {
  const a = WORDS[Math.floor(random() * WORDS.length)]!;
  const b = WORDS[Math.floor(random() * WORDS.length)]!;
  return `${a}${b[0]!.toUpperCase()}${b.slice(1)}${Math.floor(random() * 1000)}`;
}

/** Roughly `bytes` of plausible JavaScript. */
function sourceFile(random: () => number, bytes: number, deps: string[]): string {
  const lines = ["'use strict';", ''];
  deps.forEach((dep, i) => lines.push(`const dep${i} = require(${JSON.stringify(dep)});`));
  lines.push('');
  let size = lines.join('\n').length;
  while (size < bytes) {
    const fn = identifier(random);
    const block = [
      `/** ${words(random, 12)}. */`,
      `function ${fn}(input, options = {}) {`,
      `  const ${identifier(random)} = ${Math.floor(random() * 1e6)};`,
      `  if (!input) throw new TypeError(${JSON.stringify(words(random, 5))});`,
      `  return { ...options, value: String(input) + ${JSON.stringify(words(random, 3))} };`,
      '}',
      `module.exports.${fn} = ${fn};`,
      '',
    ].join('\n');
    lines.push(block);
    size += block.length + 1;
  }
  return lines.join('\n');
}

function readmeFor(random: () => number, name: string): string {
  const parts = [`# ${name}`, '', words(random, 40), '', '## Usage', '', '```js', `const lib = require(${JSON.stringify(name)});`, '```', ''];
  for (let i = 0; i < 6; i++) parts.push(words(random, 30), '');
  return parts.join('\n');
}

async function buildTarball(files: Array<{ path: string; content: string }>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  for (const file of files) {
    archive.entry({ name: `package/${file.path}`, mode: 0o644, mtime: NPM_MTIME, uid: 0, gid: 0, uname: '', gname: '' }, file.content);
  }
  archive.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

export async function buildVersion(name: string, version: string, dependencies: Record<string, string>): Promise<PackageVersion> {
  const random = prng(seedOf(`${name}@${version}`));
  const deps = Object.keys(dependencies);
  const readme = readmeFor(random, name);
  const manifest: Record<string, unknown> = {
    name,
    version,
    description: `Synthetic benchmark package: ${words(random, 6)}`,
    main: 'index.js',
    license: 'MIT',
    keywords: ['bench', ...words(random, 3).split(' ')],
    author: 'Bulwark bench <bench@bulwark.invalid>',
    repository: { type: 'git', url: `git+https://example.invalid/bench/${name.replace(/^@/, '').replace('/', '-')}.git` },
    engines: { node: '>=18' },
    scripts: { test: 'node -e "process.exit(0)"' },
    dependencies,
  };
  const files = [
    { path: 'package.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
    { path: 'index.js', content: sourceFile(random, 2500 + Math.floor(random() * 2000), deps) },
    { path: 'lib/helpers.js', content: sourceFile(random, 1500 + Math.floor(random() * 1500), []) },
    { path: 'README.md', content: readme },
    { path: 'LICENSE', content: `MIT License\n\nCopyright (c) bench\n\n${words(random, 60)}\n` },
  ];
  const tarball = await buildTarball(files);
  return {
    name,
    version,
    manifest,
    readme,
    tarball,
    integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
    shasum: createHash('sha1').update(tarball).digest('hex'),
  };
}

/** Package names: one in five scoped, to exercise `@scope%2fname` URLs. */
function nameOf(index: number): string {
  const n = String(index).padStart(3, '0');
  return index % 5 === 4 ? `@bench/lib-${n}` : `bench-lib-${n}`;
}

/**
 * `count` packages, `versionsPer` versions each. Package i depends on 3i+1..3i+3 (a ternary tree
 * rooted at package 0) plus, for every fourth package, one edge further down the tree, so the
 * graph shares nodes like a real one. Edges only point to higher indices: no cycles.
 */
export async function buildDataSet(count: number, versionsPer: number): Promise<DataSet> {
  const names = Array.from({ length: count }, (_, i) => nameOf(i));
  const versions = new Map<string, PackageVersion[]>();
  for (let i = 0; i < count; i++) {
    const children = new Set<number>();
    for (let c = 3 * i + 1; c <= 3 * i + 3 && c < count; c++) children.add(c);
    if (i % 4 === 0) {
      const extra = count - 1 - (i % 13);
      if (extra > i) children.add(extra);
    }
    const dependencies: Record<string, string> = {};
    for (const c of [...children].sort((a, b) => a - b)) dependencies[names[c]!] = '^1.0.0';
    const list: PackageVersion[] = [];
    for (let v = 0; v < versionsPer; v++) list.push(await buildVersion(names[i]!, `1.${v}.0`, dependencies));
    versions.set(names[i]!, list);
  }
  return { names, versions, top: names[0]!, closure: count };
}

/** The npm publish document (npm 11's shape) for one version, tarball links aimed at `registryUrl`. */
export function publishBody(pv: PackageVersion, registryUrl: string, tag = 'latest'): string {
  const base = pv.name.startsWith('@') ? pv.name.split('/')[1]! : pv.name;
  return JSON.stringify({
    _id: pv.name,
    name: pv.name,
    description: pv.manifest.description,
    'dist-tags': { [tag]: pv.version },
    versions: {
      [pv.version]: {
        ...pv.manifest,
        readme: pv.readme,
        readmeFilename: 'README.md',
        _id: `${pv.name}@${pv.version}`,
        _nodeVersion: process.versions.node,
        _npmVersion: '11.19.1',
        dist: {
          integrity: pv.integrity,
          shasum: pv.shasum,
          tarball: `${registryUrl}/${pv.name}/-/${base}-${pv.version}.tgz`,
        },
      },
    },
    access: null,
    _attachments: {
      [`${pv.name}-${pv.version}.tgz`]: {
        content_type: 'application/octet-stream',
        data: pv.tarball.toString('base64'),
        length: pv.tarball.length,
      },
    },
  });
}

/** URL path of a packument: scoped names as one escaped segment, as npm sends them. */
export function packumentPath(name: string): string {
  return `/${name.replace('/', '%2f')}`;
}

/** URL path of a tarball as registries lay them out (`/@scope/name/-/name-1.0.0.tgz`). */
export function tarballPath(name: string, version: string): string {
  const base = name.startsWith('@') ? name.split('/')[1]! : name;
  return `/${name}/-/${base}-${version}.tgz`;
}

export function tarballFileName(name: string, version: string): string {
  return `${name.replace('@', '').replace('/', '-')}-${version}.tgz`;
}
