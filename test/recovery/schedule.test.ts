// The periodic email-domain check's timer: it runs the check on its interval, stop waits for a
// run in progress and no run starts after it. Synchronised on the runs themselves, not on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleDomainChecks } from '../../src/recovery/index.js';

const REPORT = { accounts: 0, domains: 0, abandoned: [], unknown: [] };

test('runs on its interval; stop waits for the run in progress', async () => {
  // The schedule's timer is unref'd (it never keeps a server process alive): hold the loop open.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    let runs = 0;
    let release!: () => void;
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const schedule = scheduleDomainChecks(async () => {
      runs++;
      started();
      await new Promise<void>((resolve) => (release = resolve));
      return REPORT;
    }, 0.00001); // 36 ms
    await firstStarted;
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await Promise.resolve();
    assert.equal(stopped, false, 'stop waits for the run');
    release();
    await stopping;
    assert.equal(runs, 1);
  } finally {
    clearInterval(keepAlive);
  }
});

test('an interval of 0 never schedules a run', async () => {
  let runs = 0;
  const schedule = scheduleDomainChecks(async () => {
    runs++;
    return REPORT;
  }, 0);
  await schedule.stop();
  assert.equal(runs, 0);
});
