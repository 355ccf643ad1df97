/*
 * audience_agg.c — aggregates that build audiences: audience_agg(bigint)
 * from ids and audience_union_agg(audience) from audiences.
 *
 * The state type is clientele.audience itself, so the states have the
 * type's exact text form ('{1,5,10..20}') and its binary form: Citus can
 * compute a partial state on each shard, print it with audience_out, read
 * it back on the coordinator with audience_in, and combine; PostgreSQL's
 * parallel workers hand their states to the leader as ordinary audience
 * values, with no serialize or deserialize function.
 *
 * Keeping the transition fast.  A flat audience is a sorted encoding that
 * cannot take one more id without being rewritten, so while ids arrive the
 * state is a read-write expanded object (utils/expandeddatum.h): an
 * ExpandedAudience header in a memory context of its own, a child of the
 * aggregate context, holding a Judy1 bit set of keys (created with
 * tc_judy_create() in that context, so deleting the object frees it).
 * nodeAgg keeps a read-write expanded state whose context is a child of the
 * aggregate context as it is, without copying (ExecAggTransReparent), and
 * passes it back to the next call, which adds the id in place: a Judy1Set
 * per row, as before.  Citus's partial aggregation handles its states the
 * same way.  Judy1 takes ids in any order and keeps each once; its memory
 * is typically a byte or two per id for dense ids.
 *
 * The object flattens (when a worker or Citus sends the state, or the final
 * function runs) by walking the set in key order into the compact encoding
 * of audience.c; the encoding is cached in the object until the next change,
 * so a state flattened twice is walked once.
 *
 * An expanded audience is in one of two modes: collecting (a Judy1 set, the
 * flat encoding only a cache) or encoded (the flat encoding is the value).
 * Combining is where the encoded mode pays: the states that reach the
 * leader (or the coordinator) are flat audiences, and two encodings are
 * merged run by run (O(runs), far cheaper than inserting every id into a
 * set again), so a combined state stays encoded and the final function
 * returns its encoding as it is.  A collecting state meeting an encoded one
 * is encoded first; two collecting states are combined by inserting the
 * right one's keys into the left.  A transition after a combine decodes
 * the state back into a set.
 *
 * Ownership.  A function changes its state argument in place only when it
 * is a read-write expanded audience (nodeAgg's own state); any other left
 * state (a flat value, or NULL) is copied into a new object in the
 * aggregate context, and the right argument of the combine function is
 * only read, whatever its form.
 *
 * Only Judy's error-returning functions are called, through the wrappers
 * below, so a Judy failure (out of memory) is an ordinary ERROR.
 */
#include "postgres.h"

#include <Judy.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "audience.h"
#include "textcore.h"

PG_FUNCTION_INFO_V1(clientele_audience_agg_trans);
PG_FUNCTION_INFO_V1(clientele_audience_union_trans);
PG_FUNCTION_INFO_V1(clientele_audience_agg_combine);
PG_FUNCTION_INFO_V1(clientele_audience_agg_final);

typedef struct ExpandedAudience
{
	ExpandedObjectHeader hdr;
	TcJudy	   *set;			/* Judy1 set of keys; NULL in encoded mode */
	int64		count;			/* distinct keys in the set */
	struct varlena *flat;		/* the value (encoded mode) or a cache of the set, or NULL */
} ExpandedAudience;

static Size ea_get_flat_size(ExpandedObjectHeader *eohptr);
static void ea_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods ea_methods = {
	ea_get_flat_size,
	ea_flatten_into
};

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

/* A new empty expanded audience (collecting mode) in a child context of parent. */
static ExpandedAudience *
ea_create(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "audience aggregate state",
											  ALLOCSET_SMALL_SIZES);
	ExpandedAudience *ea = MemoryContextAlloc(cxt, sizeof(ExpandedAudience));

	EOH_init_header(&ea->hdr, &ea_methods, cxt);
	ea->set = tc_judy_create(cxt, TC_JUDY_1);
	ea->count = 0;
	ea->flat = NULL;
	return ea;
}

