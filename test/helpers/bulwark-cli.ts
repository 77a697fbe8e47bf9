// The `bulwark` command as a child process (bin/bulwark.js), as an administrator runs it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BULWARK_BIN = fileURLToPath(new URL('../../bin/bulwark.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The inherited environment without any Bulwark setting, so the host cannot leak into the test. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(BULWARK_|S3_)/.test(key) && key !== 'DATABASE_URL' && key !== 'BLOB_URL') env[key] = value;
  }
  return env;
}

/** Runs `bulwark <args>` with `env`, writing `input` to its stdin, and collects its output. */
export function runBulwark(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BULWARK_BIN, ...args], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
