import type { Io } from '../io';

/** A publication as POST /publish takes it (docs/publishing.md): a room target, a type and its payload. */
export interface PublishBody {
  readonly room: string;
  readonly type: 'system';
  readonly payload: { readonly message: string; readonly level?: 'info' | 'warning' | 'error' };
}

export type PublishOutcome =
  | { readonly reached: true; readonly status: number; readonly ok: boolean; readonly text: string }
  /** No answer at all: refused, unknown host, reset; `why` is the network's reason. */
  | { readonly reached: false; readonly why: string };

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Sends the publication with the key as `Authorization: Bearer <key>`; Ctrl+C (`io.signal`) abandons it. */
export async function postPublication(io: Io, url: URL, key: string, body: PublishBody): Promise<PublishOutcome> {
  try {
    const response = await (io.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
    return { reached: true, status: response.status, ok: response.ok, text: await response.text() };
  } catch (error) {
    return { reached: false, why: causeOf(error) };
  }
}
