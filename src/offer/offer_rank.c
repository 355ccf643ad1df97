/*
 * offer_rank.c — the decision kernel: one customer against every offer.
 *
 * The policies that depend on contact history (caps, suppressions,
 * cooldowns, quiet hours) are set-based SQL over the history tables; what
 * they produce per customer is small: the offers a policy blocks, and why.
 * Everything else in a decision is arithmetic over the offer catalogue, and
 * doing it as SQL means a cross join of customers and offers, a dozen
 * expressions per pair and a window sort to keep the top k.  This kernel
 * does that part in one pass per customer instead:
 *
 *   1. The offer catalogue (offers and their logistic models) is read
 *      through SPI once per backend and kept until a relcache invalidation
 *      of clientele.offer or clientele.offer_model says it changed (their
 *      statement triggers send one, so every backend drops its copy when
 *      the change commits).  Learned statistics change with every contact,
 *      so they are read once per query execution and segment (a saved plan)
 *      into the function's fn_extra: a batch reads each segment once, a
 *      single decision two rows per offer.
 *   2. For each offer, the stages in order:
 *        eligibility    active, valid at `at`, offered on the channel, and
 *                       its jsonb rule holds for the customer's facts;
 *        applicability  the customer has not opted out of the channel and
 *                       no policy blocks the offer (arrays from SQL);
 *        suitability    propensity >= the offer's min_propensity (waived
 *                       in the control group) and priority > 0.
 *      Propensity: a random control-group draw; else the naive Bayes model
 *      (segment's, else overall) over the customer's bins; else the
 *      logistic model σ(β'x) over numeric facts (missing: 0); else a
 *      Thompson draw from Beta(1 + responses, 1 + failures) when exploring;
 *      else that posterior's mean.  Segment statistics are used when the
 *      segment has contacts for the offer.
 *      priority = propensity × context weight × value × lever, where lever
 *      = business lever × replenishment boost (one of the offer's products
 *      is due) × geofence boost (a promoting store within its radius).
 *   3. Offers reaching arbitration are ranked by priority (ties: offer id);
 *      with k, only the top k are returned (a bounded insertion, no sort of
 *      the rest); without k, every offer with its stage and reason.
 *
 * The reason codes and their order are those documented in docs/offers.md.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/fmgroids.h"
#include "catalog/namespace.h"
#include "access/xact.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"

#include "offer/offer.h"

PG_FUNCTION_INFO_V1(clientele_offer_rank);
PG_FUNCTION_INFO_V1(clientele_offer_catalogue_changed);

typedef enum RankModel
{
	MODEL_BETA, MODEL_NB, MODEL_LOGIT
} RankModel;

/* One offer of the catalogue. */
typedef struct RankOffer
{
	int32		id;
	text	   *name;
	text	   *group;
	char	   *name_c;
	char	   *group_c;
	bool		active;
	bool		valid_empty;
	bool		lower_inf,
				lower_inc,
				upper_inf,
				upper_inc;
	TimestampTz lower,
				upper;
	int			nchannels;
	char	  **channels;
	double		value;
	double		lever;
	double		min_propensity;
	double		replenishment_boost;
	bool		has_geofence;
	double		geofence_boost;
	RankModel	model;
	int			nproducts;
	char	  **products;
	Jsonb	   *rule;
	int			nfeatures;
	char	  **features;
	double	   *coefficients;	/* nfeatures + 1, or NULL */
} RankOffer;

/* Learned statistics of one (segment, offer). */
typedef struct RankStat
{
	bool		present;
	double		contacts;
	double		responses;
	ArrayType  *nb_model;
} RankStat;

/* The offer catalogue, cached per backend. */
typedef struct RankCatalogue
{
	MemoryContext cxt;
	uint64		generation;
	Oid			userid;			/* read with this role's rights */
	bool		has_nb;			/* some offer uses a naive Bayes model */
	int			noffers;
	RankOffer  *offers;
} RankCatalogue;

/* Learned statistics of one segment ('' = every customer), by catalogue offer. */
typedef struct RankSegment
{
	char	   *name;
	RankStat   *stats;			/* [offer]; none present: no statistics */
	bool		any;			/* some offer has statistics in this segment */
} RankSegment;

/* Learned statistics, read per query execution segment by segment, in fn_extra. */
typedef struct RankStats
{
	uint64		generation;		/* of the catalogue the indexes refer to */
	int			nsegments;
	int			capacity;
	RankSegment *segments;		/* [0] is '' */
} RankStats;

static RankCatalogue *catalogue = NULL;
static bool catalogue_valid = false;
static uint64 catalogue_generation = 0;
static Oid	offer_relid = InvalidOid;
static Oid	offer_model_relid = InvalidOid;
static bool callback_registered = false;
static SPIPlanPtr stats_plan = NULL;

