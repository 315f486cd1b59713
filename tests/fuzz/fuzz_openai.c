/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_openai: the "openai" decoder (Chat Completions over SSE), whole vs split. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_decoder_run(WIRE_OPENAI, data, size);
}
