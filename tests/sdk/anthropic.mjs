// SPDX-License-Identifier: GPL-3.0-or-later
// The official `@anthropic-ai/sdk` against BASE_URL (no /v1: the SDK adds it).
//   node anthropic.mjs BASE_URL MODEL PROMPT
// client.messages.stream(): joins text_delta (text) and thinking_delta
// (thinking) from the raw events; stop, usage and `final` (text and thinking
// blocks of the accumulated message) from finalMessage(), which only works
// when the event sequence is one the SDK's accumulator accepts.
import Anthropic from '@anthropic-ai/sdk';
import { KEY, TIMEOUT_MS, parseArgs, run } from './common.mjs';

const { base, model, prompt } = parseArgs();
const client = new Anthropic({ apiKey: KEY, baseURL: base, maxRetries: 0, timeout: TIMEOUT_MS });

await run(async (acc) => {
  const stream = client.messages.stream({
    model,
    max_tokens: 1024,
    messages: [{ role: 'user', content: prompt }],
  });
  for await (const ev of stream) {
    if (ev.type === 'content_block_delta') {
      if (ev.delta.type === 'text_delta') acc.text += ev.delta.text;
      else if (ev.delta.type === 'thinking_delta') acc.thinking += ev.delta.thinking;
    }
  }
  const msg = await stream.finalMessage();
  acc.stop = msg.stop_reason;
  acc.usage = { input: msg.usage.input_tokens, output: msg.usage.output_tokens };
  acc.final = {
    text: msg.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
    thinking: msg.content.filter((b) => b.type === 'thinking').map((b) => b.thinking).join(''),
  };
});
