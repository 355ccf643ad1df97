/*
 * audience_agg.c — aggregates that build audiences: audience_agg(bigint)
 * from ids and audience_union_agg(audience) from audiences.
 *
 * The state is a Judy1 bit set in the aggregate's memory context (created
 * with tc_judy_create(), so the aggregate context's reset frees it).  Judy1
 * takes ids in any order and keeps each once; its memory grows with the
 * number of distinct ids and their spread, typically a byte or two per id
 * for dense ids.  The final function walks it in key order into the
 * compact encoding of audience.c.
 *
 * Across parallel workers the state travels serialised as an audience value
 * itself (the same canonical encoding, validated on arrival).  A state that
 * arrives that way stays encoded: the leader combines encoded states by
 * merging their runs (O(runs), much cheaper than inserting every id into a
 * set again), and the final function returns the merged encoding as it is.
 * Two states still being built are combined by inserting the smaller Judy1
 * set into the larger; a Judy1 state meeting an encoded one is encoded
 * first.
 *
 * Only Judy's error-returning functions are called, through the wrappers
 * below, so a Judy failure (out of memory) is an ordinary ERROR.
 */
#include "postgres.h"

#include <Judy.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "audience.h"
#include "textcore.h"

PG_FUNCTION_INFO_V1(clientele_audience_agg_trans);
PG_FUNCTION_INFO_V1(clientele_audience_union_trans);
PG_FUNCTION_INFO_V1(clientele_audience_agg_combine);
PG_FUNCTION_INFO_V1(clientele_audience_agg_final);
PG_FUNCTION_INFO_V1(clientele_audience_agg_serialize);
PG_FUNCTION_INFO_V1(clientele_audience_agg_deserialize);

typedef struct AudienceAggState
{
	TcJudy	   *set;			/* Judy1 set of keys, or NULL when encoded */
	int64		count;			/* distinct keys in the set */
	struct varlena *encoded;	/* the members as an audience, when set is NULL */
} AudienceAggState;

/* Raise an ERROR for a failed Judy1 call. */
static void pg_attribute_noreturn()
audience_judy_error(const char *op, JError_t *err)
{
	ereport(ERROR,
			(errcode(JU_ERRNO(err) == JU_ERRNO_NOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
			 errmsg("Judy array operation %s failed", op),
			 errdetail("Judy error %d, id %d.", JU_ERRNO(err), JU_ERRID(err))));
}

/* Add a key to a Judy1 set; true when it was not there. */
static inline bool
audience_judy1_set(TcJudy *j, uint64 key)
{
	JError_t	err;
	int			rc;

	Assert(j->kind == TC_JUDY_1);
	rc = Judy1Set(&j->root, (Word_t) key, &err);
	if (rc == JERR)
		audience_judy_error("Judy1Set", &err);
	return rc == 1;
}

/* Step to the first key >= *key (first) or > *key (next); false at the end. */
static inline bool
audience_judy1_walk(TcJudy *j, uint64 *key, bool first)
{
	JError_t	err;
	Word_t		w = (Word_t) *key;
	int			rc;

	rc = first ? Judy1First(j->root, &w, &err) : Judy1Next(j->root, &w, &err);
	if (rc == JERR)
		audience_judy_error(first ? "Judy1First" : "Judy1Next", &err);
	*key = (uint64) w;
	return rc == 1;
}

/* A new empty state in the aggregate context. */
static AudienceAggState *
state_create(MemoryContext aggcxt)
{
	AudienceAggState *st = MemoryContextAlloc(aggcxt, sizeof(AudienceAggState));

	st->set = tc_judy_create(aggcxt, TC_JUDY_1);
	st->count = 0;
	return st;
}

/* Return the aggregate context or raise an error outside an aggregate. */
static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fn)));
	return aggcxt;
}

/* Insert every member of a serialised audience. */
static void
state_add_audience(AudienceAggState *st, const struct varlena *a)
{
	AudienceReader r;
	uint64		key;
	uint32		steps = 0;

	audience_reader_init(&r, a);
	while (audience_reader_next(&r, &key))
	{
		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (audience_judy1_set(st->set, key))
			st->count++;
	}
}