/* The evaluation of one offer for one customer. */
typedef struct RankRow
{
	int			offer;			/* index into the catalogue */
	const char *stage;
	const char *rejected_by;
	const char *policy;
	double		priority;
	double		propensity;
	double		weight;
	double		lever;
	bool		replenishment_due;	/* the replenishment boost applies */
	bool		near_store;		/* the geofence boost applies */
	bool		in_control;
	bool		has_nb;
	bool		has_logit;
	bool		by_segment;
	bool		explore;
	int			rank;
} RankRow;

/* Copy a text datum into memory context cxt as a C string. */
static char *
datum_cstring(Datum d, MemoryContext cxt)
{
	char	   *s = TextDatumGetCString(d);
	char	   *r = MemoryContextStrdup(cxt, s);

	pfree(s);
	return r;
}

/* Copy a text[] datum into an array of C strings. */
static int
datum_cstrings(Datum d, MemoryContext cxt, char ***out)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				m = 0;

	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	*out = MemoryContextAlloc(cxt, sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
		if (!nulls[i])
			(*out)[m++] = datum_cstring(elems[i], cxt);
	return m;
}

/* Find an offer of the catalogue by id (binary search; -1 if absent). */
static int
find_offer(const RankCatalogue *c, int32 id)
{
	int			lo = 0,
				hi = c->noffers - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c->offers[mid].id == id)
			return mid;
		if (c->offers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Relcache callback: a change of the offer tables (or a full reset) drops the catalogue. */
static void
catalogue_invalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == offer_relid || relid == offer_model_relid)
		catalogue_valid = false;
}

/* Read the offer catalogue into a fresh context under CacheMemoryContext. */
static void
load_catalogue(void)
{
	MemoryContext cxt;
	RankCatalogue *c;
	Oid			nsp;
	uint64		i;
	int			ret;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(catalogue_invalidate, (Datum) 0);
		callback_registered = true;
	}
	nsp = get_namespace_oid("clientele", false);
	offer_relid = get_relname_relid("offer", nsp);
	offer_model_relid = get_relname_relid("offer_model", nsp);
	catalogue_valid = true;		/* an invalidation while loading clears it again */

	cxt = AllocSetContextCreate(CacheMemoryContext, "clientele offer catalogue", ALLOCSET_SMALL_SIZES);
	c = MemoryContextAllocZero(cxt, sizeof(RankCatalogue));
	c->cxt = cxt;
	c->userid = GetUserId();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = offer_spi_execute_latest(
		"SELECT o.id, o.name, o.offer_group, o.active, o.valid, o.channels, o.value, o.lever,"
		"       o.min_propensity, o.replenishment_boost, o.geofence_m IS NOT NULL, o.geofence_boost, o.model,"
		"       o.products, o.eligibility, m.features, m.coefficients"
		"  FROM clientele.offer o"
		"  LEFT JOIN clientele.offer_model m ON m.offer_id OPERATOR(pg_catalog.=) o.id"
		"                                   AND o.model OPERATOR(pg_catalog.=) 'logistic'"
		" ORDER BY o.id");
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "loading the offer catalogue failed: %d", ret);
	c->noffers = (int) SPI_processed;
	c->offers = MemoryContextAllocZero(cxt, sizeof(RankOffer) * Max(c->noffers, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		RankOffer  *o = &c->offers[i];
		bool		isnull;
		Datum		d;
		char	   *model;
		RangeType  *valid;
		TypeCacheEntry *typcache;
		RangeBound	lower,
					upper;

		o->id = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
		o->name_c = datum_cstring(SPI_getbinval(tup, td, 2, &isnull), cxt);
		o->group_c = datum_cstring(SPI_getbinval(tup, td, 3, &isnull), cxt);
		o->name = MemoryContextAlloc(cxt, VARHDRSZ + strlen(o->name_c));
		SET_VARSIZE(o->name, VARHDRSZ + strlen(o->name_c));
		memcpy(VARDATA(o->name), o->name_c, strlen(o->name_c));
		o->group = MemoryContextAlloc(cxt, VARHDRSZ + strlen(o->group_c));
		SET_VARSIZE(o->group, VARHDRSZ + strlen(o->group_c));
		memcpy(VARDATA(o->group), o->group_c, strlen(o->group_c));
		o->active = DatumGetBool(SPI_getbinval(tup, td, 4, &isnull));
		valid = DatumGetRangeTypeP(SPI_getbinval(tup, td, 5, &isnull));
		typcache = lookup_type_cache(RangeTypeGetOid(valid), TYPECACHE_RANGE_INFO);
		range_deserialize(typcache, valid, &lower, &upper, &o->valid_empty);
		o->lower_inf = lower.infinite;
		o->lower_inc = lower.inclusive;
		o->lower = lower.infinite ? 0 : DatumGetTimestampTz(lower.val);
		o->upper_inf = upper.infinite;
		o->upper_inc = upper.inclusive;
		o->upper = upper.infinite ? 0 : DatumGetTimestampTz(upper.val);
		o->nchannels = datum_cstrings(SPI_getbinval(tup, td, 6, &isnull), cxt, &o->channels);
		o->value = DatumGetFloat8(SPI_getbinval(tup, td, 7, &isnull));
		o->lever = DatumGetFloat8(SPI_getbinval(tup, td, 8, &isnull));
		o->min_propensity = DatumGetFloat8(SPI_getbinval(tup, td, 9, &isnull));
		o->replenishment_boost = DatumGetFloat8(SPI_getbinval(tup, td, 10, &isnull));
		o->has_geofence = DatumGetBool(SPI_getbinval(tup, td, 11, &isnull));
		o->geofence_boost = DatumGetFloat8(SPI_getbinval(tup, td, 12, &isnull));
		model = TextDatumGetCString(SPI_getbinval(tup, td, 13, &isnull));
		o->model = strcmp(model, "naive_bayes") == 0 ? MODEL_NB :
			strcmp(model, "logistic") == 0 ? MODEL_LOGIT : MODEL_BETA;
		c->has_nb |= o->model == MODEL_NB;
		o->nproducts = datum_cstrings(SPI_getbinval(tup, td, 14, &isnull), cxt, &o->products);
		d = SPI_getbinval(tup, td, 15, &isnull);
		if (!isnull)
		{
			Jsonb	   *j = DatumGetJsonbP(d);

			o->rule = MemoryContextAlloc(cxt, VARSIZE(j));
			memcpy(o->rule, j, VARSIZE(j));
		}
		d = SPI_getbinval(tup, td, 17, &isnull);
		if (!isnull)
		{
			ArrayType  *coef = DatumGetArrayTypeP(d);
			int			n = ArrayGetNItems(ARR_NDIM(coef), ARR_DIMS(coef));
			bool		dummy;

			if (ARR_HASNULL(coef))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("logistic model of offer %d has NULL coefficients", o->id)));
			o->nfeatures = datum_cstrings(SPI_getbinval(tup, td, 16, &dummy), cxt, &o->features);
			if (o->nfeatures + 1 != n)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("logistic model of offer %d has %d coefficients for %d features",
								o->id, n, o->nfeatures)));
			o->coefficients = MemoryContextAlloc(cxt, sizeof(double) * n);
			memcpy(o->coefficients, ARR_DATA_PTR(coef), sizeof(double) * n);
		}
	}
	SPI_finish();
	if (catalogue != NULL)
		MemoryContextDelete(catalogue->cxt);
	c->generation = ++catalogue_generation;
	catalogue = c;
}

