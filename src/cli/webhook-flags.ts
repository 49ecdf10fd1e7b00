import type { Config } from '../shared/config.js';
import {
  parseOptInEvents,
  webhookUrlProblem,
  type OptInEventType,
} from '../shared/webhook-settings.js';
import { CliError, EXIT } from './exit-codes.js';

export interface WebhookFlags {
  webhookUrl?: string;
  webhookEvents?: string;
}

/**
 * Reads --webhook-url and --webhook-events into ingest options, or a usage error naming the
 * flag. A URL without CHATBATCH_WEBHOOK_SECRET is a configuration error: workers could not
 * sign its deliveries.
 */
export function webhookOptions(
  flags: WebhookFlags,
  config: Pick<Config, 'webhookUrl' | 'webhookSecrets'>,
): { webhookUrl?: string; webhookEvents?: OptInEventType[] } {
  const webhookUrl = flags.webhookUrl?.trim();
  if (webhookUrl !== undefined) {
    const problem = webhookUrlProblem(webhookUrl);
    if (problem) throw new CliError(`--webhook-url: ${problem}`, EXIT.usage);
    if (config.webhookSecrets.length === 0) {
      throw new CliError(
        'CHATBATCH_WEBHOOK_SECRET: required when a webhook URL is set (--webhook-url): a whsec_… secret that the workers sign deliveries with',
      );
    }
  }
  let webhookEvents: OptInEventType[] | undefined;
  if (flags.webhookEvents !== undefined) {
    try {
      webhookEvents = parseOptInEvents(flags.webhookEvents);
    } catch (error) {
      throw new CliError(`--webhook-events: ${(error as Error).message}`, EXIT.usage);
    }
    if (!webhookUrl && !config.webhookUrl) {
      throw new CliError(
        '--webhook-events: needs a webhook URL (--webhook-url or CHATBATCH_WEBHOOK_URL)',
        EXIT.usage,
      );
    }
  }
  return { webhookUrl: webhookUrl || undefined, webhookEvents };
}
