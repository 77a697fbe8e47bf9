export { anonymous, eventActor, type Actor, type UserActor, type AnonymousActor, type SecondFactorProof } from './actor.js';
export { can, authorize, readsEveryPackage, requireUser, isRouteAction, routeNeedsUser, type Action, type Resource, type PackageResource } from './policy.js';
