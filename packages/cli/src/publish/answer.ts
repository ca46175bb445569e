/** What a `POST /publish` error body may hold (docs/publishing.md). */
interface ErrorBody {
  readonly error?: unknown;
  readonly issues?: unknown;
  readonly max_bytes?: unknown;
}

function readBody(text: string): ErrorBody {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null ? (body as ErrorBody) : {};
  } catch {
    return {};
  }
}

/** `room: A room id: 1 to 128 characters.; payload.message: …` from the body's issues. */
function issuesOf(issues: unknown): string | undefined {
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  return issues
    .map((issue: unknown) => {
      if (typeof issue !== 'object' || issue === null) return String(issue);
      const { path, message } = issue as { path?: unknown; message?: unknown };
      return `${String(path ?? '(root)')}: ${String(message ?? '')}`;
    })
    .join('; ');
}

/** Why the server refused a publication, with what to do about it when the status says. */
export function describeRefusal(status: number, text: string): string {
  const body = readBody(text);
  const code = typeof body.error === 'string' ? body.error : undefined;
  switch (status) {
    case 401:
      return '401 unauthorized: the server refused the key; pass its PUBLISH_KEY (--key, GATEWAY_PUBLISH_KEY or PUBLISH_KEY)';
    case 404:
      return '404 not found: this server has no POST /publish (it runs without PUBLISH_KEY), or --http-url is not a gateway';
    case 413:
      return `413 ${code ?? 'payload_too_large'}: the body is over the server's ${String(body.max_bytes ?? '')} bytes`;
    default: {
      const issues = issuesOf(body.issues);
      const why = code ?? (text.trim().slice(0, 200) || 'no reason given');
      return `${status} ${why}${issues === undefined ? '' : `: ${issues}`}`;
    }
  }
}
