/*
 * fuzz_kwquery.c — libFuzzer target for the keyword query type
 * (src/funnel: kwquery_in/out/send/recv over the query parser and printer).
 *
 * Input: a query text (the bytes up to the first NUL; like the server, the
 * target only passes valid UTF-8 to a type input function).  Checked:
 *  - kwquery_in either raises a user error or returns a query whose output
 *    (its canonical form) parses back to the same canonical form;
 *  - the binary form round-trips: send, then receive, gives the same output;
 *  - kw_fuzz_parse() agrees with the type's output.
 * Deep nesting must stop with 54001 (stack depth) or a syntax error, never
 * with a crash.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "kwquery.h"
#include "lexicon.h"
#include "pg_shim.h"

extern Datum clientele_kwquery_in(PG_FUNCTION_ARGS);
extern Datum clientele_kwquery_out(PG_FUNCTION_ARGS);
extern Datum clientele_kwquery_send(PG_FUNCTION_ARGS);
extern Datum clientele_kwquery_recv(PG_FUNCTION_ARGS);

static const char *TARGET = "fuzz_kwquery";

/* Call a one-argument SQL function directly, as DirectFunctionCall1 does. */
static Datum
call1(PGFunction fn, Datum arg)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = arg;
	fcinfo->args[0].isnull = false;
	result = fn(fcinfo);
	if (fcinfo->isnull)
		fuzz_fail(TARGET, "a type function returned NULL");
	return result;
}

/* Is s[0..len) valid UTF-8 without NUL (what the server verifies before input)? */
static bool
valid_utf8(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		int			clen;
		int32		cp = tc_decode_utf8(s + i, (int) (len - i), &clen);

		if (cp == 0 || (cp == 0xFFFD && !(clen == 3 && s[i] == 0xEF)))
			return false;
		i += clen;
	}
	return true;
}

static void
body(const uint8 *data, size_t size)
{
	size_t		len = strnlen((const char *) data, size);
	char	   *query;
	Datum		q1,
				q2;
	char	   *out1,
			   *out2,
			   *printed;
	bytea	   *wire;
	StringInfoData buf;

	if (!valid_utf8(data, len))
		return;
	query = pnstrdup((const char *) data, len);

	q1 = call1(clientele_kwquery_in, CStringGetDatum(query));
	out1 = DatumGetCString(call1(clientele_kwquery_out, q1));
	q2 = call1(clientele_kwquery_in, CStringGetDatum(out1));
	out2 = DatumGetCString(call1(clientele_kwquery_out, q2));
	if (strcmp(out1, out2) != 0)
		fuzz_fail(TARGET, "canonical form \"%s\" prints back as \"%s\"", out1, out2);

	printed = kw_fuzz_parse(query, len);
	if (strcmp(printed, out1) != 0)
		fuzz_fail(TARGET, "kw_fuzz_parse gives \"%s\", the type output \"%s\"", printed, out1);

	wire = DatumGetByteaPP(call1(clientele_kwquery_send, q1));
	buf.data = VARDATA_ANY(wire);
	buf.len = VARSIZE_ANY_EXHDR(wire);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	out2 = DatumGetCString(call1(clientele_kwquery_out, call1(clientele_kwquery_recv, PointerGetDatum(&buf))));
	if (strcmp(out1, out2) != 0)
		fuzz_fail(TARGET, "binary round trip of \"%s\" gives \"%s\"", out1, out2);
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
