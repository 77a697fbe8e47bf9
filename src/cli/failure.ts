// How the CLI reports a failure: one clear line on stderr and exit code 1. A BulwarkError (seen
// by shape, so the CLI needs no import of platform/errors) shows its stable code, as npm does.

/** A refusal of the CLI itself (bad input, unknown user); its message is shown as it is. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

function stableCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return error.name === 'BulwarkError' && typeof code === 'string' ? code : undefined;
}

export function formatFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = stableCode(error);
  return code ? `${error.message} [${code}]` : error.message;
}
