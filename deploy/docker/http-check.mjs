/* global process, fetch, AbortSignal */
// Health check for the chatbatch image, which has node but no curl or wget.
// Usage: node http-check.mjs <url> [--any-status]
// Exits 0 when <url> answers 2xx (or any HTTP status with --any-status), 1 when it does not
// answer within 4 s or answers an error, 2 on bad usage.
const [url, flag] = process.argv.slice(2);
if (!url || (flag !== undefined && flag !== '--any-status')) {
  process.stderr.write('usage: node http-check.mjs <url> [--any-status]\n');
  process.exit(2);
}
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  await response.body?.cancel();
  if (response.ok || flag === '--any-status') process.exit(0);
  process.stderr.write(`${url}: HTTP ${response.status}\n`);
  process.exit(1);
} catch (error) {
  process.stderr.write(`${url}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
