/*
 * pg_shim.h — what the fuzz targets see of the backend shim (pg_shim.c).
 */
#ifndef CLIENTELE_PG_SHIM_H
#define CLIENTELE_PG_SHIM_H

#include "postgres.h"

/* The last error raised with ereport()/elog(). */
typedef struct ShimError
{
	int			sqlstate;		/* MAKE_SQLSTATE code */
	char		message[512];
	char		where[256];
} ShimError;

extern ShimError shim_error;
extern long shim_interrupt_checks;

/* The five-character form of a SQLSTATE code (static buffer). */
extern const char *shim_sqlstate(int sqlerrcode);

/* Bytes held by a context and its children. */
extern Size shim_context_bytes(MemoryContext context);

/* High-water mark of the bytes held by all contexts; reset it to now. */
extern Size shim_peak_bytes(void);
extern void shim_reset_peak(void);

/* The context AggCheckCallContext() gives a function called in an aggregate. */
extern MemoryContext shim_aggregate_context;

/* Frame address fuzz_run() records for check_stack_depth(). */
extern char *shim_stack_base;

/* Run one input: see fuzz_common.c. */
typedef void (*FuzzBody) (const uint8 *data, size_t size);
extern void fuzz_run(const char *target, FuzzBody body, const uint8 *data, size_t size);

/* Abort with a message: an invariant of the code under test failed. */
extern void fuzz_fail(const char *target, const char *fmt,...) pg_attribute_printf(2, 3);

#endif
