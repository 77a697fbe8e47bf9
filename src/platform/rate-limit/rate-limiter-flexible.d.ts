// The store base class rate-limiter-flexible ships but does not export from its index; our
// Kysely store extends it (kysely-store.ts).
declare module 'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js' {
  import { RateLimiterStoreAbstract as Base } from 'rate-limiter-flexible';
  const RateLimiterStoreAbstract: typeof Base;
  export default RateLimiterStoreAbstract;
}
