import { randomFillSync } from 'node:crypto';

/**
 * Random ids in the vendor's style (`chat-d17T6uReChpyfFeP`). They come from crypto, not from
 * the injected `random`, so a test that pins `random` to a constant still gets unique chat ids.
 * Bytes are drawn from a pool refilled 4 KiB at a time: one syscall per ~250 ids instead of one
 * per id, which matters at benchmark rates.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** Characters after the prefix of a chat id or chat item id. */
export const ID_CHARS = 16;

/** `length` random letters and digits. */
export function randomChars(length: number = ID_CHARS): string {
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) {
    // The modulo bias (256 is not a multiple of 62) is irrelevant for ids.
    out += ALPHABET[(pool[offset++] as number) % ALPHABET.length];
  }
  return out;
}