/*
 * The offer catalogue, (re)loaded if an invalidation dropped it or another
 * role is current (its rights could show other rows).  It is read under a
 * fresh snapshot, so a copy made after an invalidation holds the change
 * that sent it, whatever the snapshot of the current query.
 */
static RankCatalogue *
get_catalogue(void)
{
	if (catalogue == NULL || !catalogue_valid || catalogue->userid != GetUserId())
	{
		PG_TRY();
		{
			load_catalogue();
		}
		PG_CATCH();
		{
			catalogue_valid = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	return catalogue;
}

/* Read the statistics of one or two segments into cxt in one query, indexed by the catalogue's offers. */
static void
load_segments(MemoryContext cxt, const RankCatalogue *c, RankSegment **sgs, const char **names, int n)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	uint64		i;
	int			ret,
				s;

	for (s = 0; s < n; s++)
	{
		sgs[s]->name = MemoryContextStrdup(cxt, names[s]);
		sgs[s]->stats = MemoryContextAllocZero(cxt, sizeof(RankStat) * Max(c->noffers, 1));
		sgs[s]->any = false;
	}
	values[0] = CStringGetTextDatum(names[0]);
	values[1] = CStringGetTextDatum(names[n - 1]);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (stats_plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare("SELECT offer_id, contacts, responses, nb_model, segment OPERATOR(pg_catalog.=) $1"
									   "  FROM clientele.offer_stat"
									   " WHERE segment OPERATOR(pg_catalog.=) $1 OR segment OPERATOR(pg_catalog.=) $2",
									   2, types);

		if (plan == NULL)
			elog(ERROR, "preparing the statistics query failed");
		SPI_keepplan(plan);
		stats_plan = plan;
	}
	ret = SPI_execute_plan(stats_plan, values, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "loading offer statistics failed: %d", ret);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int			oi = find_offer(c, DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull)));
		RankSegment *sg = DatumGetBool(SPI_getbinval(tup, td, 5, &isnull)) ? sgs[0] : sgs[n - 1];
		RankStat   *r;
		Datum		d;

		if (oi < 0)
			continue;
		r = &sg->stats[oi];
		r->present = true;
		sg->any = true;
		r->contacts = DatumGetFloat8(SPI_getbinval(tup, td, 2, &isnull));
		r->responses = DatumGetFloat8(SPI_getbinval(tup, td, 3, &isnull));
		d = SPI_getbinval(tup, td, 4, &isnull);
		if (!isnull)
		{
			ArrayType  *m = DatumGetArrayTypeP(d);

			r->nb_model = MemoryContextAlloc(cxt, VARSIZE(m));
			memcpy(r->nb_model, m, VARSIZE(m));
		}
	}
	SPI_finish();
}

