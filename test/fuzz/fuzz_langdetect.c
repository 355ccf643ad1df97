/*
 * fuzz_langdetect.c — libFuzzer target for language detection
 * (src/core/langdetect.c over the tokenizer and the built-in lexicon).
 *
 * Input: one byte choosing how many tokens are examined (16 per unit, so
 * 0..4080; SQL's detect_language examines 2000), then the message bytes.
 * Checked: the answer is 'en', 'fr' or none, it has a name when it is a
 * language, and the same message gives the same answer twice.
 */
#include "postgres.h"

#include "textcore.h"
#include "lexicon.h"
#include "pg_shim.h"

static const char *TARGET = "fuzz_langdetect";

static void
body(const uint8 *data, size_t size)
{
	int			max_tokens = size > 0 ? data[0] * 16 : 0;
	const char *s = size > 0 ? (const char *) data + 1 : "";
	int			len = size > 0 ? (int) size - 1 : 0;
	TcLang		lang = tc_detect_language(s, len, max_tokens);

	if (lang != TC_LANG_NONE && lang != TC_LANG_EN && lang != TC_LANG_FR)
		fuzz_fail(TARGET, "detected language %d", (int) lang);
	if (lang != TC_LANG_NONE && tc_lang_name(lang) == NULL)
		fuzz_fail(TARGET, "language %d has no name", (int) lang);
	if (tc_detect_language(s, len, max_tokens) != lang)
		fuzz_fail(TARGET, "two detections of one message disagree");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	lex_ensure_loaded();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	fuzz_run(TARGET, body, data, size);
	return 0;
}
