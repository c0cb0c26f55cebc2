// The real contentful-management SDK creates an environment and makes the
// master alias point at it, through the gateway, then writes an entry
// through the alias. Contentful's rule: the webhook sees the alias.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOOK_PATH } from './lib/caddy.js';
import { startStack } from './lib/stack.js';
import { waitFor } from './lib/wait.js';

const SECRET = 'e2eAliasSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM';
const SPACE = 'e2e-alias';

test('a write through an environment alias is reported with the alias', async (t) => {
  const { receiver, caddy, client } = await startStack(t, SECRET, { spaceId: SPACE });
  await client.environment.createWithId({ environmentId: 'prod-2' }, { name: 'prod-2' });
  const alias = await client.environmentAlias.createWithId(
    { environmentAliasId: 'master' },
    { environment: { sys: { type: 'Link', linkType: 'Environment', id: 'prod-2' } } },
  );
  assert.equal(alias.environment.sys.id, 'prod-2');
  const entry = await client.entry.create(
    { environmentId: 'master', contentTypeId: 'post' },
    { fields: { title: { 'en-US': 'Through the alias' } } },
  );

  const topicOf = (c) => c.headers['x-contentful-topic'];
  await waitFor(
    () => `the alias and entry webhooks; received: ${receiver.calls.map(topicOf).join(', ')}\n${caddy.output()}`,
    () => receiver.calls.some((c) => topicOf(c) === 'ContentManagement.Entry.create'),
  );
  const calls = receiver.calls;
  assert.deepEqual(calls.map(topicOf), ['SpaceManagement.EnvironmentAlias.create', 'ContentManagement.Entry.create']);

  const aliasBody = JSON.parse(calls[0].body);
  assert.equal(aliasBody.environment.sys.id, 'prod-2', 'the alias event names its target');
  const entryBody = JSON.parse(calls[1].body);
  assert.equal(entryBody.sys.id, entry.sys.id);
  assert.deepEqual(entryBody.sys.environment.sys, { id: 'master', type: 'Link', linkType: 'EnvironmentAlias' });
  assert.equal(
    calls[1].headers['x-contentful-crn'],
    `crn:contentful:::content:spaces/${SPACE}/environments/master/entries/${entry.sys.id}`,
  );
  for (const call of calls) {
    assert.equal(call.url, HOOK_PATH);
    assert.equal(call.verification, 'valid', `signature of ${topicOf(call)}`);
  }
});
