// A rate-limiter-flexible store on the application's own database (SQLite or PostgreSQL through
// Kysely), so attempt counters need no extra connection pool and survive restarts. The table
// is `rate_limits` (migration 008); `expire` is a Unix time in milliseconds, null = never.
// The upsert is one statement (INSERT … ON CONFLICT … RETURNING, on both engines), so two
// processes counting the same key never lose an increment.
import { sql, type Kysely } from 'kysely';
import { RateLimiterRes, type IRateLimiterStoreOptions } from 'rate-limiter-flexible';
import RateLimiterStoreAbstract from 'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js';

interface Row {
  points: number;
  expire: number | null;
}

export class RateLimiterKysely extends RateLimiterStoreAbstract {
  private readonly db: Kysely<any>;

  constructor(opts: Omit<IRateLimiterStoreOptions, 'storeClient'> & { db: Kysely<any> }) {
    super({ ...opts, storeClient: opts.db });
    this.db = opts.db;
  }

  async clearExpired(nowMs = Date.now()): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('expire', '<', nowMs).execute();
  }

  // The methods below are the store interface rate-limiter-flexible calls.
  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<Row> {
    const now = Date.now();
    const newExpire = msDuration > 0 ? now + msDuration : null;
    const query = forceExpire
      ? sql<Row>`INSERT INTO rate_limits (key, points, expire) VALUES (${rlKey}, ${points}, ${newExpire})
          ON CONFLICT (key) DO UPDATE SET points = excluded.points, expire = excluded.expire
          RETURNING points, expire`
      : sql<Row>`INSERT INTO rate_limits (key, points, expire) VALUES (${rlKey}, ${points}, ${newExpire})
          ON CONFLICT (key) DO UPDATE SET
            points = CASE WHEN rate_limits.expire IS NULL OR rate_limits.expire > ${now}
                          THEN rate_limits.points + excluded.points ELSE excluded.points END,
            expire = CASE WHEN rate_limits.expire IS NULL OR rate_limits.expire > ${now}
                          THEN rate_limits.expire ELSE excluded.expire END
          RETURNING points, expire`;
    const result = await query.execute(this.db);
    return toRow(result.rows[0]);
  }

  async _get(rlKey: string): Promise<Row | null> {
    const row = await this.db
      .selectFrom('rate_limits')
      .select(['points', 'expire'])
      .where('key', '=', rlKey)
      .where((eb) => eb.or([eb('expire', '>', Date.now()), eb('expire', 'is', null)]))
      .executeTakeFirst();
    return row ? toRow(row) : null;
  }

  async _delete(rlKey: string): Promise<boolean> {
    const result = await this.db.deleteFrom('rate_limits').where('key', '=', rlKey).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, result: Row): RateLimiterRes {
    const isFirstInDuration = changedPoints === result.points;
    const consumedPoints = isFirstInDuration ? changedPoints : result.points;
    const msBeforeNext = result.expire !== null ? Math.max(result.expire - Date.now(), 0) : -1;
    return new RateLimiterRes(Math.max(this.points - consumedPoints, 0), msBeforeNext, consumedPoints, isFirstInDuration);
  }
}

// PostgreSQL's bigint may come back as a string when the pool was built without our parser.
function toRow(row: unknown): Row {
  const { points, expire } = row as { points: number | string; expire: number | string | null };
  return { points: Number(points), expire: expire === null ? null : Number(expire) };
}
