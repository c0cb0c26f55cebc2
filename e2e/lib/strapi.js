// Runs the Strapi project in e2e/strapi (SQLite, in a temporary directory)
// as a child process, the real CMS behind the custom-profile test.

import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './caddy.js';
import { startChild } from './child.js';
import { waitFor } from './wait.js';

/** The Strapi project. */
const PROJECT = fileURLToPath(new URL('../strapi/', import.meta.url));

/**
 * Starts Strapi on a free port with an empty SQLite database and waits
 * until it answers and its bootstrap has written a full-access API token.
 *
 * @returns {Promise<{host: string, token: string, stop: () => Promise<void>}>}
 */
export async function startStrapi() {
  const bin = path.join(PROJECT, 'node_modules', '.bin', 'strapi');
  try {
    await fs.access(bin);
  } catch {
    throw new Error(`${bin} is missing: install the Strapi project with (cd e2e/strapi && npm ci), as test.sh does`);
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cms-events-strapi-'));
  const port = await freePort();
  const secret = () => crypto.randomBytes(16).toString('base64');
  const tokenFile = path.join(dir, 'token');
  const { output, exit, stop } = startChild(bin, ['start'], {
    cwd: PROJECT,
    dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_FILENAME: path.join(dir, 'data.db'),
      STRAPI_TOKEN_FILE: tokenFile,
      STRAPI_TELEMETRY_DISABLED: 'true',
      APP_KEYS: `${secret()},${secret()}`,
      ADMIN_JWT_SECRET: secret(),
      API_TOKEN_SALT: secret(),
      TRANSFER_TOKEN_SALT: secret(),
      ENCRYPTION_KEY: secret(),
      JWT_SECRET: secret(),
    },
  });

  const host = `127.0.0.1:${port}`;
  try {
    const token = await waitFor(
      () => `Strapi on ${host} to start; its output:\n${output()}`,
      async () => {
        if (exit()) {
          throw new Error(`Strapi stopped (${JSON.stringify(exit())}) before it answered; output:\n${output()}`);
        }
        const token = await fs.readFile(tokenFile, 'utf8').catch(() => '');
        if (!token) {
          return '';
        }
        try {
          const res = await fetch(`http://${host}/api/articles`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(1000) });
          return res.ok ? token : '';
        } catch {
          return '';
        }
      },
      { timeoutMs: 120000, intervalMs: 250 },
    );
    return { host, token, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
