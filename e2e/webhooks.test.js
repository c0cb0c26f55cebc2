// The real contentful-management SDK writes through the gateway (caddy with
// cms_events in front of the cms_sandbox upstream); a local receiver gets
// the webhooks and @contentful/node-apps-toolkit verifies every signature.
//
// Run with CADDY_BIN pointing at a caddy binary built with this module.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyRequest } from '@contentful/node-apps-toolkit';
import { HOOK_PATH } from './lib/caddy.js';
import { CONTENT_TYPE_ID, LOCALE, runLifecycle } from './lib/lifecycle.js';
import { canonicalRequest } from './lib/receiver.js';
import { startStack } from './lib/stack.js';
import { waitFor } from './lib/wait.js';

/** The space signing secret: 64 characters of Contentful's alphabet. */
const SECRET = 'e2eSigningSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK';
const SPACE = 'e2e';
const ENVIRONMENT = 'master';
const PREFIX = 'ContentManagement.';
const CONTENT_TYPE = 'application/vnd.contentful.management.v1+json';
const CRN_COLLECTION = { Entry: 'entries', Asset: 'assets', ContentType: 'content_types' };

/** The topic header of a call. */
const topicOf = (call) => call.headers['x-contentful-topic'];

/** The entity id a call is about, from its JSON body (undefined if none). */
function idOf(call) {
  try {
    return JSON.parse(call.body)?.sys?.id;
  } catch {
    return undefined;
  }
}

/** One line per call for failure messages. */
const summary = (calls) => calls.map((c) => `${topicOf(c)} ${idOf(c)} attempt ${c.headers['x-contentful-webhook-request-attempt']}`).join('\n  ') || '(none)';

/**
 * The first call of every event: a receiver drops repeats by their
 * idempotency key, as Contentful asks receivers to.
 */
