/*
 * fuzz_tokenizer.c — libFuzzer target for the text core's tokenizer and
 * word normalisation (src/core/tokenizer.c, normalize.c, emoji.c).
 *
 * Input: one flag byte (bit 0: fold accents), then arbitrary bytes as the
 * message (not necessarily UTF-8: SQL_ASCII databases pass any bytes).
 * Checked for every input, besides ASan/UBSan and the harness's rules:
 *  - tokens lie inside the message, in order, without overlapping, with
 *    positions 1, 2, 3... and a known kind; every normal form byte is read;
 *  - the backend's shared tokenizer gives exactly the same tokens as a
 *    private one (it reuses buffers across calls);
 *  - normalising the whole message as one word does not fail.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "textcore.h"
#include "lexicon.h"
#include "pg_shim.h"

static const char *TARGET = "fuzz_tokenizer";

/* Tokenize and check the invariants; returns a digest of the normal forms. */
static uint64
tokenize(TcTokenizer *tz, const char *s, int len)
{
	TcToken		tok;
	int			n = 0;
	int			end = 0;
	uint64		digest = 1469598103934665603ULL;

	while (tc_next_token(tz, &tok))
	{
		int			i;

		n++;
		if (tok.position != n)
			fuzz_fail(TARGET, "token %d has position %d", n, tok.position);
		if (tok.start < end || tok.len <= 0 || tok.start + tok.len > len)
			fuzz_fail(TARGET, "token %d spans [%d, %d) after %d in %d bytes",
					  n, tok.start, tok.start + tok.len, end, len);
		if ((int) tok.kind < 0 || tok.kind >= TC_NUM_KINDS || tc_kind_name(tok.kind) == NULL)
			fuzz_fail(TARGET, "token %d has kind %d", n, (int) tok.kind);
		if (tok.normlen < 0 || (tok.normlen > 0 && tok.norm == NULL))
			fuzz_fail(TARGET, "token %d has a normal form of %d bytes at %p", n, tok.normlen, tok.norm);
		if (tok.squeezed != NULL && tok.squeezedlen < 0)
			fuzz_fail(TARGET, "token %d has a squeezed form of %d bytes", n, tok.squeezedlen);
		for (i = 0; i < tok.normlen; i++)
			digest = (digest ^ (unsigned char) tok.norm[i]) * 1099511628211ULL;
		for (i = 0; tok.squeezed && i < tok.squeezedlen; i++)
			digest = (digest ^ (unsigned char) tok.squeezed[i]) * 1099511628211ULL;
		digest = (digest ^ (uint64) (tok.kind * 131 + tok.flags + tok.start * 7)) * 1099511628211ULL;
		end = tok.start + tok.len;
	}
	if (n > len)
		fuzz_fail(TARGET, "%d tokens in %d bytes", n, len);
	return digest;
}

static void
body(const uint8 *data, size_t size)
{
	bool		fold = size > 0 && (data[0] & 1);
	const char *s = size > 0 ? (const char *) data + 1 : "";
	int			len = size > 0 ? (int) size - 1 : 0;
	TcTokenizer tz;
	uint64		private_digest,
				shared_digest;
	StringInfoData out,
				scratch;

	tc_tokenizer_init(&tz, s, len, fold);
	private_digest = tokenize(&tz, s, len);
	tc_tokenizer_free(&tz);

	shared_digest = tokenize(tc_tokenizer_shared(s, len, fold), s, len);
	if (shared_digest != private_digest)
		fuzz_fail(TARGET, "the shared tokenizer disagrees with a private one");

	initStringInfo(&out);
	initStringInfo(&scratch);
	(void) tc_normalize_word((const unsigned char *) s, len, fold, &out, &scratch);
	if (out.len < 0 || out.data[out.len] != '\0')
		fuzz_fail(TARGET, "normal form buffer is not terminated");
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
