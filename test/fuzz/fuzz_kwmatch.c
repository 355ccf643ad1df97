/*
 * fuzz_kwmatch.c — libFuzzer target for the keyword matcher and its index
 * plan (src/funnel: kw_fuzz_query_match()).
 *
 * Input: a query, a NUL byte, then a message (without a NUL the whole input
 * is the query and the message is empty).  kw_fuzz_query_match() parses the
 * query, checks that its canonical form parses back to itself, compiles it,
 * matches the message, and checks that the message's index keys satisfy the
 * query's index plan whenever the message matches (the contract with the
 * keyword index); a broken invariant is an internal error, which the
 * harness reports.  Bad queries raise user errors (42601/22P02).
 */
#include "postgres.h"

#include "kwquery.h"
#include "lexicon.h"
#include "pg_shim.h"

static const char *TARGET = "fuzz_kwmatch";

static void
body(const uint8 *data, size_t size)
{
	const char *s = (const char *) data;
	size_t		qlen = strnlen(s, size);
	const char *text = qlen < size ? s + qlen + 1 : "";
	size_t		tlen = qlen < size ? size - qlen - 1 : 0;
	int			r = kw_fuzz_query_match(s, qlen, text, tlen);

	if (r != 0 && r != 1)
		fuzz_fail(TARGET, "kw_fuzz_query_match returned %d", r);
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
