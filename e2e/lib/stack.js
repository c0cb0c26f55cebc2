// One test's whole setup: a receiver, caddy with the gateway in front of a
// sandbox, and the SDK's plain client pointed at the gateway.

import assert from 'node:assert/strict';
import { createClient } from 'contentful-management';
import { startCaddy } from './caddy.js';
import { startReceiver } from './receiver.js';

/**
 * Starts the receiver and caddy (stopped after the test) and returns them
 * with a plain client whose defaults are given.
 *
 * @param {import('node:test').TestContext} t
 * @param {string} secret the space signing secret
 * @param {Record<string, string>} defaults the plain client's defaults (spaceId, environmentId)
 * @param {{handler?: string}} [options] handler: extra lines for the gateway's cms_events block
 */
export async function startStack(t, secret, defaults, options = {}) {
  const caddyBin = process.env.CADDY_BIN;
  assert.ok(
    caddyBin,
    'CADDY_BIN is not set: build a caddy binary that includes this module and run CADDY_BIN=/path/to/caddy npm test',
  );
  const receiver = await startReceiver(secret);
  t.after(() => receiver.close());
  const caddy = await startCaddy({ caddyBin, receiverPort: receiver.port, secret, handler: options.handler });
  t.after(() => caddy.stop());
  const client = createClient(
    { accessToken: 'e2e-token', host: caddy.gatewayHost, insecure: true },
    { type: 'plain', defaults },
  );
  return { receiver, caddy, client };
}
