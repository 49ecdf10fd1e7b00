import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The `.cpuprofile` files in a folder (created if missing), as full paths. */
export async function listProfiles(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
}
