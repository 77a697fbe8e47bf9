// The device a request comes from, as the accounts feature's known-device check reads it.
import type { FastifyRequest } from 'fastify';
import type { DeviceInfo } from '../accounts/index.js';

export function deviceOf(request: FastifyRequest, via: DeviceInfo['via'] = 'web'): DeviceInfo {
  const userAgent = request.headers['user-agent'];
  return { userAgent: typeof userAgent === 'string' ? userAgent : undefined, ip: request.ip, via };
}
