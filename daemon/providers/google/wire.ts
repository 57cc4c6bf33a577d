// Gemini API (generativelanguage v1beta) wire shapes from its public reference: a
// GenerateContentResponse is both the whole answer and each record of streamGenerateContent.
import { z } from 'zod';

export const GeminiPart = z.object({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  inlineData: z.object({ mimeType: z.string(), data: z.string() }).optional(),
  functionCall: z.object({ id: z.string().optional(), name: z.string(), args: z.record(z.string(), z.unknown()).optional() }).optional(),
  functionResponse: z.object({ id: z.string().optional(), name: z.string(), response: z.record(z.string(), z.unknown()) }).optional(),
}).passthrough();
export type GeminiPart = z.infer<typeof GeminiPart>;

export const GeminiContent = z.object({ role: z.string().optional(), parts: z.array(GeminiPart).optional() });

export const GeminiUsage = z.object({
  promptTokenCount: z.number().int().nonnegative().optional(),
  candidatesTokenCount: z.number().int().nonnegative().optional(),
  cachedContentTokenCount: z.number().int().nonnegative().optional(),
  thoughtsTokenCount: z.number().int().nonnegative().optional(),
  toolUsePromptTokenCount: z.number().int().nonnegative().optional(),
  totalTokenCount: z.number().int().nonnegative().optional(),
}).passthrough();
export type GeminiUsage = z.infer<typeof GeminiUsage>;

export const GeminiResponse = z.object({
  candidates: z.array(z.object({
    content: GeminiContent.optional(),
    finishReason: z.string().optional(),
    index: z.number().int().optional(),
  }).passthrough()).optional(),
  promptFeedback: z.object({ blockReason: z.string().optional() }).passthrough().optional(),
  usageMetadata: GeminiUsage.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
}).passthrough();
export type GeminiResponse = z.infer<typeof GeminiResponse>;

export const GeminiErrorBody = z.object({
  error: z.object({ code: z.number().int().optional(), message: z.string(), status: z.string().optional() }).passthrough(),
});