/* A segment's statistics for this execution, or NULL when not read yet. */
static RankSegment *
find_segment(RankStats *st, const char *segment)
{
	int			i;

	for (i = 0; i < st->nsegments; i++)
		if (strcmp(st->segments[i].name, segment) == 0)
			return &st->segments[i];
	return NULL;
}

/*
 * The statistics of everyone ('') and of the customer's segment (NULL when
 * it has none) for this execution, reading those not read yet in one query.
 */
static void
get_segments(FunctionCallInfo fcinfo, const RankCatalogue *c, const char *segment,
			 RankSegment **overall, RankSegment **own)
{
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	RankStats  *st = (RankStats *) fcinfo->flinfo->fn_extra;
	const char *missing[2];
	int			nmissing = 0,
				i;

	if (st == NULL || st->generation != c->generation)
	{
		st = MemoryContextAllocZero(cxt, sizeof(RankStats));
		st->generation = c->generation;
		st->capacity = 8;
		st->segments = MemoryContextAllocZero(cxt, sizeof(RankSegment) * st->capacity);
		fcinfo->flinfo->fn_extra = st;
	}
	if (find_segment(st, "") == NULL)
		missing[nmissing++] = "";
	if (segment[0] != '\0' && find_segment(st, segment) == NULL)
		missing[nmissing++] = segment;
	if (nmissing > 0)
	{
		RankSegment *sgs[2];

		if (st->nsegments + nmissing > st->capacity)
		{
			st->capacity *= 2;
			st->segments = repalloc(st->segments, sizeof(RankSegment) * st->capacity);
		}
		for (i = 0; i < nmissing; i++)
			sgs[i] = &st->segments[st->nsegments + i];
		load_segments(cxt, c, sgs, missing, nmissing);
		st->nsegments += nmissing;
	}
	*overall = find_segment(st, "");
	*own = segment[0] != '\0' ? find_segment(st, segment) : NULL;
}

/* Whether an offer is valid at a time. */
static bool
offer_valid_at(const RankOffer *o, TimestampTz at)
{
	if (o->valid_empty)
		return false;
	if (!o->lower_inf && (o->lower_inc ? at < o->lower : at <= o->lower))
		return false;
	if (!o->upper_inf && (o->upper_inc ? at > o->upper : at >= o->upper))
		return false;
	return true;
}

/* Whether an offer is made on a channel. */
static bool
offer_on_channel(const RankOffer *o, const char *channel)
{
	int			i;

	for (i = 0; i < o->nchannels; i++)
		if (strcmp(o->channels[i], channel) == 0)
			return true;
	return false;
}

/* A numeric fact as a double (missing or not a number: 0). */
static double
fact_number(JsonbContainer *facts, const char *key)
{
	JsonbValue	v;

	if (facts == NULL || getKeyJsonValueFromContainer(facts, key, strlen(key), &v) == NULL ||
		v.type != jbvNumeric)
		return 0.0;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric)));
}

/* The context weight of an offer: weights[name], else weights[group], else 1. */
static double
context_weight(JsonbContainer *weights, const RankOffer *o)
{
	JsonbValue	v;

	if (weights == NULL)
		return 1.0;
	if (getKeyJsonValueFromContainer(weights, o->name_c, strlen(o->name_c), &v) != NULL ||
		getKeyJsonValueFromContainer(weights, o->group_c, strlen(o->group_c), &v) != NULL)
	{
		if (v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("context weight of offer \"%s\" is not a number", o->name_c)));
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric)));
	}
	return 1.0;
}

/* Whether row a ranks before row b: priority descending, then offer id. */
static inline bool
ranks_before(const RankCatalogue *c, const RankRow *a, const RankRow *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority;
	return c->offers[a->offer].id < c->offers[b->offer].id;
}

/* Append a float8 in its shortest exact form. */
static void
append_float(StringInfo buf, double v)
{
	char	   *s = float8out_internal(v);

	appendStringInfoString(buf, s);
	pfree(s);
}

