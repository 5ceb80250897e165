/**
 * The wallboard page (`/wallboard/`): plain HTML/CSS/ES modules from `public/`, served as they are
 * (no build step, nothing from a CDN). Only the files that exist at start-up are served (no path
 * is ever joined from the request), with a strict Content-Security-Policy and an ETag.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Router } from '@koa/router';
import type { GatewayContext, GatewayState } from '../context.js';

export const WALLBOARD_PATH = '/wallboard';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** src/wallboard/public (also when running from dist/: the assets are not compiled). */
function publicDir(): string | undefined {
  const candidates = [new URL('./public/', import.meta.url), new URL('../../../src/wallboard/public/', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p) && statSync(p).isDirectory()) return p;
  }
  return undefined;
}

export function loadWallboardAssets(dir = publicDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!dir) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || !/^[a-z0-9][a-z0-9._-]*$/i.test(name)) continue;
    const body = readFileSync(`${dir}/${name}`);
    assets.set(name, { body, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"` });
  }
  return assets;
}

export function wallboardRoutes(router: Router<GatewayState>, assets = loadWallboardAssets()): void {
  const send = (ctx: GatewayContext, asset: Asset | undefined) => {
    if (!asset) return; // falls through to the router's 404
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) ctx.set(k, v);
    ctx.set('ETag', asset.etag);
    if (ctx.get('If-None-Match') === asset.etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
  // the router matches /wallboard and /wallboard/ alike: relative module imports need the slash
  router.get(WALLBOARD_PATH, (ctx) => {
    if (ctx.path.endsWith('/')) return send(ctx, assets.get('index.html'));
    ctx.status = 301;
    ctx.redirect(`${WALLBOARD_PATH}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
  });
  router.get(`${WALLBOARD_PATH}/:file`, (ctx) => send(ctx, assets.get(ctx.params['file'] ?? '')));
}
