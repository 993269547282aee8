import { z } from 'zod';

/** The project's one error shape: `{"error": {"code", "message", "details"?}}`. */
export const errorDetailSchema = z.object({ field: z.string().optional(), message: z.string() });
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(errorDetailSchema).optional(),
  }),
});
export type ErrorDetail = z.infer<typeof errorDetailSchema>;
export type ErrorBody = z.infer<typeof errorBodySchema>;
