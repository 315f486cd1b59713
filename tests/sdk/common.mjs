// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the SDK scripts: argument parsing and the one JSON line each prints.
//
// Every script: node SCRIPT.mjs [--responses] BASE_URL MODEL PROMPT
// prints one line on stdout and exits 0:
//   {"text":…, "thinking":…, "stop":…, "usage":{"input":n,"output":n}|null, "final":{…}|null}
//   (openai --responses also "incomplete_reason" when the response is incomplete)
// or, when the SDK threw, exits 1 after printing
//   {"error":{"class":…, "status":n|null, "message":…}, "text":<text so far>, "thinking":…}
// The scripts run from build/sdk (copied there by the test) so that the bare
// imports resolve to the pinned SDKs in build/sdk/node_modules.

export const KEY = process.env.SDK_TEST_KEY || 'test-key';
export const TIMEOUT_MS = 20000;

export function parseArgs() {
  const argv = process.argv.slice(2);
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const pos = argv.filter((a) => !a.startsWith('--'));
  if (pos.length !== 3) {
    process.stderr.write('usage: node SCRIPT.mjs [--responses] BASE_URL MODEL PROMPT\n');
    process.exit(2);
  }
  const [base, model, prompt] = pos;
  return { base, model, prompt, flags };
}

export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// run(fn): fn(acc) streams into acc {text, thinking, stop, usage, final};
// an exception becomes the error line (with the partial text) and exit 1.
export async function run(fn) {
  const acc = { text: '', thinking: '', stop: null, usage: null, final: null };
  try {
    await fn(acc);
  } catch (err) {
    emit({
      error: {
        class: err?.constructor?.name ?? typeof err,
        status: typeof err?.status === 'number' ? err.status : null,
        message: String(err?.message ?? err).slice(0, 500),
      },
      text: acc.text,
      thinking: acc.thinking,
    });
    process.exitCode = 1;
    return;
  }
  emit(acc);
}
