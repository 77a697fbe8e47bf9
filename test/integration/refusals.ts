// Shared by the refusal suites: a refusal is proven by its status, its stable code (also inside
// `error`, the only field npm prints), and rows, blobs and events left exactly as they were.
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/test-app.js';
import type { JsonResponse } from '../helpers/tarball.js';

export interface Snapshot {
  rows: Record<string, number>;
  blobs: string[];
  events: Array<{ type: string; subject: string }>;
}

export async function snapshot(t: TestApp): Promise<Snapshot> {
  return { rows: await t.rowCounts(), blobs: await t.storedBlobs(), events: await t.events() };
}

export async function assertUnchanged(t: TestApp, before: Snapshot): Promise<void> {
  const afterwards = await snapshot(t);
  assert.deepEqual(afterwards.rows, before.rows, 'row counts unchanged');
  assert.deepEqual(afterwards.blobs, before.blobs, 'stored blobs unchanged');
  assert.deepEqual(afterwards.events, before.events, 'no new events');
}

/**
 * Runs `run` and fails if the server (in this process) raised an uncaught exception meanwhile
 * or just after: in production that exception ends the process, so one request would take the
 * registry down. node:test alone would only print a warning for it.
 */
export async function withoutUncaughtExceptions<T>(run: () => Promise<T>): Promise<T> {
  const seen: unknown[] = [];
  const listener = (error: unknown) => seen.push(error);
  process.on('uncaughtException', listener);
  try {
    const result = await run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      seen.map((e) => String((e as Error)?.stack ?? e)),
      [],
      'no uncaught exception while handling the request',
    );
    return result;
  } finally {
    process.off('uncaughtException', listener);
  }
}

/** Checks status and code of a refusal, without the storage snapshot. */
export function assertRefusal(response: JsonResponse, status: number, code: string): void {
  assert.equal(response.status, status, `status (body: ${response.text.slice(0, 500)})`);
  assert.equal(response.json?.code, code, `code (body: ${response.text.slice(0, 500)})`);
  assert.equal(typeof response.json.error, 'string');
  assert.ok(response.json.error.includes(code), `error ${JSON.stringify(response.json.error)} names ${code}`);
}

/** Sends the request and proves the refusal: status, code, code in `error`, nothing stored. */
export async function assertRefused(
  t: TestApp,
  send: () => Promise<JsonResponse>,
  status: number,
  code: string,
): Promise<JsonResponse> {
  const before = await snapshot(t);
  const response = await withoutUncaughtExceptions(send);
  assertRefusal(response, status, code);
  await assertUnchanged(t, before);
  return response;
}
