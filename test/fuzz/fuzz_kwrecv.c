/*
 * fuzz_kwrecv.c — libFuzzer target for the keyword query's binary input
 * (src/funnel: kwquery_recv, the deserializer a client or a distributed
 * engine feeds with arbitrary bytes).
 *
 * Input: the message bytes as they would arrive.  Checked: kwquery_recv
 * raises a user error (bad version, short message, bad query) or returns a
 * query whose binary form, received again, gives the same query.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "kwquery.h"
#include "lexicon.h"
#include "pg_shim.h"

extern Datum clientele_kwquery_out(PG_FUNCTION_ARGS);
extern Datum clientele_kwquery_send(PG_FUNCTION_ARGS);
extern Datum clientele_kwquery_recv(PG_FUNCTION_ARGS);

static const char *TARGET = "fuzz_kwrecv";

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

static void
body(const uint8 *data, size_t size)
{
	StringInfoData buf;
	Datum		q;
	char	   *out1,
			   *out2;
	bytea	   *wire;

	/* the server hands receive functions a NUL-terminated copy */
	buf.data = palloc(size + 1);
	memcpy(buf.data, data, size);
	buf.data[size] = '\0';
	buf.len = (int) size;
	buf.maxlen = (int) size + 1;
	buf.cursor = 0;
	q = call1(clientele_kwquery_recv, PointerGetDatum(&buf));
	out1 = DatumGetCString(call1(clientele_kwquery_out, q));

	wire = DatumGetByteaPP(call1(clientele_kwquery_send, q));
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