/* Serialise a state as an audience (sorted walk of the set). */
static struct varlena *
state_to_audience(AudienceAggState *st)
{
	AudienceBuilder b;
	uint64		key = 0;
	bool		more;
	uint32		steps = 0;

	if (st != NULL && st->set == NULL)
	{
		struct varlena *copy = palloc(VARSIZE(st->encoded));

		memcpy(copy, st->encoded, VARSIZE(st->encoded));
		return copy;
	}
	audience_builder_init(&b);
	if (st != NULL)
	{
		for (more = audience_judy1_walk(st->set, &key, true); more;
			 more = audience_judy1_walk(st->set, &key, false))
		{
			if ((++steps & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			audience_builder_add(&b, key);
		}
	}
	return audience_builder_finish(&b);
}

/* Turn an encoded state back into a Judy1 set (a transition after a combine). */
static void
state_decode(AudienceAggState *st, MemoryContext aggcxt)
{
	struct varlena *a = st->encoded;

	if (st->set != NULL)
		return;
	st->set = tc_judy_create(aggcxt, TC_JUDY_1);
	st->count = 0;
	st->encoded = NULL;
	state_add_audience(st, a);
	pfree(a);
}

/* The members of a state as an audience in the aggregate context (replacing its set). */
static struct varlena *
state_encode(AudienceAggState *st, MemoryContext aggcxt)
{
	if (st->set != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		st->encoded = state_to_audience(st);
		MemoryContextSwitchTo(old);
		tc_judy_free(st->set);
		st->set = NULL;
		st->count = 0;
	}
	return st->encoded;
}

/* Transition of audience_agg(bigint): add one id (NULLs are skipped). */
Datum
clientele_audience_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "audience_agg_trans");
	AudienceAggState *st = PG_ARGISNULL(0) ? NULL : (AudienceAggState *) PG_GETARG_POINTER(0);

	if (st == NULL)
		st = state_create(aggcxt);
	else if (st->set == NULL)
		state_decode(st, aggcxt);
	if (!PG_ARGISNULL(1) &&
		audience_judy1_set(st->set, audience_key(PG_GETARG_INT64(1))))
		st->count++;
	PG_RETURN_POINTER(st);
}

/* Transition of audience_union_agg(audience): add every member. */
Datum
clientele_audience_union_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "audience_union_trans");
	AudienceAggState *st = PG_ARGISNULL(0) ? NULL : (AudienceAggState *) PG_GETARG_POINTER(0);

	if (st == NULL)
		st = state_create(aggcxt);
	else if (st->set == NULL)
		state_decode(st, aggcxt);
	if (!PG_ARGISNULL(1))
		state_add_audience(st, PG_GETARG_AUDIENCE_P(1));
	PG_RETURN_POINTER(st);
}

/*
 * Combine: merge encodings when either side is encoded, else insert the
 * smaller set into the larger; a copy in the aggregate context when the
 * left is NULL.
 */
Datum
clientele_audience_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "audience_agg_combine");
	AudienceAggState *a = PG_ARGISNULL(0) ? NULL : (AudienceAggState *) PG_GETARG_POINTER(0);
	AudienceAggState *b = PG_ARGISNULL(1) ? NULL : (AudienceAggState *) PG_GETARG_POINTER(1);
	AudienceAggState *big,
			   *small;
	uint64		key = 0;
	bool		more;
	uint32		steps = 0;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = state_create(aggcxt);
		if (b->set == NULL)
		{
			/* copy the encoding: a memcpy */
			tc_judy_free(a->set);
			a->set = NULL;
			a->encoded = MemoryContextAlloc(aggcxt, VARSIZE(b->encoded));
			memcpy(a->encoded, b->encoded, VARSIZE(b->encoded));
			PG_RETURN_POINTER(a);
		}
		big = a;
		small = b;
	}
	else if (a->set == NULL || b->set == NULL)
	{
		struct varlena *x = state_encode(a, aggcxt);
		struct varlena *y;
		MemoryContext old;
		struct varlena *merged;

		if (b->set != NULL)
		{
			/* encode b without changing it */
			old = MemoryContextSwitchTo(aggcxt);
			y = state_to_audience(b);
			MemoryContextSwitchTo(old);
		}
		else
			y = b->encoded;
		old = MemoryContextSwitchTo(aggcxt);
		merged = audience_union_of(x, y);
		MemoryContextSwitchTo(old);
		pfree(x);
		if (y != b->encoded)
			pfree(y);
		a->encoded = merged;
		PG_RETURN_POINTER(a);
	}
	else
	{
		big = a->count >= b->count ? a : b;
		small = big == a ? b : a;
	}
	for (more = audience_judy1_walk(small->set, &key, true); more;
		 more = audience_judy1_walk(small->set, &key, false))
	{
		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (audience_judy1_set(big->set, key))
			big->count++;
	}
	/* big may be b: deserialised states live in the aggregate context too */
	PG_RETURN_POINTER(big);
}

/* Final: the audience (empty, not NULL, when no id was aggregated). */
Datum
clientele_audience_agg_final(PG_FUNCTION_ARGS)
{
	AudienceAggState *st = PG_ARGISNULL(0) ? NULL : (AudienceAggState *) PG_GETARG_POINTER(0);

	agg_context(fcinfo, "audience_agg_final");
	PG_RETURN_POINTER(state_to_audience(st));
}

/* Serialize: the state as an audience value (bytea with the same bytes). */
Datum
clientele_audience_agg_serialize(PG_FUNCTION_ARGS)
{
	AudienceAggState *st = (AudienceAggState *) PG_GETARG_POINTER(0);

	agg_context(fcinfo, "audience_agg_serialize");
	PG_RETURN_BYTEA_P((bytea *) state_to_audience(st));
}

/* Deserialize: validate the bytes and keep them encoded. */
Datum
clientele_audience_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "audience_agg_deserialize");
	struct varlena *raw = (struct varlena *) PG_GETARG_BYTEA_PP(0);
	AudienceAggState *st = MemoryContextAllocZero(aggcxt, sizeof(AudienceAggState));
	MemoryContext old = MemoryContextSwitchTo(aggcxt);

	st->encoded = audience_validated_copy(raw);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}
