/*
 * fuzz_common.c — the harness shared by the fuzz targets.
 *
 * Each input runs in a fresh memory context under PG_TRY(), as one call of
 * a SQL function would.  An ERROR is acceptable when it carries a proper
 * SQLSTATE (bad data, resource limits); an internal error (XX000) is the
 * bug class users must never see, so it aborts the fuzzer with the error's
 * message and location.  After each input the context is deleted: every
 * Judy array and buffer must be released by it (LeakSanitizer reports any
 * malloc'ed block that survives), and the most bytes it held at once are
 * bounded by a multiple of the input size, which catches unbounded growth.
 */
#include "postgres.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "utils/memutils.h"

#include "pg_shim.h"

/* Memory one input may use: generous, but linear in its size. */
#define FUZZ_BYTES_PER_INPUT_BYTE 400
#define FUZZ_BYTES_BASE (4 * 1024 * 1024)

void
fuzz_fail(const char *target, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: ", target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
fuzz_run(const char *target, FuzzBody body, const uint8 *data, size_t size)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "fuzz input", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	volatile bool failed = false;
	Size		before = shim_context_bytes(TopMemoryContext);
	char		stack_base;

	shim_stack_base = &stack_base;

	shim_reset_peak();
	PG_TRY();
	{
		body(data, size);
	}
	PG_CATCH();
	{
		failed = true;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	if (shim_peak_bytes() - before > FUZZ_BYTES_BASE + FUZZ_BYTES_PER_INPUT_BYTE * size)
		fuzz_fail(target, "an input of %zu bytes used %zu bytes of memory",
				  size, (size_t) (shim_peak_bytes() - before));
	if (failed && shim_error.sqlstate == ERRCODE_INTERNAL_ERROR)
		fuzz_fail(target, "internal error (XX000) at %s: %s", shim_error.where, shim_error.message);
}
