import * as z from 'zod/mini';
import { frame } from '../envelope';
import { Data } from '../primitives';

/** A notice from the server or the application (seed 000's `SYSTEM {"message":"Welcome!"}`). */
export const SystemFrame = frame(
  'system',
  z.object({
    message: z.string(),
    level: z.optional(z.enum(['info', 'warning', 'error'])),
    data: z.optional(Data),
  }),
);
