/**
 * The Redis connection of the job queue (BullMQ on Redis): parsed from a `redis://` or
 * `rediss://` URL, with the password taken from the URL or `$ACTIVEKD_REDIS_PASSWORD`. Passwords
 * never appear in logs or results: print {@link QueueConnection.redacted}, never the URL.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../util/errors.ts';

/** A parsed queue address. */
export interface QueueConnection {
  /** ioredis options (host, port, db, credentials, TLS) with reconnection settings for long runs. */
  readonly options: ConnectionOptions;
  /** The URL with user and password removed, for logs: `redis://host:6379/0`. */
  readonly redacted: string;
  /** BullMQ key prefix (default `activekd`). */
  readonly prefix: string;
}

/** Options of {@link parseQueueUrl} passed through to ioredis. */
export interface QueueConnectionOptions {
  /** PEM file of the CA that signed the server certificate (`rediss://` only). */
  tlsCa?: string;
  /** Password when the URL has none (default `$ACTIVEKD_REDIS_PASSWORD`). */
  password?: string;
  /** BullMQ key prefix, to let several projects share one Redis. */
  prefix?: string;
}

/** `redis://[user:pass@]host[:port][/db]` with credentials dropped. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port || '6379'}/${u.pathname.replace(/^\//, '') || '0'}`;
  } catch {
    return '<unparsable queue URL>';
  }
}

/**
 * Parses `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS).
 * @throws UserError naming the (redacted) URL when it is not a Redis URL or the db is not an integer
 */
export function parseQueueUrl(url: string, o: QueueConnectionOptions = {}): QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue: not a URL (expected redis://HOST:PORT[/DB]): ${redactUrl(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UserError(`--queue: expected a redis:// or rediss:// URL, got ${u.protocol}//…`);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new UserError(`--queue: database must be a non-negative integer in ${redactUrl(url)}`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const password = u.password !== '' ? decodeURIComponent(u.password) : (o.password ?? process.env.ACTIVEKD_REDIS_PASSWORD);
  const tls = u.protocol === 'rediss:' ? { ...(o.tlsCa ? { ca: readFileSync(o.tlsCa) } : {}) } : undefined;
  const options: ConnectionOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls } : {}),
    // Wait through Redis restarts instead of failing commands (BullMQ workers require null).
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
  return { options, redacted: redactUrl(url), prefix: o.prefix ?? 'activekd' };
}

/**
 * Checks that the queue's Redis server answers (one PING, no retries) before a parent command
 * queues work: with an unreachable server BullMQ would wait forever (it retries through Redis
 * restarts), and the command would hang without a word. Workers do not call this: they wait.
 * @param timeoutMs connection timeout (default 5 s)
 * @throws UserError naming the (redacted) URL and the connection error
 */
export async function checkQueueReachable(conn: QueueConnection, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...(conn.options as RedisOptions), lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: timeoutMs });
  let cause: Error | undefined;
  client.on('error', (e: Error) => (cause ??= e)); // the socket error (e.g. ECONNREFUSED), reported below
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (cause ?? (e instanceof Error ? e : new Error(String(e)))).message;
    throw new UserError(`cannot reach the queue server ${conn.redacted}: ${why} (is redis-server running there and reachable from this machine?)`);
  } finally {
    client.disconnect();
  }
}
