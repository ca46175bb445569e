import type { EventDefinition } from '@gateway/protocol';
import type { PublicationIssue } from '../ingress/publication';
import { PublishError, type Publisher } from './types';

export interface HttpPublisherOptions<Events extends readonly EventDefinition[]> {
  /** The gateway's HTTP address (`http://host:port`), or the full `/publish` URL. */
  url: string;
  /** The gateway's PUBLISH_KEY. */
  key: string;
  /** Only for typing `publish`; the gateway validates. */
  events?: Events;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

function publishUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/publish') ? trimmed : `${trimmed}/publish`;
}

/**
 * `POST /publish` from a Node service: resolves once the gateway accepted (202), rejects with a
 * `PublishError` carrying the status, code and issues otherwise.
 */
export function createPublisher<const Events extends readonly EventDefinition[] = []>(
  options: HttpPublisherOptions<Events>,
): Publisher<Events> {
  const endpoint = publishUrl(options.url);
  const send = options.fetch ?? globalThis.fetch;
  return {
    async publish(target, type, payload) {
      const response = await send(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...target, type, payload }),
      });
      if (response.status === 202) {
        await response.body?.cancel();
        return;
      }
      let answer: { error?: string; issues?: PublicationIssue[] } = {};
      try {
        answer = (await response.json()) as typeof answer;
      } catch {
        // Not the gateway's JSON (a proxy's page): the status says enough.
      }
      const code = answer.error ?? `http_${response.status}`;
      throw new PublishError(code, `The gateway refused "${type}": ${code}.`, response.status, answer.issues ?? []);
    },
    async close() {},
  };
}
