// SPDX-License-Identifier: GPL-3.0-or-later
// The official `@google/genai` SDK against BASE_URL (the SDK adds /v1beta/...).
//   node google.mjs BASE_URL MODEL PROMPT
// ai.models.generateContentStream(): joins chunk.text (text parts, thoughts
// left out) and the parts marked thought:true (thinking); stop is the last
// finishReason; usage the last usageMetadata (output = candidates + thoughts).
import { GoogleGenAI } from '@google/genai';
import { KEY, TIMEOUT_MS, parseArgs, run } from './common.mjs';

const { base, model, prompt } = parseArgs();
const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: base, timeout: TIMEOUT_MS } });

await run(async (acc) => {
  const stream = await ai.models.generateContentStream({ model, contents: prompt });
  for await (const chunk of stream) {
    const t = chunk.text;
    if (typeof t === 'string') acc.text += t;
    const cand = chunk.candidates?.[0];
    for (const part of cand?.content?.parts ?? []) {
      if (part.thought && typeof part.text === 'string') acc.thinking += part.text;
    }
    if (cand?.finishReason) acc.stop = cand.finishReason;
    const u = chunk.usageMetadata;
    if (u) {
      acc.usage = {
        input: u.promptTokenCount ?? 0,
        output: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
      };
    }
  }
});