/* The 14 columns of offer_rank() for one evaluated offer. */
static void
row_values(const RankCatalogue *c, const RankRow *r, Datum *values, bool *nulls)
{
	const RankOffer *o = &c->offers[r->offer];
	StringInfoData buf;
	Datum		reasons[8];
	int			nreasons = 0;

	memset(nulls, 0, sizeof(bool) * 14);
	values[0] = Int32GetDatum(o->id);
	values[1] = PointerGetDatum(o->name);
	values[2] = PointerGetDatum(o->group);
	values[3] = CStringGetTextDatum(r->stage);
	if (r->rejected_by)
		values[4] = CStringGetTextDatum(r->rejected_by);
	else
		nulls[4] = true;
	if (r->policy)
		values[5] = CStringGetTextDatum(r->policy);
	else
		nulls[5] = true;
	values[6] = Float8GetDatum(r->priority);
	values[7] = Float8GetDatum(r->propensity);
	values[8] = Float8GetDatum(r->weight);
	values[9] = Float8GetDatum(o->value);
	values[10] = Float8GetDatum(r->lever);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"business\": ");
	append_float(&buf, o->lever);
	if (r->near_store)
	{
		appendStringInfoString(&buf, ", \"geofence\": ");
		append_float(&buf, o->geofence_boost);
	}
	if (r->replenishment_due)
	{
		appendStringInfoString(&buf, ", \"replenishment\": ");
		append_float(&buf, o->replenishment_boost);
	}
	appendStringInfoChar(&buf, '}');
	values[11] = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));

	if (r->in_control)
		reasons[nreasons++] = CStringGetTextDatum("CONTROL_GROUP");
	else if (r->has_nb)
		reasons[nreasons++] = CStringGetTextDatum("MODEL_NAIVE_BAYES");
	else if (r->has_logit)
		reasons[nreasons++] = CStringGetTextDatum("MODEL_LOGISTIC");
	else if (r->explore)
		reasons[nreasons++] = CStringGetTextDatum("THOMPSON_SAMPLE");
	else
		reasons[nreasons++] = CStringGetTextDatum("POSTERIOR_MEAN");
	if (r->by_segment && !r->in_control && !r->has_logit)
		reasons[nreasons++] = CStringGetTextDatum("SEGMENT_STATISTICS");
	if (r->replenishment_due)
		reasons[nreasons++] = CStringGetTextDatum("REPLENISHMENT_DUE");
	if (r->near_store)
		reasons[nreasons++] = CStringGetTextDatum("NEAR_PROMOTING_STORE");
	if (r->weight != 1.0)
		reasons[nreasons++] = CStringGetTextDatum("CONTEXT_WEIGHT");
	if (o->lever != 1.0)
		reasons[nreasons++] = CStringGetTextDatum("BUSINESS_LEVER");
	values[12] = PointerGetDatum(construct_array(reasons, nreasons, TEXTOID, -1, false, TYPALIGN_INT));
	if (r->rank > 0)
		values[13] = Int32GetDatum(r->rank);
	else
		nulls[13] = true;
}

/* Emit one row of offer_rank(). */
static void
emit_row(ReturnSetInfo *rsi, const RankCatalogue *c, const RankRow *r)
{
	Datum		values[14];
	bool		nulls[14];

	row_values(c, r, values, nulls);
	tuplestore_putvalues(rsi->setResult, rsi->setDesc, values, nulls);
}

/*
 * Emit one row of next_best_offers(): rank first, no group, and the
 * arbitration stage split into selected (rank <= k) and ranked_out.
 */
static void
emit_decision_row(ReturnSetInfo *rsi, const RankCatalogue *c, const RankRow *r, int k)
{
	Datum		v[14],
				out[13];
	bool		n[14],
				outn[13];
	bool		arbitration = strcmp(r->stage, "arbitration") == 0;

	row_values(c, r, v, n);
	out[0] = v[13];
	outn[0] = n[13];
	out[1] = v[0];
	outn[1] = false;
	out[2] = v[1];
	outn[2] = false;
	out[3] = !arbitration ? v[3] : CStringGetTextDatum(r->rank <= k ? "selected" : "ranked_out");
	outn[3] = false;
	if (arbitration && r->rank > k)
	{
		out[4] = CStringGetTextDatum("RANKED_OUT");
		outn[4] = false;
	}
	else
	{
		out[4] = v[4];
		outn[4] = n[4];
	}
	memcpy(&out[5], &v[5], sizeof(Datum) * 8);
	memcpy(&outn[5], &n[5], sizeof(bool) * 8);
	tuplestore_putvalues(rsi->setResult, rsi->setDesc, out, outn);
}

/* Whether a customer's due products include one of the offer's products. */
static bool
product_due(const RankOffer *o, char **due, int ndue)
{
	int			i,
				j;

	for (i = 0; i < o->nproducts; i++)
		for (j = 0; j < ndue; j++)
			if (strcmp(o->products[i], due[j]) == 0)
				return true;
	return false;
}

/*
 * The kernel: evaluate every offer (or those of in->filter) for one
 * customer into rows[] (stage NULL: not asked for), and the ones reaching
 * arbitration, best first, into top[] (all of them, or the best in->k);
 * returns how many are in top[].
 */
