/**
 * The labeling web page and its small REST API (DESIGN.md `server/`), on fastify.
 *
 * Security model:
 * - binds 127.0.0.1 unless told otherwise; any other address requires a token (refuses to start
 *   without one). With a token, every request must carry it: `Authorization: Bearer <token>`, the
 *   `activekd_token` cookie (set by opening `/?token=<token>` once), or `?token=` on `/`.
 * - images are addressed by the store's integer item key, never by a path in the URL; the file is
 *   resolved from the store and checked to lie inside the project's images folder.
 * - every body and parameter is validated by a fastify JSON schema (unknown fields rejected).
 * - all writes go through the store (src/project/store.ts), one transaction each.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { itemPath, openProject } from '../project/project.ts';
import type { ProjectStore } from '../project/store.ts';
import { UserError } from '../util/errors.ts';
import { LABEL_PAGE } from './page.ts';

/** Options of {@link startLabelServer}. */
export interface LabelServerOptions {
  /** Project folder. */
  project: string;
  /** Port (0 = any free port). Default 0. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Access token; required when `host` is not a loopback address. */
  token?: string;
}

/** A running label server. */
export interface LabelServer {
  /** Base URL (with `?token=` when a token is set, so it can be opened directly). */
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.avif': 'image/avif' };

/** Whether `host` is a loopback bind address. */
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: FastifyRequest): string | undefined {
  const h = req.headers.cookie;
  if (!h) return undefined;
  for (const part of h.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'activekd_token') return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The current batch as the page shows it. */
function batchView(store: ProjectStore) {
  const classes = store.classNames();
  const latest = store.latestRound();
  const sel = latest ? store.selection(latest.round) : [];
  const items = sel.map((s) => {
    const lab = store.label(s.itemPk);
    return {
      key: s.itemPk,
      id: s.id,
      score: s.score,
      teacher: (s.teacherTopk ?? []).map((t) => ({ c: t.c, label: classes[t.c], p: t.p })),
      student: (s.studentTopk ?? []).map((t) => ({ c: t.c, label: classes[t.c], p: t.p })),
      label: lab === undefined ? null : classes[lab],
    };
  });
  return { round: latest?.round ?? null, classes, items, labeled: items.filter((i) => i.label !== null).length, total: items.length };
}

const KEY = { type: 'integer', minimum: 1, maximum: 2 ** 31 } as const;

/**
 * Starts the labeling server of a project.
 * Routes: `GET /` (page), `GET /api/batch`, `GET /api/image/:key`, `POST /api/label`
 * `{key, label}` (class name), `POST /api/unlabel` `{key}`.
 * @throws UserError when binding a non-loopback address without a token, or the project is missing.
 */
export async function startLabelServer(o: LabelServerOptions): Promise<LabelServer> {
  const host = o.host ?? '127.0.0.1';
  const token = o.token && o.token.length > 0 ? o.token : undefined;
  if (!isLoopback(host) && !token) throw new UserError(`refusing to listen on ${host} without --token (only loopback addresses may run without one)`);
  if (token !== undefined && token.length < 8) throw new UserError('--token must be at least 8 characters');
  const store = openProject(o.project);
  const cfg = store.config();
  // No coercion and no silent stripping: a body with a wrong type or an unknown field is a 400.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } } });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (token === undefined) return;
    const auth = req.headers.authorization;
    const q = (req.query as Record<string, unknown> | undefined)?.token;
    const ok = (auth !== undefined && auth.startsWith('Bearer ') && sameToken(auth.slice(7), token)) || sameToken(cookieToken(req) ?? '', token) || (typeof q === 'string' && req.routeOptions.url === '/' && sameToken(q, token));
    if (!ok) return reply.code(401).send({ error: 'missing or wrong token' });
    if (typeof q === 'string') reply.header('set-cookie', `activekd_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'").send(LABEL_PAGE));

  app.get('/api/batch', async () => batchView(store));

  app.get<{ Params: { key: string } }>('/api/image/:key', { schema: { params: { type: 'object', properties: { key: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } }, required: ['key'], additionalProperties: false } } }, async (req, reply) => {
    const item = store.item(Number(req.params.key));
    if (!item || item.split !== 'pool') return reply.code(404).send({ error: 'no such image' });
    let bytes: Buffer;
    try {
      bytes = await readFile(itemPath(cfg, item));
    } catch {
      return reply.code(404).send({ error: 'image file is missing' });
    }
    return reply.type(MIME[extname(item.id).toLowerCase()] ?? 'application/octet-stream').header('cache-control', 'private, max-age=3600').send(bytes);
  });

  const classes = store.classNames();
  app.post<{ Body: { key: number; label: string } }>(
    '/api/label',
    { schema: { body: { type: 'object', properties: { key: KEY, label: { type: 'string', enum: classes } }, required: ['key', 'label'], additionalProperties: false } } },
    async (req, reply) => {
      const item = store.item(req.body.key);
      if (!item || item.split !== 'pool' || item.skipped !== null) return reply.code(404).send({ error: 'no such pool item' });
      store.setLabels([{ pk: item.pk, classIdx: classes.indexOf(req.body.label) }], 'web');
      const v = batchView(store);
      return { ok: true, labeled: v.labeled, total: v.total };
    },
  );
  app.post<{ Body: { key: number } }>(
    '/api/unlabel',
    { schema: { body: { type: 'object', properties: { key: KEY }, required: ['key'], additionalProperties: false } } },
    async (req, reply) => {
      const item = store.item(req.body.key);
      if (!item || item.split !== 'pool') return reply.code(404).send({ error: 'no such pool item' });
      const removed = store.removeLabel(item.pk, 'web:undo');
      const v = batchView(store);
      return { ok: true, removed, labeled: v.labeled, total: v.total };
    },
  );
  app.setErrorHandler((err: { statusCode?: number; validation?: unknown; message: string }, _req, reply) => {
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    void reply.code(code).send({ error: code === 500 ? 'internal error' : err.message });
  });
  app.addHook('onClose', async () => store.close());

  await app.listen({ port: o.port ?? 0, host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}/${token ? `?token=${encodeURIComponent(token)}` : ''}`, port, app, close: () => app.close() };
}
