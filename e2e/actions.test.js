// The real contentful-management SDK publishes entries through a bulk
// action, a release and a scheduled action, through the gateway. The CMS
// runs them later; the gateway follows them and sends one Entry.publish per
// entry with the action's context headers, then the action's execute event.
// Every call must verify with the real toolkit, context headers included.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startStack } from './lib/stack.js';
import { waitFor } from './lib/wait.js';

const SECRET = 'e2eActionSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL';
const SPACE = 'e2e-actions';
const ENV = { spaceId: SPACE, environmentId: 'master' };

/** A Contentful array of links to the entries. */
function links(entries) {
  return {
    sys: { type: 'Array' },
    items: entries.map((e) => ({ sys: { type: 'Link', linkType: 'Entry', id: e.sys.id, version: e.sys.version } })),
  };
}

test('entries published by bulk, release and scheduled actions carry their context headers', async (t) => {
  const { receiver, caddy, client } = await startStack(t, SECRET, { spaceId: SPACE });
  const entries = [];
  for (const title of ['bulk 1', 'bulk 2', 'release 1', 'scheduled 1']) {
    entries.push(await client.entry.create({ ...ENV, contentTypeId: 'post' }, { fields: { title: { 'en-US': title } } }));
  }
  const bulk = await client.bulkAction.publish(ENV, { entities: links(entries.slice(0, 2)) });
  const release = await client.release.create(ENV, { title: 'Launch', entities: links(entries.slice(2, 3)) });
  const releaseAction = await client.release.publish({ ...ENV, releaseId: release.sys.id, version: release.sys.version });
  const scheduled = await client.scheduledActions.create(
    { spaceId: SPACE },
    {
      entity: { sys: { type: 'Link', linkType: 'Entry', id: entries[3].sys.id } },
      environment: { sys: { type: 'Link', linkType: 'Environment', id: 'master' } },
      action: 'publish',
      scheduledFor: { datetime: new Date(Date.now() + 1000).toISOString() },
    },
  );

  const topicOf = (c) => c.headers['x-contentful-topic'];
  await waitFor(
    () => `4 publishes and 3 executes; received: ${receiver.calls.map(topicOf).join(', ')}\n${caddy.output()}`,
    () =>
      receiver.calls.filter((c) => topicOf(c) === 'ContentManagement.Entry.publish').length === 4 &&
      receiver.calls.filter((c) => topicOf(c).endsWith('.execute')).length === 3,
  );

  const publishOf = (entry) => {
    const calls = receiver.calls.filter((c) => topicOf(c) === 'ContentManagement.Entry.publish' && JSON.parse(c.body).sys.id === entry.sys.id);
    assert.equal(calls.length, 1, `one publish of ${entry.sys.id}`);
    return calls[0];
  };
  for (const entry of entries.slice(0, 2)) {
    assert.equal(publishOf(entry).headers['x-contentful-bulk-action-id'], bulk.sys.id);
  }
  const released = publishOf(entries[2]);
  assert.equal(released.headers['x-contentful-release-id'], release.sys.id);
  assert.equal(released.headers['x-contentful-release-action-id'], releaseAction.sys.id);
  assert.equal(released.headers['x-contentful-release-version'], String(release.sys.version));
  assert.equal(publishOf(entries[3]).headers['x-contentful-scheduled-action-id'], scheduled.sys.id);
  for (const entry of entries) {
    const body = JSON.parse(publishOf(entry).body);
    assert.equal(body.sys.revision, 1, `publish of ${entry.sys.id} is the published entry`);
    assert.deepEqual(body.fields, entry.fields);
  }

  const executes = receiver.calls.filter((c) => topicOf(c).endsWith('.execute'));
  assert.deepEqual(
    executes.map((c) => [topicOf(c), JSON.parse(c.body).sys.id, JSON.parse(c.body).sys.status]).sort(),
    [
      ['ContentManagement.BulkAction.execute', bulk.sys.id, 'succeeded'],
      ['ContentManagement.ReleaseAction.execute', releaseAction.sys.id, 'succeeded'],
      ['ContentManagement.ScheduledAction.execute', scheduled.sys.id, 'succeeded'],
    ].sort(),
  );
  for (const call of receiver.calls) {
    assert.equal(call.verification, 'valid', `signature of ${topicOf(call)}`);
  }
  const signed = released.headers['x-contentful-signed-headers'].split(',');
  for (const name of ['x-contentful-release-id', 'x-contentful-release-action-id', 'x-contentful-release-version']) {
    assert.ok(signed.includes(name), `${name} is signed`);
  }
});
