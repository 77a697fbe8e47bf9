// The only module that reads the environment. One zod schema, each field with its variable,
// default and description; the README's table and `bulwark config check` are derived from it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

interface FieldSpec {
  env: string;
  description: string;
  secret?: boolean;
  schema: z.ZodType;
}

const port = z.coerce.number().int().min(0).max(65535);
const bytes = z.coerce.number().int().positive();

/** The CI identity providers trusted publishing knows; each issuer names the one its tokens come from. */
export const oidcProviders = ['github', 'gitlab', 'google', 'circleci', 'activestate'] as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** https, or plain http to a loopback address (test issuers). */
function isOidcUrl(text: string): boolean {
  try {
    const url = new URL(text);
    if (url.username || url.password || url.search || url.hash) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return false;
  }
}
const oidcUrl = z.string().refine(isOidcUrl, 'must be an https URL (http only on a loopback address), without credentials, query or fragment');
// An issuer is its exact `iss` URL, or a prefix ending in `/*` standing for one more path
// segment (CircleCI's issuer is https://oidc.circleci.com/org/<org-id>).
function isOidcIssuerKey(text: string): boolean {
  return isOidcUrl(text) && !text.endsWith('/') && (!text.includes('*') || (text.endsWith('/*') && text.indexOf('*') === text.length - 1));
}
const oidcIssuer = z
  .object({
    provider: z.enum(oidcProviders),
    /** Where the issuer's keys are; discovered from `<iss>/.well-known/openid-configuration` when unset. */
    jwksUrl: oidcUrl.optional(),
    /** The audience this issuer's tokens must carry instead of the ecosystem's own. */
    audience: z.string().min(1).max(256).optional(),
  })
  .strict();
export const defaultOidcIssuers = {
  'https://token.actions.githubusercontent.com': { provider: 'github' },
  'https://gitlab.com': { provider: 'gitlab' },
  'https://accounts.google.com': { provider: 'google' },
  'https://oidc.circleci.com/org/*': { provider: 'circleci' },
  'https://platform.activestate.com/api/v1/oauth/oidc': { provider: 'activestate' },
} as const;
const oidcIssuers = z
  .unknown()
  .transform((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of issuer URL to { provider, jwksUrl?, audience? }' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(z.string(), oidcIssuer).superRefine((issuers, ctx) => {
      for (const iss of Object.keys(issuers)) {
        if (!isOidcIssuerKey(iss)) {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(iss)} is not an issuer URL: https (http only on loopback), no trailing slash, \`*\` only as a whole last segment`,
          });
        }
      }
    }),
  )
  .transform((issuers) => Object.freeze(Object.fromEntries(Object.entries(issuers).map(([iss, issuer]) => [iss, Object.freeze(issuer)]))))
  .prefault(defaultOidcIssuers);

