// SPDX-License-Identifier: GPL-3.0-or-later
// The official `openai` SDK against BASE_URL (ending in /v1).
//   node openai.mjs BASE_URL MODEL PROMPT              Chat Completions stream
//   node openai.mjs --responses BASE_URL MODEL PROMPT  Responses stream
// Chat: joins delta.content (text) and delta.reasoning_content (thinking, the
// DeepSeek-style field the SDK passes through untyped); usage from the last
// chunk (stream_options.include_usage). Responses: joins
// response.output_text.delta and response.reasoning_summary_text.delta; stop,
// usage and `final` (the output_text parts of the completed response) from
// response.completed / response.incomplete.
import OpenAI from 'openai';
import { KEY, TIMEOUT_MS, parseArgs, run } from './common.mjs';

const { base, model, prompt, flags } = parseArgs();
const client = new OpenAI({ apiKey: KEY, baseURL: base, maxRetries: 0, timeout: TIMEOUT_MS });

class ResponseErrorEvent extends Error {
  constructor(ev) {
    super(`${ev.code}: ${ev.message}`);
    this.code = ev.code;
  }
}

async function chat(acc) {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: prompt }],
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) {
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta ?? {};
      if (typeof d.content === 'string') acc.text += d.content;
      if (typeof d.reasoning_content === 'string') acc.thinking += d.reasoning_content;
      if (choice.finish_reason) acc.stop = choice.finish_reason;
    }
    if (chunk.usage) {
      acc.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
    }
  }
}

async function responses(acc) {
  const stream = await client.responses.create({ model, input: prompt, stream: true });
  for await (const ev of stream) {
    switch (ev.type) {
      case 'response.output_text.delta':
        acc.text += ev.delta;
        break;
      case 'response.reasoning_summary_text.delta':
        acc.thinking += ev.delta;
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const r = ev.response;
        acc.stop = r.status;
        if (r.incomplete_details) acc.incomplete_reason = r.incomplete_details.reason;
        if (r.usage) acc.usage = { input: r.usage.input_tokens, output: r.usage.output_tokens };
        let text = '';
        for (const item of r.output ?? []) {
          if (item.type !== 'message') continue;
          for (const part of item.content ?? []) if (part.type === 'output_text') text += part.text;
        }
        acc.final = { text };
        break;
      }
      case 'error':
        // The SDK hands the API's flat in-stream error over as a typed event
        // (ResponseErrorEvent) rather than throwing: fail with it.
        throw new ResponseErrorEvent(ev);
      default:
        break;
    }
  }
}

await run(flags.has('--responses') ? responses : chat);
