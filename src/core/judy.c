/*
 * judy.c — Judy arrays owned by PostgreSQL memory contexts.
 *
 * Judy allocates with malloc, outside PostgreSQL's memory accounting, and
 * its convenience macros call exit() on failure.  Every Judy array of the
 * extension is therefore created through tc_judy_create(): the array is
 * released by a reset callback of the memory context that owns it, and
 * every operation goes through the error-returning function API so that a
 * Judy failure becomes an ordinary ERROR.
 */
#include "postgres.h"

#include <Judy.h>

#include "textcore.h"

/* Raise an ERROR for a failed Judy call. */
static void
judy_error(const char *op, JError_t *err)
{
	int			code = JU_ERRNO(err);

	ereport(ERROR,
			(errcode(code == JU_ERRNO_NOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
			 errmsg("Judy array operation %s failed", op),
			 errdetail("Judy error %d, id %d.", code, JU_ERRID(err))));
}

/* Memory-context reset callback: free the Judy array. */
static void
judy_reset_callback(void *arg)
{
	tc_judy_free((TcJudy *) arg);
}

/* Create an empty Judy array released with the given memory context. */
TcJudy *
tc_judy_create(MemoryContext cxt, TcJudyKind kind)
{
	TcJudy	   *j = MemoryContextAllocZero(cxt, sizeof(TcJudy));

	j->kind = kind;
	j->root = NULL;
	j->cb.func = judy_reset_callback;
	j->cb.arg = j;
	MemoryContextRegisterResetCallback(cxt, &j->cb);
	return j;
}

/* Free the array's memory now (it stays usable as an empty array). */
void
tc_judy_free(TcJudy *j)
{
	JError_t	err;

	if (j->root == NULL)
		return;
	switch (j->kind)
	{
		case TC_JUDY_L:
			JudyLFreeArray(&j->root, &err);
			break;
		case TC_JUDY_1:
			Judy1FreeArray(&j->root, &err);
			break;
		case TC_JUDY_SL:
			JudySLFreeArray(&j->root, &err);
			break;
		case TC_JUDY_HS:
			JudyHSFreeArray(&j->root, &err);
			break;
	}
	j->root = NULL;
}

/* Insert a byte-string key; return the slot for its value. */
void **
tc_judy_hs_insert(TcJudy *j, const void *key, Size len)
{
	JError_t	err;
	PPvoid_t	slot;

	Assert(j->kind == TC_JUDY_HS);
	slot = JudyHSIns(&j->root, (void *) key, len, &err);
	if (slot == PPJERR)
		judy_error("JudyHSIns", &err);
	return (void **) slot;
}

/* Look a byte-string key up; NULL when absent. */
void **
tc_judy_hs_get(TcJudy *j, const void *key, Size len)
{
	Assert(j->kind == TC_JUDY_HS);
	return (void **) JudyHSGet(j->root, (void *) key, len);
}