/** Every setting, in the order the README lists them. */
export const configFields = {
  host: { env: 'BULWARK_HOST', description: 'Address to listen on.', schema: z.string().default('127.0.0.1') },
  port: { env: 'BULWARK_PORT', description: 'TCP port to listen on (0 picks a free one).', schema: port.default(4873) },
  dataDir: {
    env: 'BULWARK_DATA_DIR',
    description: 'Folder for the embedded SQLite database, blobs and mail.',
    schema: z.string().default('./data'),
  },
  publicUrl: {
    env: 'BULWARK_PUBLIC_URL',
    description: 'Base URL clients reach the registry at; written into tarball links. Defaults to http://HOST:PORT.',
    schema: z.string().url().optional(),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    description: 'postgres://… to use PostgreSQL; unset for SQLite in the data folder.',
    secret: true,
    schema: z.string().optional(),
  },
  blobUrl: {
    env: 'BLOB_URL',
    description: 'Where artifacts live: file:/path, or s3://bucket/prefix (see the S3_* settings). Defaults to file:DATA_DIR/blobs.',
    schema: z.string().optional(),
  },
  s3Endpoint: {
    env: 'S3_ENDPOINT',
    description: 'S3-compatible endpoint URL (MinIO, Ceph, s3rver…); unset for AWS.',
    schema: z.string().url().optional(),
  },
  s3Region: { env: 'S3_REGION', description: 'S3 region.', schema: z.string().default('us-east-1') },
  s3AccessKeyId: { env: 'S3_ACCESS_KEY_ID', description: 'S3 access key id.', secret: true, schema: z.string().optional() },
  s3SecretAccessKey: {
    env: 'S3_SECRET_ACCESS_KEY',
    description: 'S3 secret access key.',
    secret: true,
    schema: z.string().optional(),
  },
  s3ForcePathStyle: {
    env: 'S3_FORCE_PATH_STYLE',
    description: 'Use path-style S3 URLs (needed by most self-hosted S3 servers).',
    schema: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  },
  adminPassword: {
    env: 'BULWARK_ADMIN_PASSWORD',
    description: 'Password of the `admin` account created on first start; a one-time password is generated and printed when unset.',
    secret: true,
    schema: z.string().min(12).optional(),
  },
  securityContact: {
    env: 'BULWARK_SECURITY_CONTACT',
    description: 'Contact written into /.well-known/security.txt (mailto: or https: URI).',
    schema: z.string().default('mailto:security@bulwark.invalid'),
  },
  dnsServers: {
    env: 'BULWARK_DNS_SERVERS',
    description:
      'Resolvers the abandoned-email-domain check asks, comma-separated IP addresses with optional ports (`127.0.0.1:5353`, `[::1]:53`); unset uses the system resolvers.',
    schema: z
      .string()
      .optional()
      .transform((text) => Object.freeze((text ?? '').split(',').map((s) => s.trim()).filter(Boolean)))
      .pipe(z.array(z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/, 'must be IP addresses with optional ports')).readonly()),
  },
  dnsTimeoutMs: {
    env: 'BULWARK_DNS_TIMEOUT_MS',
    description: 'Timeout of one DNS query (and twice it for an RDAP request) of the email domain check; a timeout counts as unknown, never abandoned.',
    schema: z.coerce.number().int().min(50).max(60_000).default(3000),
  },
  rdapUrl: {
    env: 'BULWARK_RDAP_URL',
    description: 'RDAP base URL for the registration-expiry check of email domains (`<url>/domain/<name>`, e.g. https://rdap.org); unset skips RDAP.',
    schema: z.string().url().optional(),
  },
  domainCheckIntervalHours: {
    env: 'BULWARK_DOMAIN_CHECK_INTERVAL_HOURS',
    description: "How often the server checks the domains of every user's verified email addresses (0 turns the periodic check off; `bulwark accounts check-domains` runs it once).",
    schema: z.coerce.number().min(0).max(24 * 24).default(24),
  },
  oidcIssuers: {
    env: 'BULWARK_OIDC_ISSUERS',
    description:
      'Trusted publishing: JSON object of OIDC issuer URL (`iss`; a trailing `/*` stands for one path segment) to ' +
      '`{"provider", "jwksUrl"?, "audience"?}`; providers: github, gitlab, google, circleci, activestate. The JWKS is discovered from ' +
      '`<iss>/.well-known/openid-configuration` unless `jwksUrl` is set. Replaces the defaults; `{}` turns trusted publishing off.',
    schema: oidcIssuers,
  },
  sigstoreTrustedRoot: {
    env: 'BULWARK_SIGSTORE_TRUSTED_ROOT',
    description:
      'Path of a Sigstore TrustedRoot JSON file (the Fulcio CAs, Rekor logs and CT logs attestations are verified against); read at start, ' +
      'never fetched. Unset: uploads with attestations are refused.',
    schema: z.string().min(1).optional(),
  },
  smtpUrl: {
    env: 'BULWARK_SMTP_URL',
    description:
      'Send mail over SMTP: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465 (TLS from the start). Unset: each message ' +
      'is written as an .eml file under DATA_DIR/mail and logged (recipient and subject only).',
    secret: true,
    schema: z
      .string()
      .refine((v) => /^smtps?:\/\/[^/]/.test(v), 'must be an smtp:// or smtps:// URL')
      .optional(),
  },
  mailFrom: {
    env: 'BULWARK_MAIL_FROM',
    description: 'The From address of the mail the registry sends.',
    schema: z.string().min(3).default('Bulwark <bulwark@localhost>'),
  },
  registration: {
    env: 'BULWARK_REGISTRATION',
    description: 'Who may create an account: `open` (anyone, on /account/register; the address must be verified before publishing) or `closed` (administrators only, `bulwark user create`).',
    schema: z.enum(['open', 'closed']).default('open'),
  },
  signUpsPerHour: {
    env: 'BULWARK_SIGN_UPS_PER_HOUR',
    description: 'How many sign-ups one IP address may make per hour on /account/register; then it waits an hour (doubling up to a day).',
    schema: z.coerce.number().int().min(1).max(100_000).default(10),
  },
  packumentMaxAge: {
    env: 'BULWARK_PACKUMENT_MAX_AGE',
    description: 'Cache-Control max-age, in seconds, of package documents.',
    schema: z.coerce.number().int().min(0).default(0),
  },
  unpublishWindowHours: {
    env: 'BULWARK_UNPUBLISH_WINDOW_HOURS',
    description: 'A version may be unpublished this many hours after publication (0 forbids unpublishing).',
    schema: z.coerce.number().min(0).default(72),
  },
  unpublishWithDependents: {
    env: 'BULWARK_UNPUBLISH_WITH_DEPENDENTS',
    description: 'Allow unpublishing a version other packages in the registry depend on.',
    schema: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  },
  downloadsFlushSeconds: {
    env: 'BULWARK_DOWNLOADS_FLUSH_SECONDS',
    description: 'Download counts are kept in memory and added to the database at least this often (and at shutdown).',
    schema: z.coerce.number().int().min(1).max(3600).default(30),
  },
  criticalRefreshSeconds: {
    env: 'BULWARK_CRITICAL_REFRESH_SECONDS',
    description: 'How long the ranking of critical packages (top 1% by downloads over 90 days) is reused before it is computed again.',
    schema: z.coerce.number().int().min(1).max(86_400).default(600),
  },
  maxBodyBytes: {
    env: 'BULWARK_MAX_BODY_BYTES',
    description: 'Largest request body accepted (a publish carries its tarball base64-encoded in it).',
    schema: bytes.default(64 * 1024 * 1024),
  },
  maxJsonDepth: {
    env: 'BULWARK_MAX_JSON_DEPTH',
    description: 'Deepest nesting accepted in a JSON body.',
    schema: bytes.default(64),
  },
  maxArtifactBytes: {
    env: 'BULWARK_MAX_ARTIFACT_BYTES',
    description: 'Largest artifact (compressed) accepted.',
    schema: bytes.default(32 * 1024 * 1024),
  },
  maxUnpackedBytes: {
    env: 'BULWARK_MAX_UNPACKED_BYTES',
    description: 'Largest total unpacked size of an artifact.',
    schema: bytes.default(256 * 1024 * 1024),
  },
  maxArchiveEntries: {
    env: 'BULWARK_MAX_ARCHIVE_ENTRIES',
    description: 'Most files an artifact may contain.',
    schema: bytes.default(20_000),
  },
  maxCompressionRatio: {
    env: 'BULWARK_MAX_COMPRESSION_RATIO',
    description: 'Largest unpacked/compressed size ratio accepted (zip-bomb guard).',
    schema: bytes.default(200),
  },
  sessionSecret: {
    env: 'BULWARK_SESSION_SECRET',
    description: 'Secret for signing web CSRF tokens; generated and kept in the data folder when unset.',
    secret: true,
    schema: z.string().min(32).optional(),
  },
  secureCookies: {
    env: 'BULWARK_SECURE_COOKIES',
    description: 'Mark cookies Secure; defaults to true when the public URL is https.',
    schema: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  },
  leakCheckUrl: {
    env: 'BULWARK_PWNED_PASSWORDS_URL',
    description:
      'Leaked-password check: base URL of a Pwned Passwords range API (`<url>/range/<5 hex>`; only a 5-hex SHA-1 prefix is sent), ' +
      'or `off`. Unreachable: the password is accepted and a warning logged. Ignored when BULWARK_PWNED_PASSWORDS_DIR is set.',
    schema: z.union([z.literal('off'), z.string().url()]).default('https://api.pwnedpasswords.com'),
  },
  leakCheckDir: {
    env: 'BULWARK_PWNED_PASSWORDS_DIR',
    description: 'Leaked-password check offline: a folder of range files `<5 HEX>.txt` (lines `SUFFIX:COUNT`, as the official downloader writes them).',
    schema: z.string().min(1).optional(),
  },
  leakCheckTimeoutMs: {
    env: 'BULWARK_PWNED_PASSWORDS_TIMEOUT_MS',
    description: 'How long to wait for the range API before accepting the password unchecked.',
    schema: z.coerce.number().int().positive().default(3000),
  },
  redisUrl: {
    env: 'BULWARK_REDIS_URL',
    description:
      'redis://… to keep failed-attempt counters (sign-in lockouts) in Redis, shared by every instance; unset keeps them in the database.',
    secret: true,
    schema: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  },
  logLevel: {
    env: 'BULWARK_LOG_LEVEL',
    description: 'pino log level (fatal, error, warn, info, debug, trace, silent).',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  },
} satisfies Record<string, FieldSpec>;

