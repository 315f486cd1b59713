/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_gemini_json: the "gemini-json" decoder (a streamed JSON array), whole vs split. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_decoder_run(WIRE_GEMINI_JSON, data, size);
}
