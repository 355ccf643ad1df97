/*
 * attribution_type.c — clientele.attribution_state, the aggregates' state type.
 *
 * The state is a real SQL type rather than `internal`, so that it has an
 * exact text form: a distributed planner (Citus) can run the transition on
 * the shards, ship the partial states as text, and combine them on the
 * coordinator, and a state can be stored, inspected or merged by hand.
 *
 * Flat form.  The varlena holds the native serialised state
 * (attr_serialize, attribution_format.c).  The text form (version 1,
 * labelled fields, doubles in their shortest exact decimal) and the binary
 * send/receive form (network byte order) are written and read by the same
 * routines of attribution_format.c, which validate every field: both round
 * trips are exact between any two machines, and a damaged or hand-made
 * input is an error (22P02 text, 22P03 binary), never a crash.
 *
 * Expanded form.  Deserialising the state on every row would be quadratic
 * in spirit, so inside an aggregate the state is an expanded object (see
 * utils/expandeddatum.h): a read-write pointer to an AttrState living in its
 * own memory context, a child of the aggregate context.  The executor keeps
 * such a pointer without copying it, the transition function updates the
 * state in place, and the state is flattened (serialised) only when it must
 * leave the aggregate: to a parallel leader, to disk when a hash aggregate
 * spills, or to a client.
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "attribution.h"

PG_FUNCTION_INFO_V1(clientele_attribution_state_in);
PG_FUNCTION_INFO_V1(clientele_attribution_state_out);
PG_FUNCTION_INFO_V1(clientele_attribution_state_recv);
PG_FUNCTION_INFO_V1(clientele_attribution_state_send);

/* The expanded object: the header, the state and its cached flat form. */
typedef struct AttrExpanded
{
	ExpandedObjectHeader hdr;
	AttrState  *st;
	bytea	   *flat;			/* serialised form, NULL when out of date */
} AttrExpanded;

static Size attr_get_flat_size(ExpandedObjectHeader *eohptr);
static void attr_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods attr_expanded_methods = {
	attr_get_flat_size,
	attr_flatten_into
};

/* Serialise the state (once) and return the flat size. */
static Size
attr_get_flat_size(ExpandedObjectHeader *eohptr)
{
	AttrExpanded *e = (AttrExpanded *) eohptr;

	if (e->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(e->hdr.eoh_context);

		e->flat = attr_serialize(e->st);
		MemoryContextSwitchTo(old);
	}
	return VARSIZE(e->flat);
}

/* Copy the flat form into the space the caller allocated. */
static void
attr_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	AttrExpanded *e = (AttrExpanded *) eohptr;

	Assert(e->flat != NULL && allocated_size == VARSIZE(e->flat));
	memcpy(result, e->flat, allocated_size);
}

/* Create an empty expanded state (no AttrState yet) under parent. */
static AttrExpanded *
attr_expanded_create(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "clientele attribution state",
											  ALLOCSET_SMALL_SIZES);
	AttrExpanded *e = MemoryContextAllocZero(cxt, sizeof(AttrExpanded));

	EOH_init_header(&e->hdr, &attr_expanded_methods, cxt);
	return e;
}

/* Is d one of our expanded objects? */
static inline AttrExpanded *
attr_expanded_of(Datum d)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &attr_expanded_methods)
			return (AttrExpanded *) eoh;
	}
	return NULL;
}

/* Make a new writable state under parent for the given models and parameters. */
Datum
attr_state_new(MemoryContext parent, uint32 models, const AttrParams *params, AttrState **st)
{
	AttrExpanded *e = attr_expanded_create(parent);

	e->st = attr_state_create(e->hdr.eoh_context, models, params);
	*st = e->st;
	return EOHPGetRWDatum(&e->hdr);
}

/*
 * Return a writable state for datum d (a state argument): d itself when it
 * is our read-write expanded object under parent, else an expanded copy
 * made under parent.  *result is the datum to return.
 */
AttrState *
attr_state_writable(Datum d, MemoryContext parent, Datum *result)
{
	AttrExpanded *e = attr_expanded_of(d);
	AttrExpanded *copy;

	if (e != NULL && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
		MemoryContextGetParent(e->hdr.eoh_context) == parent)
	{
		if (e->flat)
		{
			pfree(e->flat);		/* about to change */
			e->flat = NULL;
		}
		*result = d;
		return e->st;
	}
	copy = attr_expanded_create(parent);
	if (e != NULL)
	{
		copy->st = attr_state_create(copy->hdr.eoh_context, e->st->models, &e->st->params);
		attr_merge(copy->st, e->st);
	}
	else
		copy->st = attr_deserialize(copy->hdr.eoh_context, (bytea *) PG_DETOAST_DATUM(d));
	*result = EOHPGetRWDatum(&copy->hdr);
	return copy->st;
}

/* Return a state to read from datum d (expanded in place, or deserialised). */
AttrState *
attr_state_readonly(Datum d)
{
	AttrExpanded *e = attr_expanded_of(d);

	if (e != NULL)
		return e->st;
	return attr_deserialize(CurrentMemoryContext, (bytea *) PG_DETOAST_DATUM(d));
}

/* Type input: the text form, validated field by field, stored flat. */
Datum
clientele_attribution_state_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	AttrState  *st = attr_state_from_text(CurrentMemoryContext, s);

	PG_RETURN_BYTEA_P(attr_serialize(st));
}

/* Type output: the text form (version 1). */
Datum
clientele_attribution_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(attr_state_to_text(attr_state_readonly(PG_GETARG_DATUM(0))));
}

/* Binary input: the network form, validated like the text form, stored flat. */
Datum
clientele_attribution_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	AttrState  *st = attr_state_recv(CurrentMemoryContext, msg);

	PG_RETURN_BYTEA_P(attr_serialize(st));
}

/* Binary output: the network form. */
Datum
clientele_attribution_state_send(PG_FUNCTION_ARGS)
{
	AttrState  *st = attr_state_readonly(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	attr_state_send(st, &buf);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