static int
rank_customer(const RankCatalogue *c, const OfferInputs *in, RankSegment *overall, RankSegment *own,
			  RankRow *rows, RankRow **top)
{
	JsonbContainer *weights = NULL;
	JsonbValue	wv;
	int			ntop = 0,
				i,
				j;

	if (JB_ROOT_IS_OBJECT(in->context) &&
		getKeyJsonValueFromContainer(&in->context->root, "weights", 7, &wv) != NULL &&
		wv.type == jbvBinary && JsonContainerIsObject(wv.val.binary.data))
		weights = wv.val.binary.data;
	if (own && !own->any)
		own = NULL;

	for (i = 0; i < c->noffers; i++)
	{
		const RankOffer *o = &c->offers[i];
		RankRow    *r = &rows[i];
		const RankStat *sa = &overall->stats[i];
		const RankStat *ss = own ? &own->stats[i] : NULL;
		const RankStat *st;
		ArrayType  *nb;

		CHECK_FOR_INTERRUPTS();
		r->offer = i;
		if (in->nfilter >= 0)
		{
			for (j = 0; j < in->nfilter; j++)
				if (in->filter[j] == o->id)
					break;
			if (j == in->nfilter)
			{
				r->stage = NULL;	/* not asked for */
				continue;
			}
		}
		r->in_control = in->in_control;
		r->explore = in->explore;
		if (ss && (!ss->present || ss->contacts <= 0))
			ss = NULL;
		r->by_segment = ss != NULL;
		st = ss ? ss : (sa->present ? sa : NULL);

		/* levers */
		r->replenishment_due = in->ndue > 0 && o->nproducts > 0 && product_due(o, in->due, in->ndue);
		r->near_store = false;
		if (o->has_geofence)
			for (j = 0; j < in->nnear; j++)
				if (in->near[j] == o->id)
					r->near_store = true;
		r->lever = o->lever * (r->replenishment_due ? o->replenishment_boost : 1.0) *
			(r->near_store ? o->geofence_boost : 1.0);
		r->weight = context_weight(weights, o);

		/* propensity */
		nb = ss && ss->nb_model ? ss->nb_model : (sa->present ? sa->nb_model : NULL);
		if (in->in_control)
		{
			OfferRng	rng;

			offer_rng_init(&rng, in->seed, in->customer, o->id);
			r->propensity = offer_rng_uniform(&rng);
		}
		else if (o->model == MODEL_NB && nb != NULL && in->nbins >= 0 &&
				 ARR_NDIM(nb) == 1 && ARR_DIMS(nb)[0] > 2 &&
				 ((float8 *) ARR_DATA_PTR(nb))[1] == in->nbins)	/* a model of these features */
		{
			r->has_nb = true;
			r->propensity = offer_nb_propensity(nb, in->bins, in->bin_nulls, in->nbins);
		}
		else if (o->coefficients != NULL)
		{
			double		eta = o->coefficients[0];

			r->has_logit = true;
			for (j = 0; j < o->nfeatures; j++)
				eta += o->coefficients[j + 1] * fact_number(&in->facts->root, o->features[j]);
			r->propensity = 1.0 / (1.0 + exp(-eta));
		}
		else
		{
			double		resp = st ? st->responses : 0,
						cont = st ? st->contacts : 0;

			if (in->explore)
			{
				OfferRng	rng;

				offer_rng_init(&rng, in->seed, in->customer, o->id);
				r->propensity = offer_rng_beta(&rng, 1 + resp, 1 + cont - resp);
			}
			else
				r->propensity = (1 + resp) / (2 + cont);
		}
		r->priority = r->propensity * r->weight * o->value * r->lever;

		/* stages */
		r->stage = "arbitration";
		if (!o->active)
			r->rejected_by = "OFFER_INACTIVE";
		else if (!offer_valid_at(o, in->at))
			r->rejected_by = "OUTSIDE_VALIDITY";
		else if (!offer_on_channel(o, in->channel))
			r->rejected_by = "CHANNEL_NOT_OFFERED";
		else if (o->rule != NULL && !offer_rule_eval(&o->rule->root, &in->facts->root))
			r->rejected_by = "RULE_NOT_MET";
		if (r->rejected_by)
			r->stage = "eligibility";
		else if (in->opted_out)
		{
			r->stage = "applicability";
			r->rejected_by = "OPTED_OUT";
		}
		else
		{
			for (j = 0; j < in->nblocked; j++)
				if (in->blocked_offers[j] == o->id)
				{
					r->stage = "applicability";
					r->rejected_by = in->blocked_codes[j] ? in->blocked_codes[j] : "BLOCKED";
					r->policy = in->blocked_policies[j];
					break;
				}
			if (r->rejected_by == NULL)
			{
				if (!in->in_control && r->propensity < o->min_propensity)
				{
					r->stage = "suitability";
					r->rejected_by = "LOW_PROPENSITY";
				}
				else if (!(r->priority > 0))
				{
					r->stage = "suitability";
					r->rejected_by = "ZERO_PRIORITY";
				}
			}
		}

		/* arbitration: keep the best (all, or the top k) in order */
		if (r->rejected_by == NULL)
		{
			int			limit = in->k > 0 ? in->k : c->noffers;

			if (ntop < limit || ranks_before(c, r, top[ntop - 1]))
			{
				int			pos = ntop < limit ? ntop++ : ntop - 1;

				while (pos > 0 && ranks_before(c, r, top[pos - 1]))
				{
					top[pos] = top[pos - 1];
					pos--;
				}
				top[pos] = r;
			}
		}
	}
	for (i = 0; i < ntop; i++)
		top[i]->rank = i + 1;
	return ntop;
}

