// The configuration schema: defaults, environment overrides, errors that name the variable,
// redaction for `bulwark config check`, and the README table generated from it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configFields, configTableMarkdown, describeConfig, loadConfig } from '../../src/platform/config.js';

const DATA_DIR = resolve(tmpdir(), 'bulwark-config-test');
const base = { BULWARK_DATA_DIR: DATA_DIR };

function valueOf(rows: Array<{ env: string; value: string }>, env: string): string | undefined {
  return rows.find((row) => row.env === env)?.value;
}

describe('loadConfig', () => {
  test('defaults', () => {
    const config = loadConfig(base);
    assert.equal(config.port, 4873);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, DATA_DIR);
    assert.equal(config.blobUrl, `file:${join(DATA_DIR, 'blobs')}`);
    assert.equal(config.publicUrl, 'http://127.0.0.1:4873');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.adminPassword, undefined);
    assert.equal(config.secureCookies, false);
    assert.equal(config.s3ForcePathStyle, true);
    assert.equal(config.unpublishWithDependents, false);
    assert.equal(config.logLevel, 'info');
    assert.ok(Object.isFrozen(config));
  });

  test('the data folder defaults to ./data, resolved', () => {
    assert.equal(loadConfig({}).dataDir, resolve('data'));
  });

  test('environment variables override the defaults', () => {
    const config = loadConfig({
      ...base,
      BULWARK_HOST: '0.0.0.0',
      BULWARK_PORT: '8080',
      BULWARK_UNPUBLISH_WINDOW_HOURS: '0',
      BULWARK_UNPUBLISH_WITH_DEPENDENTS: 'true',
      S3_FORCE_PATH_STYLE: 'false',
      BULWARK_MAX_ARTIFACT_BYTES: '1024',
      BULWARK_LOG_LEVEL: 'silent',
    });
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 8080);
    // A wildcard listen address is not a URL clients can reach; loopback stands in for it.
    assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(config.unpublishWindowHours, 0);
    assert.equal(config.unpublishWithDependents, true);
    assert.equal(config.s3ForcePathStyle, false);
    assert.equal(config.maxArtifactBytes, 1024);
    assert.equal(config.logLevel, 'silent');
  });

  test('an IPv6 host is bracketed in the default public URL', () => {
    assert.equal(loadConfig({ ...base, BULWARK_HOST: '::1', BULWARK_PORT: '9000' }).publicUrl, 'http://[::1]:9000');
  });

  test('an explicit public URL loses its trailing slash and turns on secure cookies when https', () => {
    const config = loadConfig({ ...base, BULWARK_PUBLIC_URL: 'https://registry.example.test/' });
    assert.equal(config.publicUrl, 'https://registry.example.test');
    assert.equal(config.secureCookies, true);
    assert.equal(loadConfig({ ...base, BULWARK_PUBLIC_URL: 'https://r.example.test', BULWARK_SECURE_COOKIES: 'false' }).secureCookies, false);
  });

  test('BLOB_URL and DATABASE_URL are taken as given', () => {
    const config = loadConfig({ ...base, BLOB_URL: 's3://bucket/prefix', DATABASE_URL: 'postgres://u:p@db.example.test/bulwark' });
    assert.equal(config.blobUrl, 's3://bucket/prefix');
    assert.equal(config.databaseUrl, 'postgres://u:p@db.example.test/bulwark');
  });

  test('an empty variable counts as unset', () => {
    assert.equal(loadConfig({ ...base, BULWARK_PORT: '' }).port, 4873);
  });

  test('explicit overrides win over the environment', () => {
    assert.equal(loadConfig({ ...base, BULWARK_PORT: '8080' }, { port: 0 }).port, 0);
  });

  test('a BULWARK_CONFIG file is read, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-config-'));
    try {
      const file = join(dir, 'bulwark.json');
      writeFileSync(file, JSON.stringify({ port: 5000, BULWARK_HOST: '127.0.0.2', logLevel: 'warn' }));
      const config = loadConfig({ ...base, BULWARK_CONFIG: file, BULWARK_LOG_LEVEL: 'error' });
      assert.equal(config.port, 5000);
      assert.equal(config.host, '127.0.0.2');
      assert.equal(config.logLevel, 'error');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const invalid: Array<[string, string]> = [
    ['BULWARK_PORT', 'abc'],
    ['BULWARK_PORT', '70000'],
    ['BULWARK_PUBLIC_URL', 'not a url'],
    ['BULWARK_MAX_ARTIFACT_BYTES', '-1'],
    ['BULWARK_LOG_LEVEL', 'loud'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
    ['BULWARK_ADMIN_PASSWORD', 'short'],
    ['BULWARK_SESSION_SECRET', 'too-short'],
  ];
  for (const [variable, value] of invalid) {
    test(`${variable}=${value} is refused with an error naming ${variable}`, () => {
      assert.throws(
        () => loadConfig({ ...base, [variable]: value }),
        (error: Error) => {
          assert.match(error.message, /^Invalid configuration/);
          assert.match(error.message, new RegExp(`\\b${variable}: `));
          return true;
        },
      );
    });
  }

  test('a secret value never appears in the error about it', () => {
    assert.throws(
      () => loadConfig({ ...base, BULWARK_ADMIN_PASSWORD: 'hunter2' }),
      (error: Error) => !error.message.includes('hunter2'),
    );
  });

  test('every problem is listed, not only the first', () => {
    assert.throws(
      () => loadConfig({ ...base, BULWARK_PORT: 'abc', BULWARK_LOG_LEVEL: 'loud' }),
      (error: Error) => /BULWARK_PORT/.test(error.message) && /BULWARK_LOG_LEVEL/.test(error.message),
    );
  });
});

