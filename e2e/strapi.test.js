// A real open-source CMS behind the gateway: Strapi on SQLite (e2e/strapi),
// with `profile custom` describing its REST API. Articles are created,
// saved and deleted through the gateway with Strapi's REST API; the
// webhook calls carry the custom topics and Strapi's documents, and verify
// with @contentful/node-apps-toolkit like Contentful's.
//
// Run with CADDY_BIN pointing at a caddy binary built with this module,
// after (cd strapi && npm ci).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCaddy } from './lib/caddy.js';
import { startReceiver } from './lib/receiver.js';
import { startStrapi } from './lib/strapi.js';
import { waitFor } from './lib/wait.js';

const SECRET = 'e2eStrapiSigningSecret-0123456789abcdefghijklmnopqrstuvwxyzABCDE';

test('Strapi behind the gateway with a custom profile', { timeout: 180000 }, async (t) => {
  const caddyBin = process.env.CADDY_BIN;
  assert.ok(caddyBin, 'CADDY_BIN is not set: build a caddy binary that includes this module and run CADDY_BIN=/path/to/caddy npm test');
  const strapi = await startStrapi();
  t.after(() => strapi.stop());
  const receiver = await startReceiver(SECRET);
  t.after(() => receiver.close());
  const caddy = await startCaddy({
    caddyBin,
    receiverPort: receiver.port,
    secret: SECRET,
    upstream: strapi.host,
    handler: `		profile custom {
			route POST   /api/{collection}      201 create
			route PUT    /api/{collection}/{id} 200 save
			route DELETE /api/{collection}/{id} 200,204 delete
			type         {collection}
			id           /data/documentId
			environment  production
			payload      /data
		}`,
    webhooks: `		webhook "Articles" "http://127.0.0.1:${receiver.port}/articles/{ /payload/documentId }" {
			topics articles.*
			filter equals sys.environment.sys.id production
		}`,
  });
  t.after(() => caddy.stop());

  const api = async (method, path, body, token = strapi.token) => {
    const res = await fetch(`http://${caddy.gatewayHost}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };

  // Strapi refuses a bad token; the refusal passes through and makes no event.
  const refused = await api('POST', '/api/articles', { data: { title: 'No' } }, 'invalid-token');
  assert.equal(refused.status, 401);

  const created = await api('POST', '/api/articles', { data: { title: 'Hello' } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const id = created.json.data.documentId;
  const saved = await api('PUT', `/api/articles/${id}`, { data: { title: 'Hello again' } });
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  const deleted = await api('DELETE', `/api/articles/${id}`);
  assert.equal(deleted.status, 204);

  await waitFor(() => `three calls; got ${receiver.calls.map((c) => c.headers['x-contentful-topic'])}`, () => receiver.calls.length >= 3);
  // Calls may overtake each other (several workers send at once).
  const byTopic = Object.fromEntries(receiver.calls.map((c) => [c.headers['x-contentful-topic'], c]));
  assert.deepEqual(
    Object.keys(byTopic).sort(),
    ['Custom.articles.create', 'Custom.articles.delete', 'Custom.articles.save'],
  );
  assert.equal(byTopic['Custom.articles.create'].url, `/articles/${id}`);
  assert.equal(byTopic['Custom.articles.save'].url, `/articles/${id}`);
  assert.equal(byTopic['Custom.articles.delete'].url, '/articles/', 'a 204 delete has no document to template');
  for (const call of receiver.calls) {
    assert.equal(call.verification, 'valid', `${call.headers['x-contentful-topic']} verifies with verifyRequest`);
    assert.equal(call.headers['content-type'], 'application/json');
    assert.match(call.headers['x-contentful-idempotency-key'], /^[0-9a-f]{64}$/);
  }
  const [first, second, third] = ['create', 'save', 'delete'].map((a) => JSON.parse(byTopic[`Custom.articles.${a}`].body));
  assert.equal(first.title, 'Hello', 'the payload is Strapi\'s document (/data)');
  assert.equal(first.documentId, id);
  assert.equal(second.title, 'Hello again');
  assert.deepEqual(third, { action: 'delete', id, type: 'articles' }, 'a 204 delete gives the thin payload');
});
