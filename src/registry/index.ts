export { createRegistryService, type RegistryService, type OpenedArtifact, type SearchHit } from './service.js';
export type { RenderedDocument } from './read-cache.js';
export type {
  Access,
  ArtifactView,
  DependencyRef,
  EcosystemRules,
  PackageHead,
  PackageView,
  PersonView,
  PublishRequest,
  PublishResult,
  StepUpCheck,
  VersionView,
} from './types.js';
