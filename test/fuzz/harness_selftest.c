/*
 * harness_selftest.c — proves the fuzzing harness can fail.
 *
 * run.sh feeds this target one input per kind of finding and expects the
 * harness to accept the first and to abort on each of the others:
 *   'e'  an ERROR with a proper SQLSTATE (accepted: a user error)
 *   'x'  elog(ERROR), i.e. an internal error XX000
 *   'b'  a palloc above MaxAllocSize (the server's XX000 as well)
 *   'm'  10 MB held for a 1-byte input (unbounded memory growth)
 *   'l'  a malloc'ed block that nothing frees (LeakSanitizer)
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "pg_shim.h"

static void * volatile leak_sink;

static void
body(const uint8 *data, size_t size)
{
	switch (size > 0 ? data[0] : 0)
	{
		case 'e':
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("a user error")));
			break;
		case 'x':
			elog(ERROR, "an internal error");
			break;
		case 'b':
			(void) palloc(MaxAllocSize + 1);
			break;
		case 'm':
			memset(palloc(10 * 1024 * 1024), 1, 10 * 1024 * 1024);
			break;
		case 'l':
			leak_sink = malloc(10);
			leak_sink = NULL;
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	fuzz_run("harness_selftest", body, data, size);
	return 0;
}
