// SPDX-License-Identifier: GPL-3.0-or-later
// A peer for tests/bench/bench_suite.py: the official SDK reads one stream.
//   node bench_sdk.mjs SDK_DIR openai|anthropic BASE_URL
// SDK_DIR is where the pinned SDKs are installed (build/sdk, by
// tests/integration/test_sdk_fidelity.py with npm ci); they are loaded from
// there, so this script can stay in tests/bench/.
// openai: client.chat.completions.create({stream: true}), the chunks
// iterated and delta.content kept; anthropic: client.messages.create({stream:
// true}), the raw events iterated and each text_delta kept. That is the SDK's
// own decoding and nothing more (no accumulating helper such as
// messages.stream()), the same work circuit -p does: text out of each chunk.
// Prints one JSON line on stdout: {"chunks": n, "bytes": n, "stream_cpu_us": n}
// (stream_cpu_us: this process's CPU from the request to the end of the
// stream, without node's start-up and the SDK's loading).
import { createRequire } from 'node:module';
import path from 'node:path';

const [sdkDir, which, base] = process.argv.slice(2);
if (!sdkDir || !base || (which !== 'openai' && which !== 'anthropic')) {
  process.stderr.write('usage: node bench_sdk.mjs SDK_DIR openai|anthropic BASE_URL\n');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(sdkDir), 'package.json'));
const KEY = 'sk-bench';
const prompt = [{ role: 'user', content: 'hi' }];
let chunks = 0;
const parts = [];
let cpu0;

if (which === 'openai') {
  const { OpenAI } = require('openai');
  const client = new OpenAI({ apiKey: KEY, baseURL: base, maxRetries: 0, timeout: 120000 });
  cpu0 = process.cpuUsage();
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini', messages: prompt, stream: true,
  });
  for await (const chunk of stream) {
    const c = chunk.choices?.[0]?.delta?.content;
    if (typeof c === 'string' && c.length > 0) {
      chunks++;
      parts.push(c);
    }
  }
} else {
  const { Anthropic } = require('@anthropic-ai/sdk');
  const client = new Anthropic({ apiKey: KEY, baseURL: base, maxRetries: 0, timeout: 120000 });
  cpu0 = process.cpuUsage();
  const stream = await client.messages.create({
    model: 'claude-sonnet-4-5', max_tokens: 1024, messages: prompt, stream: true,
  });
  for await (const ev of stream) {
    if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
      chunks++;
      parts.push(ev.delta.text);
    }
  }
}
const cpu = process.cpuUsage(cpu0);
const text = parts.join('');
process.stdout.write(JSON.stringify({
  chunks, bytes: Buffer.byteLength(text), stream_cpu_us: cpu.user + cpu.system,
}) + '\n');
