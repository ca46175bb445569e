import type { DecoderOptions } from '@gateway/protocol';
import * as z from 'zod/mini';

/**
 * English messages for the issues zod finds in untrusted frames: zod/mini says only "Invalid input" until
 * it has a locale. Handed to each decoder, so the host application's zod configuration is left as it is.
 */
export function englishIssues(): DecoderOptions {
  return { errorMap: z.locales.en().localeError };
}
