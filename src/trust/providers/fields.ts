// Reading a publisher config and a token's claims: strict shapes, one message per field.
import { claimsInvalid } from '../errors.js';
import type { Claims, PublisherConfig } from './types.js';

export interface FieldRule {
  /** How the value must look, for the error message ("owner/repo"). */
  shape: string;
  pattern: RegExp;
  optional?: boolean;
  /** A list of such values (at most 32). */
  list?: boolean;
  /** Stored form, e.g. lower-cased e-mail addresses. */
  normalize?: (value: string) => string;
}

const MAX_LENGTH = 255;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The config's fields, checked against the rules; unknown fields are refused, not ignored. */
export function readConfig(raw: Record<string, unknown>, rules: Record<string, FieldRule>): PublisherConfig {
  const unknown = Object.keys(raw).filter((key) => !(key in rules));
  if (unknown.length > 0) throw claimsInvalid(`Unknown trusted publisher field${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `\`${k}\``).join(', ')}.`);
  const config: Record<string, string | string[]> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const value = raw[key];
    if (value === undefined || value === null || (value === '' && rule.optional)) {
      if (!rule.optional) throw claimsInvalid(`\`${key}\` is required: ${rule.shape}.`);
      continue;
    }
    if (rule.list) {
      if (!Array.isArray(value) || value.length > 32) throw claimsInvalid(`\`${key}\` must be a list of at most 32 values: ${rule.shape}.`);
      const items = value.map((item) => checkValue(key, item, rule));
      if (items.length > 0) config[key] = [...new Set(items)].sort();
      continue;
    }
    config[key] = checkValue(key, value, rule);
  }
  return config;
}

function checkValue(key: string, value: unknown, rule: FieldRule): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH || CONTROL.test(value) || !rule.pattern.test(value)) {
    throw claimsInvalid(`\`${key}\` must be ${rule.shape}.`);
  }
  return rule.normalize ? rule.normalize(value) : value;
}

export function configString(config: PublisherConfig, key: string): string | undefined {
  const value = config[key];
  return typeof value === 'string' ? value : undefined;
}

export function configList(config: PublisherConfig, key: string): readonly string[] {
  const value = config[key];
  return Array.isArray(value) ? value : [];
}

/** A claim that is a non-empty string, or null. */
export function claimString(claims: Claims, name: string): string | null {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export const sameText = (a: string | null, b: string) => a !== null && a === b;
export const sameTextIgnoringCase = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();

export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** An environment name as CI systems allow them: printable, no control characters. */
export const ENVIRONMENT = /^[^\u0000-\u001f\u007f]{1,255}$/;
