// The real contentful-management SDK manages webhooks through the gateway's
// webhooks API (`webhooks_api`): definitions, call logs, health and the
// space signing secret. A webhook made with the SDK then gets the events of
// SDK writes, and once the space has a signing secret its calls verify
// with @contentful/node-apps-toolkit.
//
// Run with CADDY_BIN pointing at a caddy binary built with this module.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'contentful-management';
import { startStack } from './lib/stack.js';
import { waitFor } from './lib/wait.js';

/** The space signing secret, set through the SDK; the config signs with it too. */
const SECRET = 'e2eApiSigningSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH';
const SPACE = 'e2e-api';
const CONTENT_TYPE_ID = 'e2ePost';
const LOCALE = 'en-US';

test('the SDK manages webhooks through the gateway, and they deliver', async (t) => {
  const { receiver, caddy, client: plain } = await startStack(
    t,
    SECRET,
    { spaceId: SPACE, environmentId: 'master' },
    { handler: '\t\twebhooks_api' },
  );
  const hookURL = (path) => `http://127.0.0.1:${receiver.port}${path}`;
  // The nested client: space.createWebhook, webhook.update() and the rest.
  const client = createClient({ accessToken: 'e2e-token', host: caddy.gatewayHost, insecure: true }, { type: 'legacy' });
  const space = await client.getSpace(SPACE);
  const callsTo = (path) => receiver.calls.filter((c) => c.url === path);

  // A token the CMS refuses gets the CMS's 401, and nothing is made.
  const refused = createClient(
    { accessToken: 'invalid-token', host: caddy.gatewayHost, insecure: true, retryOnError: false },
    { type: 'plain' },
  );
  await assert.rejects(
    refused.webhook.create({ spaceId: SPACE }, { name: 'Refused', url: hookURL('/refused'), topics: ['*.*'] }),
    (err) => err.name === 'AccessTokenInvalid' && JSON.parse(err.message).status === 401,
  );
  let all = await space.getWebhooks();
  assert.deepEqual(
    all.items.map((w) => [w.sys.id, w.sys.readOnly]),
    [['e2e', true]],
    'only the Caddyfile webhook, marked read-only',
  );

  const hook = await space.createWebhook({
    name: 'SDK hook',
    url: hookURL('/sdk-hook'),
    topics: ['Entry.create', 'Entry.save'],
    filters: [],
    headers: [{ key: 'X-Hook-Secret', value: 'hook-secret-1', secret: true }],
  });
  assert.equal(hook.sys.type, 'WebhookDefinition');
  assert.equal(hook.sys.version, 0);
  assert.equal(hook.sys.space.sys.id, SPACE);
  assert.deepEqual(hook.headers, [{ key: 'X-Hook-Secret', secret: true }], 'the secret header comes back without its value');

  const byId = await space.createWebhookWithId('sdk-by-id', { name: 'By id', url: hookURL('/by-id'), topics: ['Asset.*'] });
  assert.equal(byId.sys.id, 'sdk-by-id');
  assert.equal((await space.getWebhook(hook.sys.id)).name, 'SDK hook');
  all = await space.getWebhooks();
  assert.deepEqual(all.items.map((w) => w.sys.id), ['e2e', hook.sys.id, 'sdk-by-id']);

  const secret = await space.upsertWebhookSigningSecret({ value: SECRET });
  assert.equal(secret.redactedValue, SECRET.slice(-4));
  assert.equal((await space.getWebhookSigningSecret()).redactedValue, SECRET.slice(-4));

  // An SDK write reaches the SDK-made webhook, signed with the space secret.
  const entry = await plain.entry.create({ contentTypeId: CONTENT_TYPE_ID }, { fields: { title: { [LOCALE]: 'Hi' } } });
  await waitFor(() => `the SDK webhook's Entry.create; calls: ${receiver.calls.map((c) => c.url)}`, () => callsTo('/sdk-hook').length >= 1);
  let call = callsTo('/sdk-hook')[0];
  assert.equal(call.headers['x-contentful-topic'], 'ContentManagement.Entry.create');
  assert.equal(call.headers['x-hook-secret'], 'hook-secret-1');
  assert.equal(call.verification, 'valid', 'the call verifies with verifyRequest and the space secret');
  assert.equal(JSON.parse(call.body).sys.id, entry.sys.id);

  // update(): the current version works, a stale one is refused; the secret
  // header keeps its value.
  hook.name = 'SDK hook 2';
  const updated = await hook.update();
  assert.equal(updated.sys.version, 1);
  assert.equal(updated.name, 'SDK hook 2');
  const stale = await space.getWebhook('sdk-by-id');
  await space.getWebhook('sdk-by-id').then((w) => {
    w.name = 'By id, renamed';
    return w.update();
  });
  stale.name = 'By id, from a stale copy';
  await assert.rejects(stale.update(), (err) => err.name === 'VersionMismatch' && JSON.parse(err.message).status === 409);

  entry.fields.title[LOCALE] = 'Hi again';
  await plain.entry.update({ entryId: entry.sys.id }, entry);
  await waitFor(() => 'the updated webhook\'s Entry.save', () => callsTo('/sdk-hook').length >= 2);
  call = callsTo('/sdk-hook')[1];
  assert.equal(call.headers['x-contentful-topic'], 'ContentManagement.Entry.save');
  assert.equal(call.headers['x-contentful-webhook-name'], 'SDK hook 2');
  assert.equal(call.headers['x-hook-secret'], 'hook-secret-1');
  assert.equal(call.verification, 'valid');

  // The call log and health, through the SDK.
  const calls = await updated.getCalls();
  assert.equal(calls.total, 2);
  assert.equal(calls.items[0].eventType, 'save', 'newest first');
  assert.ok(calls.items[0].requestAt >= calls.items[1].requestAt, 'newest first by requestAt');
  const details = await updated.getCall(calls.items[0].sys.id);
  assert.equal(details.sys.type, 'WebhookCallDetails');
  assert.equal(details.request.headers['X-Hook-Secret'], '[redacted]');
  assert.equal(details.response.statusCode, 200);
  assert.ok(!JSON.stringify(details).includes('hook-secret-1'), 'the call log holds no secret');
  const health = await updated.getHealth();
  assert.deepEqual(health.calls, { total: 2, healthy: 2 });

  // The Caddyfile webhook is read-only.
  const fromConfig = await space.getWebhook('e2e');
  fromConfig.name = 'renamed';
  await assert.rejects(fromConfig.update(), (err) => err.name === 'AccessDenied' && JSON.parse(err.message).status === 403);

  // delete(): gone, and no more calls.
  await updated.delete();
  await assert.rejects(space.getWebhook(hook.sys.id), (err) => err.name === 'NotFound');
  await space.deleteWebhookSigningSecret();
  await assert.rejects(space.getWebhookSigningSecret(), (err) => err.name === 'NotFound');
  const before = receiver.calls.length;
  const another = await plain.entry.create({ contentTypeId: CONTENT_TYPE_ID }, { fields: { title: { [LOCALE]: 'Later' } } });
  await waitFor(
    () => 'the Caddyfile webhook\'s call for the last entry',
    () => receiver.calls.slice(before).some((c) => c.url.startsWith('/hook') && JSON.parse(c.body).sys?.id === another.sys.id),
  );
  assert.equal(callsTo('/sdk-hook').length, 2, 'the deleted webhook got no call');
});
