// JSON bodies: size is capped by Fastify's bodyLimit before we parse; here we refuse prototype
// poisoning and nesting deeper than the limit (checked iteratively, so depth cannot blow the stack).
import secureJson from 'secure-json-parse';
import { BulwarkError, invalid } from '../errors.js';

export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.length === 0) return undefined;
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw invalid('JSON_INVALID', `The request body is not valid JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  checkDepth(value, maxDepth);
  return value;
}

export function checkDepth(root: unknown, maxDepth: number): void {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) {
      throw new BulwarkError('invalid', 'JSON_TOO_DEEP', `The request body nests deeper than ${maxDepth} levels.`);
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}