/* Deconstruct an int4[] argument into int32s, skipping NULL elements. */
static int
int4_array_values(ArrayType *a, int32 **out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				m = 0;

	deconstruct_array(a, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	*out = palloc(sizeof(int32) * Max(n, 1));
	for (i = 0; i < n; i++)
		if (!nulls[i])
			(*out)[m++] = DatumGetInt32(elems[i]);
	return m;
}

/*
 * SQL: offer_rank(customer_id, segment, facts, bins, in_control, opted_out,
 * blocked_offers, blocked_codes, blocked_policies, due_products, near_offers,
 * channel, at, context, seed, explore, offers, k)
 */
Datum
clientele_offer_rank(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsi = (ReturnSetInfo *) fcinfo->resultinfo;
	OfferInputs in;
	RankCatalogue *c;
	RankSegment *overall,
			   *own;
	RankRow    *rows;
	RankRow   **top;
	int			ntop,
				i;

	/* the required arguments */
	for (i = 0; i < 18; i++)
		if (PG_ARGISNULL(i) && (i == 0 || i == 1 || i == 2 || i == 4 || i == 5 || i == 11 || i == 12 ||
								i == 13 || i == 14 || i == 15))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of offer_rank must not be NULL", i + 1)));
	InitMaterializedSRF(fcinfo, 0);
	memset(&in, 0, sizeof(in));
	in.customer = PG_GETARG_INT64(0);
	in.segment = text_to_cstring(PG_GETARG_TEXT_PP(1));
	in.facts = PG_GETARG_JSONB_P(2);
	in.in_control = PG_GETARG_BOOL(4);
	in.opted_out = PG_GETARG_BOOL(5);
	in.context = PG_GETARG_JSONB_P(13);
	in.seed = PG_GETARG_INT64(14);
	in.explore = PG_GETARG_BOOL(15);
	in.k = PG_ARGISNULL(17) ? 0 : PG_GETARG_INT32(17);
	if (!JB_ROOT_IS_OBJECT(in.facts) || JB_ROOT_IS_SCALAR(in.facts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("facts must be a JSON object")));
	in.channel = text_to_cstring(PG_GETARG_TEXT_PP(11));
	in.at = PG_GETARG_TIMESTAMPTZ(12);
	in.nfilter = PG_ARGISNULL(16) ? -1 : int4_array_values(PG_GETARG_ARRAYTYPE_P(16), &in.filter);
	c = get_catalogue();
	if (c->noffers == 0)
		return (Datum) 0;
	get_segments(fcinfo, c, in.segment, &overall, &own);
	in.nbins = -1;
	if (!PG_ARGISNULL(3))
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), INT4OID, 4, true, TYPALIGN_INT,
						  &in.bins, &in.bin_nulls, &in.nbins);
	if (!PG_ARGISNULL(6) && !PG_ARGISNULL(7) && !PG_ARGISNULL(8))
	{
		Datum	   *blk_offers,
				   *blk_codes,
				   *blk_policies;
		bool	   *blk_n1,
				   *blk_n2,
				   *blk_n3;
		int			n1,
					n2,
					n3;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(6), INT4OID, 4, true, TYPALIGN_INT, &blk_offers, &blk_n1, &n1);
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(7), TEXTOID, -1, false, TYPALIGN_INT, &blk_codes, &blk_n2, &n2);
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(8), TEXTOID, -1, false, TYPALIGN_INT, &blk_policies, &blk_n3, &n3);
		if (n2 != n1 || n3 != n1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("blocked offers, codes and policies must have the same length")));
		in.blocked_offers = palloc(sizeof(int32) * Max(n1, 1));
		in.blocked_codes = palloc(sizeof(char *) * Max(n1, 1));
		in.blocked_policies = palloc(sizeof(char *) * Max(n1, 1));
		for (i = 0; i < n1; i++)
		{
			if (blk_n1[i])
				continue;
			in.blocked_offers[in.nblocked] = DatumGetInt32(blk_offers[i]);
			in.blocked_codes[in.nblocked] = blk_n2[i] ? NULL : TextDatumGetCString(blk_codes[i]);
			in.blocked_policies[in.nblocked] = blk_n3[i] ? NULL : TextDatumGetCString(blk_policies[i]);
			in.nblocked++;
		}
	}
	if (!PG_ARGISNULL(9))
		in.ndue = datum_cstrings(PG_GETARG_DATUM(9), CurrentMemoryContext, &in.due);
	if (!PG_ARGISNULL(10))
		in.nnear = int4_array_values(PG_GETARG_ARRAYTYPE_P(10), &in.near);

	rows = palloc0(sizeof(RankRow) * c->noffers);
	top = palloc(sizeof(RankRow *) * (in.k > 0 ? in.k + 1 : c->noffers + 1));
	ntop = rank_customer(c, &in, overall, own, rows, top);
	if (in.k > 0)
	{
		for (i = 0; i < ntop; i++)
			emit_row(rsi, c, top[i]);
	}
	else
		for (i = 0; i < c->noffers; i++)
			if (rows[i].stage != NULL)
				emit_row(rsi, c, &rows[i]);
	return (Datum) 0;
}

