// The real @contentstack/management SDK writes through the gateway
// (`profile contentstack`) to the Contentstack stand-in (`cms_sandbox
// contentstack`). A receiver checks every call: Contentstack's envelope,
// its headers, one call per publish environment, the channel filter, and
// the HMAC signature (x-contentstack-hmac-signature), verified as a
// receiver does: HMAC-SHA256 of "<t>.<raw body>" with the shared secret.
//
// Run with CADDY_BIN pointing at a caddy binary built with this module.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import contentstack from '@contentstack/management';
import { startCaddy } from './lib/caddy.js';
import { startReceiver } from './lib/receiver.js';
import { waitFor } from './lib/wait.js';

const SECRET = 'e2e-contentstack-hmac-secret-0123456789';
const API_KEY = 'blt00000000000000e2';

/**
 * Verifies x-contentstack-hmac-signature: "t=<seconds>,v1=<hex>[,v1=…]".
 *
 * @param {{headers: Record<string, string>, body: string}} call
 */
function verifyHMAC(call) {
  const header = call.headers['x-contentstack-hmac-signature'] ?? '';
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = crypto.createHmac('sha256', SECRET).update(`${t}.${call.body}`).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) < 300;
  return fresh && parts.some(([k, v]) => k === 'v1' && v === expected);
}

test('the Contentstack SDK writes through the gateway and Contentstack webhooks arrive', async (t) => {
  const caddyBin = process.env.CADDY_BIN;
  assert.ok(caddyBin, 'CADDY_BIN is not set: build a caddy binary that includes this module and run CADDY_BIN=/path/to/caddy npm test');
  const receiver = await startReceiver(SECRET);
  t.after(() => receiver.close());
  const hook = (path) => `http://127.0.0.1:${receiver.port}${path}`;
  const caddy = await startCaddy({
    caddyBin,
    receiverPort: receiver.port,
    secret: SECRET,
    sandboxApi: 'contentstack',
    globalOptions: '\tservers {\n\t\texpected_underscore_headers api_key\n\t}',
    handler: '\t\tprofile contentstack',
    webhooks: `		webhook "All" ${hook('/all')} {
			channels $all
		}
		webhook "Production" ${hook('/production')} {
			channels content_types.entries.environments.production.publish.success assets.environments.production.publish.success
		}`,
  });
  t.after(() => caddy.stop());
  const [host, port] = caddy.gatewayHost.split(':');
  // The SDK's own retries are off: a loopback host trips its SSRF check on retry.
  const options = { host, port: Number(port), insecure: true, retryOnError: false, retryOnNetworkFailure: false, logHandler: () => {} };
  const stack = contentstack.client(options).stack({ api_key: API_KEY, management_token: 'e2e-token' });
  const callsTo = (path) => receiver.calls.filter((c) => c.url === path);

  // A refused token gets the CMS's 401 and makes no event.
  const refused = contentstack.client(options).stack({ api_key: API_KEY, management_token: 'invalid-token' });
  await assert.rejects(refused.contentType().create({ content_type: { title: 'No', uid: 'no', schema: [] } }), (err) => err.status === 401 && err.errorCode === 105);

  await stack.contentType().create({
    content_type: { title: 'Blog', uid: 'blog', schema: [{ display_name: 'Title', uid: 'title', data_type: 'text', mandatory: true }] },
  });
  const entry = await stack.contentType('blog').entry().create({ entry: { title: 'Hello' } }, { locale: 'en-us' });
  const fetched = await stack.contentType('blog').entry(entry.uid).fetch();
  fetched.title = 'Hello again';
  await fetched.update();
  const target = stack.contentType('blog').entry(entry.uid);
  await target.publish({ publishDetails: { environments: ['development', 'production'], locales: ['en-us'] } });
  await target.unpublish({ publishDetails: { environments: ['development'], locales: ['en-us'] } });
  const asset = await stack.asset().create({ upload: Buffer.from('PNG!'), filename: 'logo.png', content_type: 'image/png', title: 'Logo' });
  await stack.asset(asset.uid).publish({ publishDetails: { environments: ['production'], locales: ['en-us'] } });
  await (await stack.contentType('blog').entry(entry.uid).fetch()).delete();
  await (await stack.asset(asset.uid).fetch()).delete();

  const expected = [
    'content_type.create',
    'entry.create',
    'entry.update',
    'entry.publish@development',
    'entry.publish@production',
    'entry.unpublish@development',
    'asset.create',
    'asset.publish@production',
    'entry.delete',
    'asset.delete',
  ];
  const key = (b) => `${b.module}.${b.event}${b.data.environment ? `@${b.data.environment.name}` : ''}`;
  const seen = () => callsTo('/all').map((c) => key(JSON.parse(c.body)));
  await waitFor(() => `${expected.length} calls; got ${seen()}`, () => callsTo('/all').length >= expected.length);
  // Calls are sent by several workers at once and may overtake each other.
  assert.deepEqual(seen().sort(), [...expected].sort(), 'every SDK write, one call per publish environment');

  for (const call of callsTo('/all')) {
    const body = JSON.parse(call.body);
    assert.equal(call.method, 'POST');
    assert.equal(call.headers['content-type'], 'application/json');
    assert.equal(call.headers['user-agent'], 'Contentstack');
    assert.ok(verifyHMAC(call), `the HMAC signature of ${body.module}.${body.event} verifies`);
    assert.equal(body.api_key, API_KEY);
    assert.match(body.triggered_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(call.headers['idempotency-key'], /^[0-9a-f]{64}$/);
    assert.ok(body.data[body.module], `data.${body.module} is there`);
  }
  const by = Object.fromEntries(callsTo('/all').map((c) => JSON.parse(c.body)).map((b) => [key(b), b]));
  assert.equal(by['entry.update'].data.entry.title, 'Hello again', 'update carries the saved entry');
  assert.equal(by['entry.update'].data.content_type.uid, 'blog', 'entry events carry their content type');
  const published = by['entry.publish@production'];
  assert.ok(published.data.environment.uid, 'the environment as the stack lists it');
  assert.deepEqual([published.data.action, published.data.status, published.data.locale], ['publish', 'success', 'en-us']);
  assert.equal(published.data.entry.uid, entry.uid, 'a publish carries the entry (its answer is only a notice)');
  assert.equal(by['entry.delete'].data.entry.title, 'Hello again', 'a delete carries the entry as it was');
  assert.equal(by['asset.publish@production'].data.asset.filename, 'logo.png');

  // The channel webhook got the production publishes only (all its
  // deliveries were queued before the writes were answered).
  await waitFor(() => 'the production webhook\'s two calls', () => callsTo('/production').length >= 2);
  const prod = callsTo('/production').map((c) => JSON.parse(c.body));
  assert.deepEqual(prod.map(key).sort(), ['asset.publish@production', 'entry.publish@production']);
});
