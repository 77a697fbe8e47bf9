// A Pwned Passwords range API on 127.0.0.1 (a free port), serving the range files of a folder
// (by default the small fixture dataset), so no test reaches the real service. It records each
// request, so tests can check that only a 5-hex prefix left Bulwark and that padding was asked.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PWNED_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/pwned-ranges/', import.meta.url));
/** Passwords the fixture lists as leaked (all at least 12 characters, so only the leak refuses them). */
export const LEAKED_PASSWORDS = ['password123456', 'qwertyuiop123', 'correct horse battery staple', 'letmein-letmein'] as const;

export interface PwnedRangeServer {
  url: string;
  requests: Array<{ path: string; headers: IncomingHttpHeaders }>;
  /**
   * `ok` serves ranges; `error` answers 503; `hang` never answers (the client must time out);
   * `flood` streams lines without a Content-Length and never ends (the client must stop reading).
   */
  mode: 'ok' | 'error' | 'hang' | 'flood';
  /** Bytes written in `flood` mode so far. */
  flooded: number;
  close(): Promise<void>;
}

export async function startPwnedRangeServer(dir = PWNED_FIXTURE_DIR): Promise<PwnedRangeServer> {
  const state: PwnedRangeServer = { url: '', requests: [], mode: 'ok', flooded: 0, close: async () => {} };
  const server = createServer(async (request, response) => {
    state.requests.push({ path: request.url ?? '', headers: request.headers });
    if (state.mode === 'hang') return;
    if (state.mode === 'error') return response.writeHead(503).end('unavailable');
    if (state.mode === 'flood') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const line = Buffer.from('0123456789ABCDEF0123456789ABCDEF012:1\r\n'.repeat(1024));
      // Write while the client reads; stop when it goes away.
      const pump = () => {
        while (!response.destroyed && response.write(line)) state.flooded += line.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      response.on('close', () => response.removeAllListeners('drain'));
      return pump();
    }
    const match = /^\/range\/([0-9A-Fa-f]{5})$/.exec(request.url ?? '');
    if (!match) return response.writeHead(400).end('The hash prefix was not in a valid format');
    let body = '';
    try {
      body = await readFile(join(dir, `${match[1]!.toUpperCase()}.txt`), 'utf8');
    } catch {
      body = '';
    }
    // Like the real API with Add-Padding: a few extra suffixes with count 0.
    if (request.headers['add-padding'] === 'true') body += `${body ? '\r\n' : ''}0000000000000000000000000000000000F:0\r\nFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0:0`;
    response.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  state.url = `http://127.0.0.1:${address.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
