// Verifying an OIDC ID token: signature with the issuer's keys (RS256 or ES256 only), then the
// registered claims with 30 s of leeway. `aud` must be exactly one audience, ours: a token minted
// for another service (or for several) is not accepted here.
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { issuerUnavailable, tokenInvalid } from './errors.js';
import { IssuerUnavailableError } from './jwks.js';

export const LEEWAY_SECONDS = 30;
const ALGORITHMS = ['RS256', 'ES256'];

export async function verifyIdToken(
  idToken: string,
  { iss, audience, keys, now }: { iss: string; audience: string; keys: JWTVerifyGetKey; now: Date },
): Promise<JWTPayload & { iss: string; exp: number; iat: number; jti: string }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keys, {
      issuer: iss,
      audience,
      algorithms: ALGORITHMS,
      clockTolerance: LEEWAY_SECONDS,
      currentDate: now,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
    }));
  } catch (error) {
    if (error instanceof IssuerUnavailableError) throw issuerUnavailable(error);
    throw tokenInvalid(reasonOf(error, audience));
  }
  const single = typeof payload.aud === 'string' || (Array.isArray(payload.aud) && payload.aud.length === 1);
  if (!single) throw tokenInvalid('it must name exactly one audience');
  // jose checks `iat` is a number; a token issued in the future is refused here.
  if (payload.iat! > now.getTime() / 1000 + LEEWAY_SECONDS) throw tokenInvalid('it was issued in the future');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw tokenInvalid('its `jti` claim is not a token id');
  return payload as JWTPayload & { iss: string; exp: number; iat: number; jti: string };
}

function reasonOf(error: unknown, audience: string): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `it lacks the \`${error.claim}\` claim`;
    switch (error.claim) {
      case 'aud':
        return `its audience is not ${JSON.stringify(audience)}`;
      case 'iss':
        return 'its issuer does not match';
      case 'nbf':
        return 'it is not valid yet';
      default:
        return `its \`${error.claim}\` claim is invalid`;
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'it is not signed with a key its issuer publishes';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'it is signed with an algorithm other than RS256 or ES256';
  return 'it is not a well-formed signed JWT';
}