/* The expanded audience behind a datum, or NULL when it is not one. */
static ExpandedAudience *
ea_of_datum(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	return eoh->eoh_methods == &ea_methods ? (ExpandedAudience *) eoh : NULL;
}

/* Walk a set in key order into an audience encoding in the current context. */
static struct varlena *
set_to_audience(TcJudy *set)
{
	AudienceBuilder b;
	uint64		key = 0;
	bool		more;
	uint32		steps = 0;

	audience_builder_init(&b);
	for (more = audience_judy1_walk(set, &key, true); more;
		 more = audience_judy1_walk(set, &key, false))
	{
		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		audience_builder_add(&b, key);
	}
	return audience_builder_finish(&b);
}

/* The encoding of an expanded audience, built into its context when missing. */
static struct varlena *
ea_flat(ExpandedAudience *ea)
{
	if (ea->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(ea->hdr.eoh_context);

		Assert(ea->set != NULL);
		ea->flat = set_to_audience(ea->set);
		MemoryContextSwitchTo(old);
	}
	return ea->flat;
}

/* Expanded-object method: size of the flat audience. */
static Size
ea_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(ea_flat((ExpandedAudience *) eohptr));
}

/* Expanded-object method: write the flat audience. */
static void
ea_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	struct varlena *flat = ea_flat((ExpandedAudience *) eohptr);

	Assert(allocated_size == VARSIZE(flat));
	memcpy(result, flat, allocated_size);
}

/* A new expanded audience in encoded mode holding a copy of an encoding. */
static ExpandedAudience *
ea_from_encoding(MemoryContext parent, const struct varlena *a)
{
	ExpandedAudience *ea = ea_create(parent);

	tc_judy_free(ea->set);
	ea->set = NULL;
	ea->flat = MemoryContextAlloc(ea->hdr.eoh_context, VARSIZE_ANY(a));
	memcpy(ea->flat, a, VARSIZE_ANY(a));
	return ea;
}

/*
 * The state a function may change: its own read-write expanded audience,
 * or else a new one in the aggregate context copied from the value.
 */
static ExpandedAudience *
ea_own_state(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	Datum		d = PG_GETARG_DATUM(0);
	ExpandedAudience *ea;

	if (PG_ARGISNULL(0))
		return NULL;
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
		(ea = ea_of_datum(d)) != NULL)
		return ea;
	if ((ea = ea_of_datum(d)) != NULL)
	{
		/* read-only: copy its encoding, without changing it */
		struct varlena *enc = ea->flat != NULL ? ea->flat : set_to_audience(ea->set);
		ExpandedAudience *copy = ea_from_encoding(aggcxt, enc);

		if (enc != ea->flat)
			pfree(enc);
		return copy;
	}
	return ea_from_encoding(aggcxt, DatumGetAudienceP(d));
}

/* Insert every member of an encoding into a collecting state. */
static void
ea_add_audience(ExpandedAudience *ea, const struct varlena *a)
{
	AudienceReader r;
	uint64		key;
	uint32		steps = 0;

	audience_reader_init(&r, a);
	while (audience_reader_next(&r, &key))
	{
		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (audience_judy1_set(ea->set, key))
			ea->count++;
	}
}

/* Make a state collecting (decode an encoded one) and drop a stale cache. */
static void
ea_make_collecting(ExpandedAudience *ea)
{
	if (ea->set == NULL)
	{
		struct varlena *a = ea->flat;

		ea->set = tc_judy_create(ea->hdr.eoh_context, TC_JUDY_1);
		ea->count = 0;
		ea->flat = NULL;
		ea_add_audience(ea, a);
		pfree(a);
	}
}

/* Drop the cached encoding of a collecting state that is about to change. */
static inline void
ea_changed(ExpandedAudience *ea)
{
	if (unlikely(ea->flat != NULL))
	{
		pfree(ea->flat);
		ea->flat = NULL;
	}
}

/* Make a state encoded (replacing its set by its encoding). */
static struct varlena *
ea_make_encoded(ExpandedAudience *ea)
{
	if (ea->set != NULL)
	{
		ea_flat(ea);
		tc_judy_free(ea->set);
		ea->set = NULL;
		ea->count = 0;
	}
	return ea->flat;
}

