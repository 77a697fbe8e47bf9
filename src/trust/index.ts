export {
  createTrustService,
  MINTED_TOKEN_SECONDS,
  type ExchangeRequest,
  type ExchangeResult,
  type NewPublisher,
  type PublisherView,
  type TrustDeps,
  type TrustPackage,
  type TrustService,
} from './service.js';
export type { IssuerSetting, IssuerSettings } from './issuers.js';
export type { Provider, PublisherConfig } from './providers/index.js';