describe('describeConfig', () => {
  const secrets = {
    ...base,
    BULWARK_ADMIN_PASSWORD: 'admin-password-not-to-show',
    BULWARK_SESSION_SECRET: 'session-secret-not-to-show-0123456789abcdef',
    S3_ACCESS_KEY_ID: 'access-key-not-to-show',
    S3_SECRET_ACCESS_KEY: 'secret-key-not-to-show',
    DATABASE_URL: 'postgres://bulwark:db-password-not-to-show@db.example.test:5432/bulwark',
  };

  test('lists every setting once, in schema order', () => {
    const rows = describeConfig(loadConfig(base));
    assert.deepEqual(
      rows.map((row) => row.env),
      Object.values(configFields).map((field) => field.env),
    );
  });

  test('redacts secrets and keeps the rest', () => {
    const rows = describeConfig(loadConfig(secrets));
    const text = JSON.stringify(rows);
    for (const secret of ['admin-password', 'session-secret', 'access-key', 'secret-key', 'db-password']) {
      assert.ok(!text.includes(`${secret}-not-to-show`), `${secret} must be redacted`);
    }
    assert.equal(valueOf(rows, 'BULWARK_ADMIN_PASSWORD'), '(set, redacted)');
    assert.equal(valueOf(rows, 'S3_SECRET_ACCESS_KEY'), '(set, redacted)');
    // The database URL keeps where it points, not how to get in.
    assert.equal(valueOf(rows, 'DATABASE_URL'), 'postgres://bulwark:redacted@db.example.test:5432/bulwark');
    assert.equal(valueOf(rows, 'BULWARK_PORT'), '4873');
  });

  test('shows unset secrets as unset', () => {
    const rows = describeConfig(loadConfig(base));
    assert.equal(valueOf(rows, 'BULWARK_ADMIN_PASSWORD'), '(unset)');
    assert.equal(valueOf(rows, 'DATABASE_URL'), '(unset)');
  });

  test('every field that holds a credential is marked secret', () => {
    for (const [key, field] of Object.entries(configFields)) {
      if (/password|secret|accessKey|databaseUrl/i.test(key)) {
        assert.ok('secret' in field && field.secret, `${field.env} must be marked secret`);
      }
    }
  });
});

describe('README configuration table', () => {
  const START = '<!-- config-table:start -->';
  const END = '<!-- config-table:end -->';

  test('holds exactly the table generated from the schema', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    assert.ok(start >= 0 && end > start, `README.md must contain ${START} … ${END}`);
    const inReadme = readme.slice(start + START.length, end).trim();
    assert.equal(
      inReadme,
      configTableMarkdown(),
      'The README config table is out of date: run `npx tsx scripts/config-table.ts --write`.',
    );
  });

  test('lists every variable with its description', () => {
    const table = configTableMarkdown();
    for (const field of Object.values(configFields)) {
      assert.ok(table.includes(`| \`${field.env}\` |`), `${field.env} is missing from the table`);
      assert.ok(table.includes(field.description), `${field.env}'s description is missing`);
    }
  });
});
