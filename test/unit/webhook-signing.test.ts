import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseWebhookSecrets } from '../../src/shared/webhook-settings.js';
import { signature, signedHeaders } from '../../src/webhooks/signing.js';

/** The example of the Standard Webhooks spec and its reference libraries. */
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('Standard Webhooks signatures', () => {
  it("match the spec's test vector", () => {
    const [secret] = parseWebhookSecrets(SPEC.secret);
    expect(signature(secret!, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
    expect(signedHeaders([secret!], SPEC.id, SPEC.timestamp, SPEC.body)).toEqual({
      'webhook-id': SPEC.id,
      'webhook-timestamp': String(SPEC.timestamp),
      'webhook-signature': SPEC.signature,
    });
  });

  it('verify with the independent standardwebhooks library, and fail it when anything changes', () => {
    const text = newSecret();
    const secrets = parseWebhookSecrets(text);
    const body = JSON.stringify({ type: 'batch.completed', data: { batchId: 'b', note: 'é ✓' } });
    const headers = signedHeaders(secrets, 'msg_abc', Date.now() / 1000, body);
    const verifier = new Webhook(text);
    expect(verifier.verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => verifier.verify(`${body} `, { ...headers })).toThrow(WebhookVerificationError);
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_other' })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(newSecret()).verify(body, { ...headers })).toThrow(
      WebhookVerificationError,
    );
  });

  it('sign with every secret for rotation: receivers on either secret verify', () => {
    const [oldText, newText] = [newSecret(), newSecret()];
    const secrets = parseWebhookSecrets(`  ${oldText}   ${newText} `);
    expect(secrets).toHaveLength(2);
    const body = '{"type":"batch.paused"}';
    const headers = signedHeaders(secrets, 'msg_rot', Date.now() / 1000, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    for (const text of [oldText, newText]) {
      expect(new Webhook(text).verify(body, { ...headers })).toEqual(JSON.parse(body));
    }
  });

  it('use whole seconds in webhook-timestamp', () => {
    const headers = signedHeaders(parseWebhookSecrets(SPEC.secret), 'msg_1', 1700000000.987, '{}');
    expect(headers['webhook-timestamp']).toBe('1700000000');
  });
});

describe('CHATBATCH_WEBHOOK_SECRET parsing', () => {
  it.each([
    ['', 'at least one'],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_'],
    ['whsec_', 'base64'],
    ['whsec_not*base64!', 'base64'],
    ['whsec_abc', 'base64'],
    [`${SPEC.secret} nope`, 'secret 2'],
  ])('%j is refused with the rule (%s)', (value, rule) => {
    expect(() => parseWebhookSecrets(value)).toThrow(rule);
  });

  it('never shows a secret in errors, JSON or inspect', () => {
    const text = newSecret();
    const problem = (() => {
      try {
        parseWebhookSecrets(`${text} whsec_${text.slice(6, 20)}*`);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(problem).toContain('secret 2');
    expect(problem).not.toContain(text.slice(6, 20));
    const [secret] = parseWebhookSecrets(text);
    const shown = [JSON.stringify({ secret }), inspect({ secret }), `${String(secret)}`].join('\n');
    expect(shown).not.toContain(text.slice(6));
    expect(shown).toContain('redacted');
  });
});
