// A Contentful app behind the gateway, modelled on the handler of
// Contentful's "Building a backend app" tutorial (default-values-backend):
// the app definition subscribes to Entry.create, is installed into an
// environment, and its backend verifies each app event with
// @contentful/node-apps-toolkit's verifyRequest and the app signing secret,
// gets an app access token with getManagementToken, and PUTs a default
// title through the gateway with the SDK. The test checks the entry has the
// value, that the app got one event, and that the app's write made an
// Entry.save for the Caddyfile webhook (and no app event: no loop).
//
// Run with CADDY_BIN pointing at a caddy binary built with this module.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { test } from 'node:test';
import { getManagementToken, verifyRequest } from '@contentful/node-apps-toolkit';
import { createClient } from 'contentful-management';
import { startStack } from './lib/stack.js';
import { waitFor } from './lib/wait.js';

const SECRET = 'e2eAppsWebhookSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const APP_SECRET = 'e2eAppSigningSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH';
const SPACE = 'e2e-apps';
const ORG = 'e2e-org';
const DEFAULT_TITLE = 'This is the default value set by your app';

/**
 * The app's backend: POST /event-handler, as in the tutorial, with
 * signature verification added.
 *
 * @param {{gatewayHost: string, privateKey: string, appId: () => string}} app
 */
async function startAppBackend({ gatewayHost, privateKey, appId }) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = { topic: req.headers['x-contentful-topic'], headers: req.headers, body, verified: false, handled: '' };
      received.push(event);
      try {
        event.verified = verifyRequest(APP_SECRET, { method: req.method, path: req.url, headers: req.headers, body });
        if (!event.verified) {
          res.writeHead(403).end();
          return;
        }
        if (event.topic !== 'ContentManagement.Entry.create') {
          res.writeHead(204).end();
          return;
        }
        const { sys } = JSON.parse(body);
        const spaceId = sys.space.sys.id;
        const environmentId = sys.environment.sys.id;
        const token = await getManagementToken(privateKey, {
          appInstallationId: appId(),
          spaceId,
          environmentId,
          host: `http://${gatewayHost}`,
          reuseToken: false,
        });
        const asApp = createClient({ accessToken: token, host: gatewayHost, insecure: true }, { type: 'plain' });
        const installation = await asApp.appInstallation.get({ spaceId, environmentId, appDefinitionId: appId() });
        const value = installation.parameters?.defaultValue ?? 'Default value';
        await asApp.entry.update(
          { spaceId, environmentId, entryId: sys.id },
          { sys: { version: sys.version }, fields: { title: { 'en-US': value } } },
        );
        event.handled = 'updated';
        res.writeHead(204).end();
      } catch (err) {
        event.handled = `${err.name}: ${err.message}`;
        res.writeHead(500).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/event-handler`,
    received,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

test('a backend app gets its events from the gateway and writes back without a loop', async (t) => {
  const { receiver, caddy, client } = await startStack(t, SECRET, { spaceId: SPACE, environmentId: 'master' });
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  let appDefinitionId = '';
  const backend = await startAppBackend({ gatewayHost: caddy.gatewayHost, privateKey, appId: () => appDefinitionId });
  t.after(() => backend.close());

  // The tutorial's setup, through the gateway with the SDK.
  const definition = await client.appDefinition.create(
    { organizationId: ORG },
    { name: 'Default field values', src: 'https://app.example/frontend', locations: [{ location: 'app-config' }] },
  );
  appDefinitionId = definition.sys.id;
  const params = { organizationId: ORG, appDefinitionId };
  await client.appEventSubscription.upsert(params, { targetUrl: backend.url, topics: ['Entry.create'] });
  const secret = await client.appSigningSecret.upsert(params, { value: APP_SECRET });
  assert.equal(secret.redactedValue, APP_SECRET.slice(-4));
  await client.appInstallation.upsert({ appDefinitionId }, { parameters: { defaultValue: DEFAULT_TITLE } });

  // An editor creates an entry; the app fills in its title.
  const entry = await client.entry.create({ contentTypeId: 'exampleWithDefaultTitle' }, { fields: {} });
  await waitFor(
    () => `the app's write-back; the app got ${JSON.stringify(backend.received.map((e) => [e.topic, e.handled]))}`,
    () => backend.received.some((e) => e.handled === 'updated'),
  );
  const filled = await client.entry.get({ entryId: entry.sys.id });
  assert.equal(filled.fields.title['en-US'], DEFAULT_TITLE, 'the entry has the app\'s default value');
  assert.equal(filled.sys.updatedBy.sys.linkType, 'AppDefinition', 'the write is the app\'s');

  // The webhook sees Entry.create and then the app's Entry.save.
  const forEntry = () => receiver.calls.filter((c) => c.body.includes(entry.sys.id));
  await waitFor(() => `the webhook's Entry.save; got ${forEntry().map((c) => c.headers['x-contentful-topic'])}`,
    () => forEntry().some((c) => c.headers['x-contentful-topic'] === 'ContentManagement.Entry.save'));

  // One app event: the Entry.create, signed, with Contentful's context
  // headers; the app's own save made none.
  const created = backend.received.filter((e) => e.topic === 'ContentManagement.Entry.create');
  assert.equal(created.length, 1, 'one Entry.create gives one app event');
  assert.deepEqual(backend.received.map((e) => e.topic), ['ContentManagement.Entry.create'], 'the app subscribes to Entry.create only');
  const ev = created[0];
  assert.equal(ev.verified, true, 'verifyRequest accepts the app event');
  assert.equal(ev.headers['x-contentful-crn'], `crn:contentful:::content:spaces/${SPACE}/environments/master/entries/${entry.sys.id}`);
  assert.equal(ev.headers['x-contentful-app-id'], appDefinitionId);
  assert.equal(ev.headers['x-contentful-space-id'], SPACE);
  assert.equal(ev.headers['x-contentful-environment-id'], 'master');
});
