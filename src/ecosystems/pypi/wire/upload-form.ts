import type {} from '@fastify/multipart';
// The legacy upload form twine sends (multipart/form-data), gathered into typed fields. Only the
// few fields we act on are typed; the metadata fields are compared against the file, not trusted.
import type { FastifyRequest } from 'fastify';
import { BulwarkError, invalid } from '../../../platform/errors.js';

export interface UploadForm {
  action: string;
  protocolVersion: string;
  name: string;
  version: string;
  filetype: string;
  pyversion: string;
  md5: string | undefined;
  sha256: string | undefined;
  blake2b256: string | undefined;
  attestations: string | undefined;
  filename: string;
  content: Buffer;
}

const MAX_FIELDS = 500;
const MAX_FIELD_BYTES = 1024 * 1024;
const HEX = (length: number) => new RegExp(`^[0-9a-fA-F]{${length}}$`);

export async function readUploadForm(request: FastifyRequest, maxFileBytes: number): Promise<UploadForm> {
  if (!request.isMultipart()) throw invalid('UPLOAD_FORM_INVALID', 'The upload must be multipart/form-data.');
  const fields = new Map<string, string[]>();
  let file: { filename: string; content: Buffer } | undefined;
  try {
    const parts = request.parts({
      limits: { fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, files: 2, fileSize: maxFileBytes, parts: MAX_FIELDS + 2 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        // An obsolete gpg_signature part is read past and dropped.
        const content = await part.toBuffer();
        if (part.fieldname !== 'content') continue;
        if (file) throw invalid('UPLOAD_FORM_INVALID', 'Upload one file per request.');
        file = { filename: part.filename, content };
      } else {
        const values = fields.get(part.fieldname) ?? [];
        values.push(String(part.value));
        fields.set(part.fieldname, values);
      }
    }
  } catch (error) {
    if (error instanceof BulwarkError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLargeFile(maxFileBytes);
    if (code.startsWith('FST_')) throw invalid('UPLOAD_FORM_INVALID', `The upload form is malformed or over its limits (${code}).`);
    throw error;
  }
  const one = (name: string): string => fields.get(name)?.[0] ?? '';
  const digest = (name: string, length: number): string | undefined => {
    const value = one(name).trim();
    if (value === '') return undefined;
    if (!HEX(length).test(value)) throw invalid('DIGEST_INVALID', `${name} must be ${length} hexadecimal characters.`);
    return value.toLowerCase();
  };
  if (!file) throw invalid('UPLOAD_FORM_INVALID', 'Upload a file in the content field.');
  const form: UploadForm = {
    action: one(':action'),
    protocolVersion: one('protocol_version'),
    name: one('name'),
    version: one('version'),
    filetype: one('filetype'),
    pyversion: one('pyversion'),
    md5: digest('md5_digest', 32),
    sha256: digest('sha256_digest', 64),
    blake2b256: digest('blake2_256_digest', 64),
    attestations: fields.get('attestations')?.[0],
    filename: file.filename,
    content: file.content,
  };
  if (!form.sha256 && !form.blake2b256 && !form.md5) {
    throw invalid('DIGEST_MISSING', 'Include at least one message digest (sha256_digest, blake2_256_digest).');
  }
  return form;
}

function tooLargeFile(limit: number) {
  return new BulwarkError('too_large', 'ARTIFACT_TOO_LARGE', `The artifact is larger than ${limit} bytes.`);
}
