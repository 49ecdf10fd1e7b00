import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Path of a binary of Debian's `prometheus` package (`promtool`, `prometheus`). Throws, and so
 * fails the test, when it is missing: these checks must never be skipped (.ci/run installs it).
 */
export function requireTool(name: 'promtool' | 'prometheus'): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${name} not found on PATH: install Debian's prometheus package ` +
      `(apt-get install -y prometheus); .ci/run does this before the tests`,
  );
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with `input` on stdin. */
export function runTool(command: string, args: string[], input = ''): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** `promtool check metrics` on a /metrics text: promtool lints names, help texts and types. */
export async function checkMetricsText(promtool: string, text: string): Promise<ToolResult> {
  return runTool(promtool, ['check', 'metrics'], text);
}