function firstCalls(calls) {
  const seen = new Set();
  return calls.filter((c) => {
    const key = c.headers['x-contentful-idempotency-key'];
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/**
 * Checks the headers every webhook call carries.
 */
function checkHeaders(call, where) {
  const h = call.headers;
  assert.equal(call.method, 'POST', `${where}: method`);
  assert.equal(call.url, HOOK_PATH, `${where}: request-target`);
  assert.equal(h['content-type'], CONTENT_TYPE, `${where}: Content-Type`);
  assert.equal(h['x-contentful-webhook-name'], 'e2e', `${where}: X-Contentful-Webhook-Name`);
  assert.match(h['x-contentful-topic'], /^ContentManagement\.[A-Za-z]+\.[a-z_]+$/, `${where}: X-Contentful-Topic`);
  assert.match(h['x-contentful-idempotency-key'], /^[0-9a-f]{64}$/, `${where}: X-Contentful-Idempotency-Key`);
  assert.match(h['x-contentful-event-datetime'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${where}: X-Contentful-Event-Datetime`);
  assert.match(h['x-contentful-webhook-request-attempt'], /^[1-3]$/, `${where}: X-Contentful-Webhook-Request-Attempt`);
  assert.match(h['x-contentful-signature'], /^[0-9a-f]{64}$/, `${where}: X-Contentful-Signature`);
  assert.match(h['x-contentful-timestamp'], /^\d{13}$/, `${where}: X-Contentful-Timestamp`);
  const signed = h['x-contentful-signed-headers'].split(',');
  assert.deepEqual(signed, [...signed].sort(), `${where}: X-Contentful-Signed-Headers must be sorted`);
  for (const name of Object.keys(h).filter((n) => n === 'content-type' || n.startsWith('x-contentful-'))) {
    if (name !== 'x-contentful-signature') {
      assert.ok(signed.includes(name), `${where}: ${name} was sent but not signed (signed: ${signed})`);
    }
  }
}

/**
 * Checks the body of one call against the event it reports.
 */
function checkBody(call, { topic, id }, where) {
  const [type, action] = topic.slice(PREFIX.length).split('.');
  const body = JSON.parse(call.body);
  const sys = body.sys;
  assert.equal(sys.id, id, `${where}: sys.id`);
  assert.equal(sys.space?.sys?.id, SPACE, `${where}: sys.space`);
  assert.deepEqual(sys.environment?.sys, { id: ENVIRONMENT, type: 'Link', linkType: 'Environment' }, `${where}: sys.environment`);
  if (type === 'Entry') {
    assert.equal(sys.contentType?.sys?.id, CONTENT_TYPE_ID, `${where}: sys.contentType`);
  }
  if (type !== 'ContentType') {
    const crn = `crn:contentful:::content:spaces/${SPACE}/environments/${ENVIRONMENT}/${CRN_COLLECTION[type]}/${id}`;
    assert.equal(call.headers['x-contentful-crn'], crn, `${where}: X-Contentful-CRN`);
  }
  switch (action) {
    case 'publish':
      assert.equal(sys.type, type, `${where}: sys.type`);
      assert.ok(!('version' in sys), `${where}: a publish body has no sys.version`);
      assert.equal(typeof sys.revision, 'number', `${where}: a publish body has sys.revision`);
      assert.equal(typeof sys.publishedVersion, 'number', `${where}: sys.publishedVersion`);
      if (type !== 'ContentType') {
        assert.ok(body.fields?.title?.[LOCALE], `${where}: a publish body has the fields`);
      }
      break;
    case 'unpublish':
    case 'delete':
      assert.equal(sys.type, `Deleted${type}`, `${where}: sys.type`);
      assert.equal(typeof sys.revision, 'number', `${where}: sys.revision`);
      assert.match(sys.deletedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${where}: sys.deletedAt`);
      assert.ok(!('fields' in body), `${where}: a deletion object has no fields`);
      break;
    default:
      assert.equal(sys.type, type, `${where}: sys.type`);
      assert.equal(typeof sys.version, 'number', `${where}: sys.version`);
      assert.equal('archivedVersion' in sys, action === 'archive', `${where}: sys.archivedVersion only when archived`);
  }
  if (topic === `${PREFIX}Entry.save`) {
    assert.equal(body.fields.title[LOCALE], 'Hello again', `${where}: the saved draft`);
  }
}

test('SDK writes through the gateway become signed Contentful webhooks', async (t) => {
  const { receiver, caddy, client } = await startStack(t, SECRET, { spaceId: SPACE, environmentId: ENVIRONMENT });

  // After each write, wait for its webhook before the next one: deliveries
  // run concurrently, so only this makes the arrival order the event order.
  const expected = [];
  const { assetId } = await runLifecycle(client, async (topic, entity) => {
    const want = { topic: PREFIX + topic, id: entity.sys.id };
    expected.push(want);
    await waitFor(
      () => `the webhook ${want.topic} for ${want.id}; received:\n  ${summary(receiver.calls)}\ncaddy output:\n${caddy.output()}`,
      () => receiver.calls.some((c) => topicOf(c) === want.topic && idOf(c) === want.id),
    );
  });

  // Contentful documents no topic for asset processing; if the gateway
  // reports it as a save of the asset, that is the only Asset.save here.
  const isProcessing = (c) => topicOf(c) === `${PREFIX}Asset.save` && idOf(c) === assetId;
  const calls = firstCalls(receiver.calls).filter((c) => !isProcessing(c));
  assert.deepEqual(
    calls.map((c) => `${topicOf(c)} ${idOf(c)}`),
    expected.map((e) => `${e.topic} ${e.id}`),
    'the webhooks, in order, one per write',
  );

  calls.forEach((call, i) => {
    const where = `call ${i + 1} (${expected[i].topic})`;
    checkHeaders(call, where);
    assert.equal(call.headers['x-contentful-topic'], expected[i].topic, `${where}: X-Contentful-Topic`);
    assert.equal(call.headers['x-contentful-webhook-request-attempt'], '1', `${where}: first attempt`);
    checkBody(call, expected[i], where);
  });
  assert.equal(new Set(calls.map((c) => c.headers['x-contentful-idempotency-key'])).size, calls.length, 'one idempotency key per event');

  // Every call that arrived, repeats included, carries a valid signature
  // (checked with the default 30 s time-to-live when it arrived).
  receiver.calls.forEach((call, i) => {
    assert.equal(call.verification, 'valid', `signature of received call ${i + 1} (${topicOf(call)})`);
    checkHeaders(call, `received call ${i + 1}`);
  });

  // The verification is real: changing the body, the path or a signed
  // header breaks it.
  const first = canonicalRequest(calls[0]);
  assert.equal(verifyRequest(SECRET, first, 0), true, 'the first call verifies again');
  assert.equal(verifyRequest(SECRET, { ...first, body: first.body + ' ' }, 0), false, 'a changed body fails');
  assert.equal(verifyRequest(SECRET, { ...first, path: '/other' }, 0), false, 'a changed path fails');
  assert.equal(
    verifyRequest(SECRET, { ...first, headers: { ...first.headers, 'x-contentful-topic': 'ContentManagement.Entry.delete' } }, 0),
    false,
    'a changed signed header fails',
  );
});
