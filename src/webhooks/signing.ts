import { createHmac } from 'node:crypto';
import type { WebhookSecret } from '../shared/webhook-settings.js';

/**
 * Standard Webhooks signatures (standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, the signature its HMAC-SHA256 under the secret's
 * decoded key, in base64, prefixed `v1,`. With several secrets (rotation) the header holds one
 * signature per secret, separated by spaces; a receiver accepts any that matches its secret.
 */

/** The headers of one delivery attempt. */
export interface SignedHeaders {
  'webhook-id': string;
  /** Seconds since the epoch, as text. */
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** `v1,<base64>` for one key. */
export function signature(
  secret: WebhookSecret,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const mac = createHmac('sha256', secret.key())
    .update(`${id}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers for sending `body` as event `id` at `timestampSeconds`. Each attempt signs
 * afresh with its own timestamp: receivers refuse timestamps older than a few minutes.
 */
export function signedHeaders(
  secrets: readonly WebhookSecret[],
  id: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  if (secrets.length === 0) throw new Error('no webhook secret to sign with');
  const seconds = Math.floor(timestampSeconds);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': secrets.map((s) => signature(s, id, seconds, body)).join(' '),
  };
}