/* Scan the statistics of one or two segments (the offer_stat index on segment) into cxt. */
static void
scan_segments(MemoryContext cxt, const RankCatalogue *c, RankSegment **sgs, const char **names, int n)
{
	int			s;

	for (s = 0; s < n; s++)
	{
		OfferScan	scan;
		OfferKey	key = {1, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(names[s])};

		sgs[s]->name = MemoryContextStrdup(cxt, names[s]);
		sgs[s]->stats = MemoryContextAllocZero(cxt, sizeof(RankStat) * Max(c->noffers, 1));
		sgs[s]->any = false;
		offer_scan_begin(&scan, OFFER_READ_STATS, 1, &key);
		while (offer_scan_next(&scan))
		{
			bool		isnull;
			int			oi = find_offer(c, DatumGetInt32(offer_scan_get(&scan, 0, &isnull)));
			RankStat   *r;
			Datum		d;

			if (oi < 0)
				continue;
			r = &sgs[s]->stats[oi];
			r->present = true;
			sgs[s]->any = true;
			r->contacts = DatumGetFloat8(offer_scan_get(&scan, 2, &isnull));
			r->responses = DatumGetFloat8(offer_scan_get(&scan, 3, &isnull));
			d = offer_scan_get(&scan, 4, &isnull);
			if (!isnull)
			{
				ArrayType  *m = DatumGetArrayTypeP(d);	/* detoasted: a copy, or in the buffer */

				r->nb_model = MemoryContextAlloc(cxt, VARSIZE(m));
				memcpy(r->nb_model, m, VARSIZE(m));
			}
		}
		offer_scan_end(&scan);
	}
}

/* See offer.h. */
void
offer_decide_single(ReturnSetInfo *rsi, OfferInputs *in, int k, bool include_rejected, bool direct_reads)
{
	RankCatalogue *c = get_catalogue();
	RankSegment segments[2];
	RankSegment *sgs[2] = {&segments[0], &segments[1]};
	const char *names[2] = {"", in->segment};
	int			nsegments = in->segment[0] != '\0' ? 2 : 1;
	RankRow    *rows;
	RankRow   **top;
	int			ntop,
				i;

	if (c->noffers == 0)
		return;
	memset(segments, 0, sizeof(segments));
	if (direct_reads)
		scan_segments(CurrentMemoryContext, c, sgs, names, nsegments);
	else
		load_segments(CurrentMemoryContext, c, sgs, names, nsegments);
	in->k = include_rejected ? 0 : k;
	in->nfilter = -1;
	rows = palloc0(sizeof(RankRow) * c->noffers);
	top = palloc(sizeof(RankRow *) * (in->k > 0 ? in->k + 1 : c->noffers + 1));
	ntop = rank_customer(c, in, sgs[0], nsegments == 2 ? sgs[1] : NULL, rows, top);
	/* ORDER BY stage <> 'arbitration', rank, offer_id */
	for (i = 0; i < ntop; i++)
		emit_decision_row(rsi, c, top[i], k);
	if (include_rejected)
		for (i = 0; i < c->noffers; i++)
			if (rows[i].rejected_by != NULL)
				emit_decision_row(rsi, c, &rows[i], k);
}

/* Whether some offer of the catalogue uses a naive Bayes model. */
bool
offer_catalogue_has_nb(void)
{
	return get_catalogue()->has_nb;
}

/* The catalogue's offers with their groups and products, copied (a reload may free the cache). */
int
offer_catalogue_scopes(OfferScope **out)
{
	RankCatalogue *c = get_catalogue();
	OfferScope *s = palloc(sizeof(OfferScope) * Max(c->noffers, 1));
	int			i,
				j;

	for (i = 0; i < c->noffers; i++)
	{
		const RankOffer *o = &c->offers[i];

		s[i].id = o->id;
		s[i].group = pstrdup(o->group_c);
		s[i].nproducts = o->nproducts;
		s[i].products = palloc(sizeof(char *) * Max(o->nproducts, 1));
		for (j = 0; j < o->nproducts; j++)
			s[i].products[j] = pstrdup(o->products[j]);
	}
	*out = s;
	return c->noffers;
}

/* Statement trigger on the offer tables: tell every backend its catalogue is stale. */
Datum
clientele_offer_catalogue_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("offer_catalogue_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