type Fields = typeof configFields;
type Parsed = { [K in keyof Fields]: z.output<Fields[K]['schema']> };

export interface Config extends Omit<Parsed, 'publicUrl' | 'blobUrl' | 'dataDir' | 'secureCookies'> {
  dataDir: string;
  publicUrl: string;
  blobUrl: string;
  secureCookies: boolean;
}

export type ConfigOverrides = Partial<{ [K in keyof Fields]: unknown }>;

/**
 * Builds the frozen Config from an environment (process.env by default), an optional JSON file
 * named by BULWARK_CONFIG (environment wins over the file), and explicit overrides (tests, CLI flags).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const fromFile = env.BULWARK_CONFIG ? readConfigFile(env.BULWARK_CONFIG) : {};
  const raw: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configFields)) {
    const value = key in overrides ? overrides[key as keyof Fields] : (env[field.env] ?? fromFile[key] ?? fromFile[field.env]);
    raw[key] = value === '' ? undefined : value;
  }
  const shape = Object.fromEntries(Object.entries(configFields).map(([k, f]) => [k, f.schema]));
  const result = z.object(shape).safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof Fields;
      return `${configFields[key]?.env ?? key}: ${issue.message}`;
    });
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const parsed = result.data as Parsed;
  const dataDir = resolve(parsed.dataDir);
  const publicUrl = (parsed.publicUrl ?? `http://${formatHost(parsed.host)}:${parsed.port}`).replace(/\/+$/, '');
  return Object.freeze({
    ...parsed,
    dataDir,
    publicUrl,
    blobUrl: parsed.blobUrl ?? `file:${resolve(dataDir, 'blobs')}`,
    secureCookies: parsed.secureCookies ?? publicUrl.startsWith('https:'),
  });
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function readConfigFile(path: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`Invalid configuration: ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The configuration as `bulwark config check` prints it: secrets replaced by a marker. */
export function describeConfig(config: Config): Array<{ env: string; value: string }> {
  return Object.entries(configFields).map(([key, field]) => {
    const value = (config as unknown as Record<string, unknown>)[key];
    const secret = 'secret' in field && field.secret;
    const shown = value === undefined ? '(unset)' : secret ? '(set, redacted)' : showValue(value);
    return { env: field.env, value: key === 'databaseUrl' && value ? redactUrl(String(value)) : shown };
  });
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '(set, redacted)';
  }
}

/** A setting's value as text: objects (the OIDC issuers) as JSON. */
function showValue(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Markdown table of every setting, for the README. */
export function configTableMarkdown(): string {
  const rows = Object.values(configFields).map((field) => {
    const parsed = field.schema.safeParse(undefined);
    const fallback = parsed.success && parsed.data !== undefined ? `\`${showValue(parsed.data)}\`` : '—';
    return `| \`${field.env}\` | ${fallback} | ${field.description} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
