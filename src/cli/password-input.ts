// Passwords for admin commands: one line from standard input (`--password-stdin`, for
// scripts), or typed twice at a terminal without echo. Never taken from argv, where `ps` and
// shell history would show it.
import { CliError } from './failure.js';

const MAX_STDIN_BYTES = 64 * 1024;

export async function passwordFromStdin(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_STDIN_BYTES) throw new CliError('--password-stdin expects one line, not a file.');
    chunks.push(bytes);
  }
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (/[\r\n]/.test(password)) throw new CliError('--password-stdin expects the password on a single line.');
  return password;
}

/** Asks twice at a terminal, after `check` accepted the first answer. */
export async function promptNewPassword(check: (password: string) => void | Promise<void>): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CliError('No password given: pipe it to --password-stdin, or run this in a terminal to be asked for it.');
  }
  const password = await promptHidden('Password: ');
  await check(password);
  const again = await promptHidden('Repeat password: ');
  if (again !== password) throw new CliError('The two passwords differ.');
  return password;
}

function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && value === '')) return finish(new CliError('Cancelled.'));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char === '\u001b') return; // an escape sequence (arrow keys): drop the rest of it
        else if (char >= ' ') value += char;
      }
    };
    output.write(question);
    input.setEncoding('utf8');
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
