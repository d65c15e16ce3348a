/**
 * A private Redis for the queue tests: `redis-server` on a free loopback port with a temporary
 * directory and no persistence, stopped afterwards. Without redis-server the tests are skipped with
 * one line naming what to install, except under CI=true, where it fails (same rule as `browserSkip`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { findExecutable, tempDir } from '../helpers.ts';

/** `$ACTIVEKD_REDIS_SERVER`, else `redis-server` on PATH (Debian package `redis-server`, installed by .ci/run). */
export const REDIS_SERVER = findExecutable('redis-server', 'ACTIVEKD_REDIS_SERVER');

/** false to run the queue tests, or the skip message. @throws Error under CI when redis-server is missing. */
export function redisSkip(env: Record<string, string | undefined> = process.env, exists: (p: string) => boolean = existsSync): string | false {
  if (exists(REDIS_SERVER)) return false;
  if (env.CI === 'true' || env.CI === '1') throw new Error(`${REDIS_SERVER} is missing under CI: install the Debian package redis-server (see .ci/run)`);
  return `${REDIS_SERVER} not found: queue test skipped (install it with: apt-get install -y redis-server)`;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = connect(port, '127.0.0.1');
    c.once('error', () => res(false));
    c.once('connect', () => c.write('PING\r\n'));
    c.once('data', (d) => {
      c.destroy();
      res(d.toString().startsWith('+PONG'));
    });
  });
}

/** A running private Redis. */
export interface TestRedis {
  port: number;
  url: string;
  dir: string;
  /** Kills it and starts it again on the same port (its data is lost: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a private Redis on a free 127.0.0.1 port. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = tempDir('activekd-redis-');
  let proc: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    const log = openSync(join(dir, 'redis.log'), 'a');
    proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', log, log] });
    for (let i = 0; i < 100; i++) {
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not start on port ${port} (log: ${join(dir, 'redis.log')})`);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((res) => {
      p.once('exit', () => res());
      p.kill('SIGKILL');
    });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
  };
}

/** Whether a redis-server binary runs at all (for a clearer failure than a timeout). */
export function redisVersion(): string {
  return spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' }).stdout.trim();
}
