// Runs the caddy binary under test as a child process: a sandbox CMS site,
// and a gateway site with cms_events in front of it.

import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startChild } from './child.js';
import { waitFor } from './wait.js';

/**
 * The webhook's path on the receiver. Its query string is signed twice
 * encoded, as Contentful's algorithm does, so it is part of what the
 * signature checks cover.
 */
export const HOOK_PATH = '/hook?source=gateway&env=master';

/**
 * Returns a port that was free a moment ago on 127.0.0.1.
 *
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The Caddyfile of the test: global options with the admin endpoint, storage
 * and the cms_events app; the sandbox upstream; the gateway with one webhook
 * for every topic.
 *
 * @param {{dir: string, adminPort: number, upstreamPort: number, gatewayPort: number, receiverPort: number, secret: string} & SiteOptions} p
 */
export function caddyfile({ dir, adminPort, upstreamPort, gatewayPort, receiverPort, secret, handler = '', sandboxApi = '', globalOptions = '', webhooks, upstream, site = '' }) {
  const hooks = webhooks ?? `		webhook "e2e" "http://127.0.0.1:${receiverPort}${HOOK_PATH}" {
			topics *.*
			retry 3 200ms
		}`;
  return `{
	admin localhost:${adminPort}
	storage file_system ${path.join(dir, 'storage')}
	cms_events {
		storage_dir ${path.join(dir, 'events')}
	}
${globalOptions}
}

http://127.0.0.1:${upstreamPort} {
	cms_sandbox ${sandboxApi}
}

http://127.0.0.1:${gatewayPort} {
${site}
	cms_events {
		signing_secret ${secret}
${handler}
${hooks}
	}
	reverse_proxy ${upstream ?? `127.0.0.1:${upstreamPort}`}
}
`;
}

/**
 * @typedef {object} SiteOptions
 * @property {string} [handler]       extra lines for the gateway's cms_events block
 * @property {string} [sandboxApi]    the sandbox's API: contentful (default) or contentstack
 * @property {string} [globalOptions] extra global options
 * @property {string} [webhooks]      the webhook blocks, instead of one for every topic
 * @property {string} [upstream]      host:port of the CMS behind the gateway, instead of the sandbox
 * @property {string} [site]          extra lines for the gateway site, before its cms_events block
 */

/**
 * Starts `caddyBin run` with the test Caddyfile in a fresh temporary
 * directory and waits until the gateway answers HTTP.
 *
 * @param {{caddyBin: string, receiverPort: number, secret: string} & SiteOptions} options
 * @returns {Promise<{gatewayHost: string, upstreamHost: string, output: () => string, stop: () => Promise<void>}>}
 */
export async function startCaddy({ caddyBin, receiverPort, secret, ...site }) {
  try {
    await fs.access(caddyBin, constants.X_OK);
  } catch {
    throw new Error(`CADDY_BIN=${caddyBin} is not an executable file: build caddy with this module and point CADDY_BIN at it`);
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cms-events-e2e-'));
  const [adminPort, upstreamPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const config = path.join(dir, 'Caddyfile');
  await fs.writeFile(config, caddyfile({ dir, adminPort, upstreamPort, gatewayPort, receiverPort, secret, ...site }));

  const { output, exit, stop } = startChild(caddyBin, ['run', '--config', config, '--adapter', 'caddyfile'], {
    env: { ...process.env, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') },
    dir,
  });

  const gatewayHost = `127.0.0.1:${gatewayPort}`;
  try {
    await waitFor(
      () => `the gateway on ${gatewayHost} to answer; caddy output:\n${output()}`,
      async () => {
        if (exit()) {
          throw new Error(`caddy stopped (${JSON.stringify(exit())}) before the gateway answered; output:\n${output()}`);
        }
        try {
          await fetch(`http://${gatewayHost}/`, { signal: AbortSignal.timeout(1000) });
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30000, intervalMs: 100 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { gatewayHost, upstreamHost: `127.0.0.1:${upstreamPort}`, output, stop };
}
