// A webhook receiver that records every call and verifies its signature the
// way a Contentful app does, with @contentful/node-apps-toolkit.

import http from 'node:http';
import { verifyRequest } from '@contentful/node-apps-toolkit';

/**
 * @typedef {object} Call
 * @property {string} method
 * @property {string} url          the request-target as received (req.url)
 * @property {Record<string, string>} headers  lower-cased names, as node gives them
 * @property {string} body
 * @property {string} verification "valid", or why verifyRequest refused the call
 */

/**
 * The request as verifyRequest needs it: the path is the request-target
 * exactly as received, the body the exact bytes.
 *
 * @param {Call} call
 */
export function canonicalRequest(call) {
  return { method: call.method, path: call.url, headers: call.headers, body: call.body };
}

/**
 * Verifies a call with the default time-to-live (30 s) at the moment it
 * arrives.
 *
 * @param {string} secret
 * @param {Call} call
 * @returns {string} "valid" or the reason it is not
 */
function verify(secret, call) {
  try {
    return verifyRequest(secret, canonicalRequest(call)) ? 'valid' : 'signature mismatch';
  } catch (err) {
    return `${err.name}: ${err.message}`;
  }
}

/**
 * Starts a receiver on a free port of 127.0.0.1 that answers every call
 * with 200, or with the status setStatus gave it last.
 *
 * @param {string} secret the signing secret the gateway signs with
 * @returns {Promise<{port: number, calls: Call[], setStatus: (status: number) => void, close: () => Promise<void>}>}
 */
export async function startReceiver(secret) {
  /** @type {Call[]} */
  const calls = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const call = {
        method: req.method,
        url: req.url,
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString('utf8'),
        verification: '',
      };
      call.verification = verify(secret, call);
      calls.push(call);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status >= 200 && status < 300 ? 'ok' : 'failing on purpose');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    calls,
    setStatus: (s) => {
      status = s;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
