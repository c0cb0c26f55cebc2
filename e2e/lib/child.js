// A child process of a test: its output kept for error messages, its exit
// noticed, and a stop that ends it and removes its directory.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';

/** Keeps at most this much of a child's output for error messages. */
const MAX_OUTPUT = 64 * 1024;

/**
 * Spawns bin with args; dir is removed when it is stopped.
 *
 * @param {string} bin
 * @param {string[]} args
 * @param {{cwd?: string, env: Record<string, string>, dir: string}} options
 * @returns {{output: () => string, exit: () => object | null, stop: () => Promise<void>}}
 */
export function startChild(bin, args, { cwd, env, dir }) {
  const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exit = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      exit = { error: err.message };
      resolve();
    });
  });
  const stop = async () => {
    if (!exit) {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(killed);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  return { output: () => output, exit: () => exit, stop };
}
