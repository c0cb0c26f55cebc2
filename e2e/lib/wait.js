// Waiting on conditions with a deadline, never on fixed sleeps.

/**
 * Polls check until it returns a truthy value and returns that value.
 * Throws when the deadline passes; describe() says what was awaited and
 * what has been seen so far.
 *
 * @template T
 * @param {() => string} describe
 * @param {() => T | Promise<T>} check
 * @param {{timeoutMs?: number, intervalMs?: number}} [options]
 * @returns {Promise<T>}
 */
export async function waitFor(describe, check, { timeoutMs = 20000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