/* Transition of audience_agg(bigint): add one id (NULLs are skipped). */
Datum
clientele_audience_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "audience_agg_trans");
	ExpandedAudience *ea = ea_own_state(fcinfo, aggcxt);

	if (ea == NULL)
		ea = ea_create(aggcxt);
	else if (unlikely(ea->set == NULL))
		ea_make_collecting(ea);
	if (!PG_ARGISNULL(1) &&
		audience_judy1_set(ea->set, audience_key(PG_GETARG_INT64(1))))
	{
		ea->count++;
		ea_changed(ea);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&ea->hdr));
}

/* Transition of audience_union_agg(audience): add every member. */
Datum
clientele_audience_union_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "audience_union_trans");
	ExpandedAudience *ea = ea_own_state(fcinfo, aggcxt);

	if (ea == NULL)
		ea = ea_create(aggcxt);
	else if (ea->set == NULL)
		ea_make_collecting(ea);
	if (!PG_ARGISNULL(1))
	{
		ea_changed(ea);
		ea_add_audience(ea, PG_GETARG_AUDIENCE_P(1));
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&ea->hdr));
}

/*
 * Combine: merge encodings when either side is encoded, else insert the
 * right set into the left one; a copy in the aggregate context when the
 * left is NULL.  The right state is never changed.
 */
Datum
clientele_audience_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "audience_agg_combine");
	ExpandedAudience *a;
	ExpandedAudience *b = NULL;
	const struct varlena *bflat = NULL;
	uint64		key = 0;
	bool		more;
	uint32		steps = 0;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		a = ea_own_state(fcinfo, aggcxt);
		PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
	}
	b = ea_of_datum(PG_GETARG_DATUM(1));
	if (b == NULL)
		bflat = DatumGetAudienceP(PG_GETARG_DATUM(1));
	else if (b->set == NULL)
		bflat = b->flat;

	a = ea_own_state(fcinfo, aggcxt);
	if (a == NULL)
	{
		/* a copy of the right state's encoding: a memcpy when it is flat */
		if (bflat == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(aggcxt);
			struct varlena *enc = set_to_audience(b->set);

			MemoryContextSwitchTo(old);
			a = ea_from_encoding(aggcxt, enc);
			pfree(enc);
		}
		else
			a = ea_from_encoding(aggcxt, bflat);
		PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
	}
	if (a->set != NULL && bflat == NULL)
	{
		/* two sets: insert b's keys into a */
		ea_changed(a);
		for (more = audience_judy1_walk(b->set, &key, true); more;
			 more = audience_judy1_walk(b->set, &key, false))
		{
			if ((++steps & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (audience_judy1_set(a->set, key))
				a->count++;
		}
	}
	else
	{
		struct varlena *x = ea_make_encoded(a);
		struct varlena *y = (struct varlena *) bflat;
		MemoryContext old = MemoryContextSwitchTo(a->hdr.eoh_context);

		if (y == NULL)
			y = set_to_audience(b->set);	/* b's encoding, without changing b */
		a->flat = audience_union_of(x, y);
		MemoryContextSwitchTo(old);
		pfree(x);
		if (y != bflat)
			pfree(y);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* Final: the audience, flat (empty, not NULL, when no id was aggregated). */
Datum
clientele_audience_agg_final(PG_FUNCTION_ARGS)
{
	ExpandedAudience *ea;
	struct varlena *flat;
	struct varlena *result;

	/* callable outside an aggregate too: it only reads its argument */
	if (PG_ARGISNULL(0))
	{
		AudienceBuilder b;

		audience_builder_init(&b);
		PG_RETURN_POINTER(audience_builder_finish(&b));
	}
	ea = ea_of_datum(PG_GETARG_DATUM(0));
	flat = ea != NULL ? ea_flat(ea) : DatumGetAudienceP(PG_GETARG_DATUM(0));
	result = palloc(VARSIZE_ANY(flat));
	memcpy(result, flat, VARSIZE_ANY(flat));
	PG_RETURN_POINTER(result);
}
