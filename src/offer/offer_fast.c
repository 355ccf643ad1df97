/*
 * offer_fast.c — single decisions: next_best_offers() in one C call.
 *
 * offer_evaluate() computes what the contact policies say about a set of
 * customers as one SQL statement: a dozen CTE nodes, joins and a
 * DISTINCT ON.  For a campaign that plan is the right tool; for one
 * customer its executor start-up and teardown cost ten times the decision
 * itself.  next_best_offers() is a C function that gathers the same inputs
 * for the kernel (profile, bins, control group, opt-out, the offers each
 * policy blocks and why, due products, nearby promotions), runs the kernel
 * (offer_rank.c) and returns its rows, with no SQL in between when the
 * caller's rights allow direct reads (offer_read.c):
 *
 *   settings   the active contact policies, offer_config, the naive Bayes
 *              features and product_cycle are cached per backend
 *              (statement triggers on the four tables send a relcache
 *              invalidation when a change commits); so is the offer
 *              catalogue (offer_rank.c);
 *   profile    offer_customer by primary key: facts = attributes ||
 *              context, bins = width_bucket of each numeric feature,
 *              control group = seeded_uniform(control_seed, customer, 0) <
 *              control_share, opt-out of the channel or of 'all';
 *   contacts   contact_history on (customer_id, contacted_at) in
 *              (since, at], only when a cap policy exists ("since" is the
 *              oldest instant an active policy of the channel looks at);
 *   outcomes   contact_outcome on (customer_id, occurred_at) in
 *              (since, at], only when a suppression or cooldown exists;
 *   purchases  offer_purchase on customer_id, grouped by product: the last
 *              purchase (cooldowns) and whether it is due (the rule of
 *              replenishment_due(): the customer's mean interval, else
 *              the product's cycle);
 *   stores     the promotions near the context location, when it has one
 *              (a saved SPI plan: rare, and it joins three tables);
 *   statistics offer_stat by segment, '' and the customer's (offer_rank.c).
 * When a direct read is not allowed (the role lacks SELECT on a table, or
 * row-level security is in force on one, or an index is missing), the same
 * inputs come from saved SPI plans instead, whose queries apply the
 * caller's privileges and policies; offer_policy_inputs() exposes the
 * gathered inputs to SQL.
 *
 * The policies are then evaluated in C with the same operators as the SQL
 * (timestamptz_mi_interval for windows, so calendar intervals follow the
 * session time zone as they do in SQL; timestamptz_zone for quiet hours):
 *   cap          count of the policy's channel/group contacts in
 *                (at - window, at] >= max_count;
 *   quiet_hours  local time of at in the policy's (else the customer's)
 *                zone in [start, end), wrapping midnight;
 *   suppression  an outcome of the type within suppress_for such that
 *                max_count such outcomes (same group, or same offer when
 *                the policy has no group) fall in (t - window, t];
 *   cooldown     a response outcome within cooldown (group or offer), or
 *                a purchase of one of the offer's products within it.
 * Each offer takes the verdict of the lowest policy id that blocks it.
 * sql/offer_fast.sql compares next_best_offers() with offer_evaluate() on
 * many customers, times, window edges and time zones, both roads.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "catalog/namespace.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "parser/parse_func.h"
#include "storage/proc.h"
#include "utils/numeric.h"

#include "offer/offer.h"

PG_FUNCTION_INFO_V1(clientele_offer_policy_inputs);
PG_FUNCTION_INFO_V1(clientele_next_best_offers);

/* One active contact policy of the channel. */
typedef struct FastPolicy
{
	int32		id;
	char	   *name;
	char	   *kind;
	char	   *channel;		/* NULL: every channel */
	char	   *group;			/* NULL: every group */
	int32		max_count;
	Interval   *window;
	char	   *outcome;
	Interval   *suppress_for;
	Interval   *cooldown;
	TimeADT		quiet_start,
				quiet_end;
	text	   *time_zone;		/* NULL: the customer's */
} FastPolicy;

/* A policy's verdict: it blocks the offers of a group (or all), or one offer. */
typedef struct FastBlock
{
	const FastPolicy *policy;
	const char *code;
	const char *group;			/* NULL: any group */
	int32		offer_id;		/* 0: any offer */
} FastBlock;

/* A contact or an outcome of the customer. */
typedef struct FastEvent
{
	int32		offer_id;
	char	   *channel;		/* contacts */
	char	   *outcome;		/* outcomes */
	TimestampTz at;
	char	   *group;
} FastEvent;

/* A product the customer bought. */
typedef struct FastPurchase
{
	char	   *product;
	TimestampTz last;
	bool		due;
} FastPurchase;

enum
{
	PLAN_PROFILE, PLAN_CONTACTS, PLAN_OUTCOMES, PLAN_PURCHASES, PLAN_NEAR, NPLANS
};

static SPIPlanPtr plans[NPLANS];

/* The text of each saved plan, and its parameter types. */
static const char *const plan_sql[NPLANS] = {
	"SELECT c.segment, c.attributes || $2,"
	"       (SELECT array_agg(CASE WHEN jsonb_typeof(c.attributes -> f.name) = 'number'"
	"                              THEN width_bucket((c.attributes ->> f.name)::float8, f.edges) END"
	"                         ORDER BY f.position)"
	"          FROM clientele.offer_feature f"
	"         WHERE EXISTS (SELECT FROM clientele.offer o WHERE o.model = 'naive_bayes')),"
	"       cfg.control_share > 0"
	"           AND clientele.seeded_uniform(cfg.control_seed, c.customer_id, 0) < cfg.control_share,"
	"       $3 = ANY (c.opted_out) OR 'all' = ANY (c.opted_out),"
	"       c.time_zone, cfg.response_outcome, cfg.replenishment_horizon"
	"  FROM clientele.offer_customer c"
	" CROSS JOIN (SELECT coalesce(max(x.control_share), 0) AS control_share,"
	"                    coalesce(max(x.control_seed), 0) AS control_seed,"
	"                    coalesce(max(x.response_outcome), 'accepted') AS response_outcome,"
	"                    coalesce(max(x.replenishment_horizon), '7 days') AS replenishment_horizon"
	"               FROM clientele.offer_config x) cfg"
	" WHERE c.customer_id = $1",

	"SELECT h.offer_id, h.channel, h.contacted_at, ho.offer_group"
	"  FROM clientele.contact_history h JOIN clientele.offer ho ON ho.id = h.offer_id"
	" WHERE h.customer_id = $1 AND h.contacted_at > $2 AND h.contacted_at <= $3",

	"SELECT x.offer_id, x.outcome, x.occurred_at, xo.offer_group"
	"  FROM clientele.contact_outcome x JOIN clientele.offer xo ON xo.id = x.offer_id"
	" WHERE x.customer_id = $1 AND x.occurred_at > $2 AND x.occurred_at <= $3",

	"SELECT s.product, s.last,"
	"       coalesce(y.cyc > interval '0' AND s.last + y.cyc <= $2 + $3 AND $2 < s.last + 2 * y.cyc, false)"
	"  FROM (SELECT p.product, count(*) AS n, max(p.purchased_at) AS last, min(p.purchased_at) AS first"
	"          FROM clientele.offer_purchase p"
	"         WHERE p.customer_id = $1 AND p.purchased_at <= $2 GROUP BY p.product) s"
	"  LEFT JOIN clientele.product_cycle pc ON pc.product = s.product"
	" CROSS JOIN LATERAL (SELECT CASE WHEN s.n >= 2 THEN justify_hours((s.last - s.first) / (s.n - 1)::float8)"
	"                                 ELSE pc.cycle END AS cyc) y",

	"SELECT array_agg(DISTINCT o.id)"
	"  FROM clientele.store_promotion sp"
	"  JOIN clientele.offer o ON o.id = sp.offer_id AND o.geofence_m IS NOT NULL"
	"  JOIN clientele.store st ON st.id = sp.store_id"
	" WHERE sp.valid @> $2"
	"   AND clientele.haversine_m(($1 ->> 'lat')::float8, ($1 ->> 'lon')::float8, st.lat, st.lon) <= o.geofence_m"
};

static const int plan_nargs[NPLANS] = {3, 3, 3, 3, 2};
static const Oid plan_types[NPLANS][3] = {
	{INT8OID, JSONBOID, TEXTOID},
	{INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID},
	{INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID},
	{INT8OID, TIMESTAMPTZOID, INTERVALOID},
	{JSONBOID, TIMESTAMPTZOID}
};

/*
 * The decision settings, cached per backend: the active policies in id
 * order, offer_config (or its defaults), the naive Bayes features and the
 * product cycles.  They are dropped by a relcache invalidation of one of
 * the four tables (their
 * statement triggers send one when a change commits) or a full reset, and
 * when another role is current.  They are read under a fresh snapshot
 * (offer_spi_execute_latest), so a copy made after an invalidation holds
 * the change that sent it, whatever the snapshot of the current query.
 */
static MemoryContext policy_cxt = NULL;
static FastPolicy *policies = NULL;
static int	npolicies = 0;
static bool policies_valid = false;
static bool policy_callback_registered = false;
static Oid	policy_relid = InvalidOid;
static Oid	config_relid = InvalidOid;
static Oid	feature_relid = InvalidOid;
static Oid	cycle_relid = InvalidOid;
static Oid	policies_userid = InvalidOid;

/* offer_config, or its defaults */
static double cfg_control_share = 0;
static int64 cfg_control_seed = 0;
static char *cfg_response_outcome = NULL;
static Interval cfg_horizon;

/* product_cycle, in byte order of product */
static int	ncycles = 0;
static char **cycle_products = NULL;
static Interval *cycle_intervals = NULL;

/* the naive Bayes features in position order */
static int	nfeatures = 0;
static char **feature_names = NULL;
static ArrayType **feature_edges = NULL;

/* Relcache callback: a change of the settings tables drops the cached settings. */
static void
policies_invalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == policy_relid || relid == config_relid || relid == feature_relid ||
		relid == cycle_relid)
		policies_valid = false;
}

/* Copy a text column into policy_cxt as a C string, or NULL. */
static char *
policy_cstring(HeapTuple tup, TupleDesc td, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, td, col, &isnull);

	return isnull ? NULL : MemoryContextStrdup(policy_cxt, TextDatumGetCString(d));
}

/* Copy an interval column into policy_cxt, or NULL. */
static Interval *
policy_interval(HeapTuple tup, TupleDesc td, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, td, col, &isnull);
	Interval   *iv;

	if (isnull)
		return NULL;
	iv = MemoryContextAlloc(policy_cxt, sizeof(Interval));
	*iv = *DatumGetIntervalP(d);
	return iv;
}

/* (Re)read the active policies, the settings and the features. */
static void
load_policies(void)
{
	uint64		r;
	int			ret;
	Oid			nsp = get_namespace_oid("clientele", false);

	if (!policy_callback_registered)
	{
		CacheRegisterRelcacheCallback(policies_invalidate, (Datum) 0);
		policy_callback_registered = true;
	}
	policy_relid = get_relname_relid("contact_policy", nsp);
	config_relid = get_relname_relid("offer_config", nsp);
	feature_relid = get_relname_relid("offer_feature", nsp);
	cycle_relid = get_relname_relid("product_cycle", nsp);
	policies_valid = true;		/* an invalidation while loading clears it again */
	policies_userid = GetUserId();
	if (policy_cxt == NULL)
		policy_cxt = AllocSetContextCreate(CacheMemoryContext, "clientele contact policies",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(policy_cxt);
	policies = NULL;
	npolicies = 0;
	nfeatures = 0;
	ncycles = 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = offer_spi_execute_latest("SELECT p.id, p.name, p.kind, p.channel, p.offer_group, p.max_count, p.\"window\", p.outcome,"
					  "       p.suppress_for, p.cooldown, p.quiet_start, p.quiet_end, p.time_zone"
					  "  FROM clientele.contact_policy p WHERE p.active ORDER BY p.id");
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "loading contact policies failed: %s", SPI_result_code_string(ret));
	policies = MemoryContextAllocZero(policy_cxt, sizeof(FastPolicy) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		FastPolicy *p = &policies[r];
		bool		isnull;
		Datum		d;

		p->id = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
		p->name = policy_cstring(tup, td, 2);
		p->kind = policy_cstring(tup, td, 3);
		p->channel = policy_cstring(tup, td, 4);
		p->group = policy_cstring(tup, td, 5);
		d = SPI_getbinval(tup, td, 6, &isnull);
		p->max_count = isnull ? 0 : DatumGetInt32(d);
		p->window = policy_interval(tup, td, 7);
		p->outcome = policy_cstring(tup, td, 8);
		p->suppress_for = policy_interval(tup, td, 9);
		p->cooldown = policy_interval(tup, td, 10);
		d = SPI_getbinval(tup, td, 11, &isnull);
		p->quiet_start = isnull ? 0 : DatumGetTimeADT(d);
		d = SPI_getbinval(tup, td, 12, &isnull);
		p->quiet_end = isnull ? 0 : DatumGetTimeADT(d);
		d = SPI_getbinval(tup, td, 13, &isnull);
		p->time_zone = isnull ? NULL : (text *) MemoryContextAlloc(policy_cxt, VARSIZE_ANY(DatumGetPointer(d)));
		if (!isnull)
			memcpy(p->time_zone, DatumGetPointer(d), VARSIZE_ANY(DatumGetPointer(d)));
		npolicies++;
	}

	/* the settings, as offer_settings() gives them */
	ret = offer_spi_execute_latest("SELECT coalesce(pg_catalog.max(x.control_share), 0),"
								   "       coalesce(pg_catalog.max(x.control_seed), 0),"
								   "       coalesce(pg_catalog.max(x.response_outcome), 'accepted'),"
								   "       coalesce(pg_catalog.max(x.replenishment_horizon), '7 days')"
								   "  FROM clientele.offer_config x");
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "loading the decision settings failed: %s", SPI_result_code_string(ret));
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		cfg_control_share = DatumGetFloat8(SPI_getbinval(tup, td, 1, &isnull));
		cfg_control_seed = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
		cfg_response_outcome = policy_cstring(tup, td, 3);
		cfg_horizon = *DatumGetIntervalP(SPI_getbinval(tup, td, 4, &isnull));
	}

	/* the naive Bayes features */
	ret = offer_spi_execute_latest("SELECT f.name, f.edges FROM clientele.offer_feature f ORDER BY f.position");
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "loading the naive Bayes features failed: %s", SPI_result_code_string(ret));
	feature_names = MemoryContextAlloc(policy_cxt, sizeof(char *) * Max(SPI_processed, 1));
	feature_edges = MemoryContextAlloc(policy_cxt, sizeof(ArrayType *) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		ArrayType  *edges;

		feature_names[r] = policy_cstring(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		edges = DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
		feature_edges[r] = MemoryContextAlloc(policy_cxt, VARSIZE(edges));
		memcpy(feature_edges[r], edges, VARSIZE(edges));
		nfeatures++;
	}

	/* the typical product cycles */
	ret = offer_spi_execute_latest("SELECT c.product, c.cycle FROM clientele.product_cycle c"
					  " ORDER BY c.product COLLATE pg_catalog.\"C\"");
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "loading the product cycles failed: %s", SPI_result_code_string(ret));
	cycle_products = MemoryContextAlloc(policy_cxt, sizeof(char *) * Max(SPI_processed, 1));
	cycle_intervals = MemoryContextAlloc(policy_cxt, sizeof(Interval) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;

		cycle_products[r] = policy_cstring(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		cycle_intervals[r] = *DatumGetIntervalP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2,
															   &isnull));
		ncycles++;
	}
	SPI_finish();
}

/* The active policies and settings, (re)loaded if they are not valid for this role. */
static void
get_policies(void)
{
	if (!policies_valid || policies_userid != GetUserId())
	{
		PG_TRY();
		{
			load_policies();
		}
		PG_CATCH();
		{
			policies_valid = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
}

/* The larger of two optional intervals (SQL's greatest() and max() ignore NULLs). */
static Interval *
interval_larger_opt(Interval *a, Interval *b)
{
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	return DatumGetIntervalP(DirectFunctionCall2(interval_larger, IntervalPGetDatum(a), IntervalPGetDatum(b)));
}

/* Run saved plan `which` (prepared and kept at first use) and check it is a SELECT. */
static void
run_plan(int which, Datum *values)
{
	int			ret;

	if (plans[which] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(plan_sql[which], plan_nargs[which], (Oid *) plan_types[which]);

		if (plan == NULL)
			elog(ERROR, "preparing decision query %d failed: %s", which, SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		plans[which] = plan;
	}
	ret = SPI_execute_plan(plans[which], values, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "decision query %d failed: %s", which, SPI_result_code_string(ret));
}

/* Column `col` of row `row` of the last result as a C string, or NULL. */
static char *
get_cstring(uint64 row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* Column `col` of row `row` of the last result, or (Datum) 0 when NULL. */
static Datum
get_datum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

/* t - window, with SQL's timestamptz - interval. */
static TimestampTz
minus_interval(TimestampTz t, Interval *window)
{
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval, TimestampTzGetDatum(t),
												   IntervalPGetDatum(window)));
}

/* Whether two optional scopes agree: a NULL policy scope matches everything. */
static inline bool
scope_matches(const char *policy_scope, const char *value)
{
	return policy_scope == NULL || (value != NULL && strcmp(policy_scope, value) == 0);
}

/* Whether the local time of `at` in zone `tz` is in the policy's quiet hours. */
static bool
in_quiet_hours(const FastPolicy *p, text *tz, TimestampTz at)
{
	Timestamp	local;
	TimeADT		t;

	if (TIMESTAMP_NOT_FINITE(at))
		return false;			/* SQL: NULL time, not blocked */
	local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, PointerGetDatum(tz),
												  TimestampTzGetDatum(at)));
	if (TIMESTAMP_NOT_FINITE(local))
		return false;
	t = DatumGetTimeADT(DirectFunctionCall1(timestamp_time, TimestampGetDatum(local)));
	if (p->quiet_start < p->quiet_end)
		return t >= p->quiet_start && t < p->quiet_end;
	return t >= p->quiet_start || t < p->quiet_end;
}

/* Append a verdict. */
static void
add_block(FastBlock **blocks, int *n, int *cap, const FastPolicy *p, const char *code,
		  const char *group, int32 offer_id)
{
	if (*n == *cap)
	{
		*cap *= 2;
		*blocks = repalloc(*blocks, sizeof(FastBlock) * *cap);
	}
	(*blocks)[*n].policy = p;
	(*blocks)[*n].code = code;
	(*blocks)[*n].group = group;
	(*blocks)[*n].offer_id = offer_id;
	(*n)++;
}

/* Set search_path to pg_catalog, pg_temp until AtEOXact_GUC(true, level), as a SET clause would. */
static int
enter_fixed_search_path(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/* The scope (group, products) of an offer of the catalogue copy, by id; NULL if absent. */
static const OfferScope *
find_scope(const OfferScope *scopes, int nscopes, int32 id)
{
	int			lo = 0,
				hi = nscopes - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (scopes[mid].id == id)
			return &scopes[mid];
		if (scopes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* The SQL error of an opt-out list that holds NULL and not the channel (offer_rank gets NULL). */
static void
opted_out_null_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("argument 6 of offer_rank must not be NULL"),
			 errdetail("The customer's opted_out list holds NULL and not the channel.")));
}

/* The profile from offer_customer by key, computed in C as the profile plan computes it. */
static void
scan_profile(OfferInputs *in, const char *channel, Jsonb *context, text **customer_tz)
{
	OfferScan	scan;
	OfferKey	key = {1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(in->customer)};
	bool		isnull;
	ArrayType  *opted;
	Jsonb	   *attributes;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	bool		any_null = false;

	offer_scan_begin(&scan, OFFER_READ_CUSTOMER, 1, &key);
	if (!offer_scan_next(&scan))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("customer " INT64_FORMAT " does not exist", in->customer),
				 errhint("Decisions are made for customers of clientele.offer_customer.")));
	in->segment = TextDatumGetCString(offer_scan_get(&scan, 1, &isnull));
	*customer_tz = DatumGetTextPCopy(offer_scan_get(&scan, 2, &isnull));
	opted = DatumGetArrayTypePCopy(offer_scan_get(&scan, 3, &isnull));
	attributes = DatumGetJsonbPCopy(offer_scan_get(&scan, 4, &isnull));
	offer_scan_end(&scan);

	/* channel = ANY (opted_out) OR 'all' = ANY (opted_out) */
	in->opted_out = false;
	deconstruct_array(opted, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n && !in->opted_out; i++)
	{
		if (nulls[i])
		{
			any_null = true;
			continue;
		}
		if (VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i])) == strlen(channel) &&
			memcmp(VARDATA_ANY(DatumGetPointer(elems[i])), channel, strlen(channel)) == 0)
			in->opted_out = true;
		else if (VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i])) == 3 &&
				 memcmp(VARDATA_ANY(DatumGetPointer(elems[i])), "all", 3) == 0)
			in->opted_out = true;
	}
	if (!in->opted_out && any_null)
		opted_out_null_error();

	/* attributes || context */
	in->facts = JB_ROOT_COUNT(context) > 0 ?
		DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(attributes), JsonbPGetDatum(context))) :
		attributes;

	/* the naive Bayes bins, when some offer has such a model */
	in->nbins = -1;
	if (nfeatures > 0 && offer_catalogue_has_nb())
	{
		in->nbins = nfeatures;
		in->bins = palloc(sizeof(Datum) * nfeatures);
		in->bin_nulls = palloc(sizeof(bool) * nfeatures);
		for (i = 0; i < nfeatures; i++)
		{
			JsonbValue	v;

			in->bin_nulls[i] = true;
			in->bins[i] = (Datum) 0;
			if (JB_ROOT_IS_OBJECT(attributes) && !JB_ROOT_IS_SCALAR(attributes) &&
				getKeyJsonValueFromContainer(&attributes->root, feature_names[i], strlen(feature_names[i]), &v) != NULL &&
				v.type == jbvNumeric)
			{
				Datum		x = DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric));

				in->bins[i] = DirectFunctionCall2(width_bucket_array, x, PointerGetDatum(feature_edges[i]));
				in->bin_nulls[i] = false;
			}
		}
	}

	/* the random control group */
	in->in_control = false;
	if (cfg_control_share > 0)
	{
		OfferRng	rng;

		offer_rng_init(&rng, cfg_control_seed, in->customer, 0);
		in->in_control = offer_rng_uniform(&rng) < cfg_control_share;
	}
}

/* The profile from the saved profile plan (the SPI road), copied into memory context `into`. */
static void
plan_profile(OfferInputs *in, text *channel, Jsonb *context, text **customer_tz, MemoryContext into)
{
	Datum		args[3];
	bool		isnull;
	Datum		d;
	MemoryContext old;

	args[0] = Int64GetDatum(in->customer);
	args[1] = JsonbPGetDatum(context);
	args[2] = PointerGetDatum(channel);
	run_plan(PLAN_PROFILE, args);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("customer " INT64_FORMAT " does not exist", in->customer),
				 errhint("Decisions are made for customers of clientele.offer_customer.")));
	old = MemoryContextSwitchTo(into);
	in->segment = get_cstring(0, 1);
	in->facts = DatumGetJsonbPCopy(get_datum(0, 2, &isnull));
	d = get_datum(0, 3, &isnull);
	in->nbins = -1;
	if (!isnull)
		deconstruct_array(DatumGetArrayTypePCopy(d), INT4OID, 4, true, TYPALIGN_INT,
						  &in->bins, &in->bin_nulls, &in->nbins);
	in->in_control = DatumGetBool(get_datum(0, 4, &isnull));
	in->opted_out = DatumGetBool(get_datum(0, 5, &isnull));
	if (isnull)
		opted_out_null_error();
	*customer_tz = DatumGetTextPCopy(get_datum(0, 6, &isnull));
	MemoryContextSwitchTo(old);
}

/* Append an event to a growing array. */
static FastEvent *
next_event(FastEvent **events, int *n, int *cap)
{
	if (*n == *cap)
	{
		*cap = *cap == 0 ? 16 : *cap * 2;
		*events = *events ? repalloc(*events, sizeof(FastEvent) * *cap) : palloc(sizeof(FastEvent) * *cap);
	}
	return &(*events)[(*n)++];
}

/*
 * The customer's contacts (outcomes: which = OFFER_READ_OUTCOMES) in
 * (since, at] by direct index scan, with the group of each offer (the join
 * with offer: contacts of offers not in the catalogue are dropped).
 */
static int
scan_events(OfferRead which, int64 customer, TimestampTz since, TimestampTz at,
			const OfferScope *scopes, int nscopes, FastEvent **out)
{
	OfferScan	scan;
	OfferKey	keys[3] = {
		{1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(customer)},
		{2, BTGreaterStrategyNumber, F_TIMESTAMPTZ_GT, TimestampTzGetDatum(since)},
		{2, BTLessEqualStrategyNumber, F_TIMESTAMPTZ_LE, TimestampTzGetDatum(at)}
	};
	int			n = 0,
				cap = 0;

	*out = NULL;
	offer_scan_begin(&scan, which, 3, keys);
	while (offer_scan_next(&scan))
	{
		bool		isnull;
		int32		offer_id = DatumGetInt32(offer_scan_get(&scan, 0, &isnull));
		const OfferScope *sc = find_scope(scopes, nscopes, offer_id);
		FastEvent  *e;
		char	   *kind;

		if (sc == NULL)
			continue;
		kind = TextDatumGetCString(offer_scan_get(&scan, 1, &isnull));
		e = next_event(out, &n, &cap);
		e->offer_id = offer_id;
		e->channel = which == OFFER_READ_CONTACTS ? kind : NULL;
		e->outcome = which == OFFER_READ_OUTCOMES ? kind : NULL;
		e->at = DatumGetTimestampTz(offer_scan_get(&scan, 2, &isnull));
		e->group = sc->group;
	}
	offer_scan_end(&scan);
	return n;
}

/* The customer's contacts or outcomes from a saved plan (the SPI road). */
static int
plan_events(OfferRead which, int64 customer, TimestampTz since, TimestampTz at, FastEvent **out)
{
	Datum		args[3];
	uint64		r;
	bool		isnull;

	args[0] = Int64GetDatum(customer);
	args[1] = TimestampTzGetDatum(since);
	args[2] = TimestampTzGetDatum(at);
	run_plan(which == OFFER_READ_CONTACTS ? PLAN_CONTACTS : PLAN_OUTCOMES, args);
	*out = palloc(sizeof(FastEvent) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		FastEvent  *e = &(*out)[r];

		e->offer_id = DatumGetInt32(get_datum(r, 1, &isnull));
		e->channel = which == OFFER_READ_CONTACTS ? get_cstring(r, 2) : NULL;
		e->outcome = which == OFFER_READ_OUTCOMES ? get_cstring(r, 2) : NULL;
		e->at = DatumGetTimestampTz(get_datum(r, 3, &isnull));
		e->group = get_cstring(r, 4);
	}
	return (int) SPI_processed;
}

/* A product's repurchase cycle from the cached product_cycle (binary search), or NULL. */
static Interval *
cached_product_cycle(const char *product)
{
	int			lo = 0,
				hi = ncycles - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(cycle_products[mid], product);

		if (c == 0)
			return &cycle_intervals[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Interval comparison as SQL's interval > interval. */
static inline bool
interval_positive(Interval *iv)
{
	Interval	zero;

	memset(&zero, 0, sizeof(zero));
	return DatumGetBool(DirectFunctionCall2(interval_gt, IntervalPGetDatum(iv), IntervalPGetDatum(&zero)));
}

/* timestamptz + interval as in SQL. */
static TimestampTz
plus_interval(TimestampTz t, Interval *iv)
{
	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(t),
												   IntervalPGetDatum(iv)));
}

/*
 * The customer's purchases up to `at` grouped by product, by direct index
 * scan: the last purchase, and whether the product is due (the rule of the
 * purchases plan, after replenishment_due()).
 */
static int
scan_purchases(int64 customer, TimestampTz at, FastPurchase **out)
{
	OfferScan	scan;
	OfferKey	key = {1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(customer)};
	FastPurchase *p = NULL;
	int64	   *counts = NULL;
	TimestampTz *firsts = NULL;
	int			n = 0,
				cap = 0,
				i;

	offer_scan_begin(&scan, OFFER_READ_PURCHASES, 1, &key);
	while (offer_scan_next(&scan))
	{
		bool		isnull;
		TimestampTz t = DatumGetTimestampTz(offer_scan_get(&scan, 1, &isnull));
		text	   *product;

		if (!(t <= at))
			continue;
		product = DatumGetTextPP(offer_scan_get(&scan, 0, &isnull));
		for (i = 0; i < n; i++)
			if (strlen(p[i].product) == VARSIZE_ANY_EXHDR(product) &&
				memcmp(p[i].product, VARDATA_ANY(product), VARSIZE_ANY_EXHDR(product)) == 0)
				break;
		if (i == n)
		{
			if (n == cap)
			{
				cap = cap == 0 ? 8 : cap * 2;
				p = p ? repalloc(p, sizeof(FastPurchase) * cap) : palloc(sizeof(FastPurchase) * cap);
				counts = counts ? repalloc(counts, sizeof(int64) * cap) : palloc(sizeof(int64) * cap);
				firsts = firsts ? repalloc(firsts, sizeof(TimestampTz) * cap) : palloc(sizeof(TimestampTz) * cap);
			}
			p[n].product = text_to_cstring(product);
			p[n].last = t;
			firsts[n] = t;
			counts[n] = 0;
			n++;
		}
		counts[i]++;
		if (t > p[i].last)
			p[i].last = t;
		if (t < firsts[i])
			firsts[i] = t;
	}
	offer_scan_end(&scan);

	for (i = 0; i < n; i++)
	{
		Interval   *cycle;

		if (counts[i] >= 2)
		{
			Datum		span = DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(p[i].last),
												   TimestampTzGetDatum(firsts[i]));

			cycle = DatumGetIntervalP(DirectFunctionCall1(interval_justify_hours,
														  DirectFunctionCall2(interval_div, span,
																			  Float8GetDatum((double) (counts[i] - 1)))));
		}
		else
			cycle = cached_product_cycle(p[i].product);
		p[i].due = cycle != NULL && interval_positive(cycle) &&
			plus_interval(p[i].last, cycle) <= plus_interval(at, &cfg_horizon) &&
			at < plus_interval(p[i].last,
							   DatumGetIntervalP(DirectFunctionCall2(mul_d_interval, Float8GetDatum(2.0),
																	 IntervalPGetDatum(cycle))));
	}
	*out = p;
	return n;
}

/* The customer's purchases from the saved plan (the SPI road). */
static int
plan_purchases(int64 customer, TimestampTz at, FastPurchase **out)
{
	Datum		args[3];
	uint64		r;
	bool		isnull;

	args[0] = Int64GetDatum(customer);
	args[1] = TimestampTzGetDatum(at);
	args[2] = IntervalPGetDatum(&cfg_horizon);
	run_plan(PLAN_PURCHASES, args);
	*out = palloc(sizeof(FastPurchase) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		(*out)[r].product = get_cstring(r, 1);
		(*out)[r].last = DatumGetTimestampTz(get_datum(r, 2, &isnull));
		(*out)[r].due = DatumGetBool(get_datum(r, 3, &isnull));
	}
	return (int) SPI_processed;
}

/*
 * Gather the kernel's inputs for one customer into *in, allocated in the
 * current memory context: directly (direct_reads) or through saved plans.
 */
static void
gather_inputs(OfferInputs *in, int64 customer, text *channel, TimestampTz at, Jsonb *context, bool direct_reads)
{
	MemoryContext caller = CurrentMemoryContext;
	text	   *customer_tz;
	FastPolicy *pols;
	int			npols;
	TimestampTz since = 0;
	bool		need_contacts = false,
				need_outcomes = false;
	FastEvent  *contacts = NULL,
			   *outcomes = NULL;
	int			ncontacts = 0,
				noutcomes = 0;
	FastPurchase *purchases = NULL;
	int			npurchases = 0;
	FastBlock  *blocks;
	int			nblocks = 0,
				blockcap = 16;
	OfferScope *scopes;
	int			nscopes;
	int			i,
				j,
				m;
	char	   *channel_c = text_to_cstring(channel);
	bool		spi = !direct_reads;
	int			guc_level = -1;

	memset(in, 0, sizeof(*in));
	in->customer = customer;
	in->channel = channel_c;
	in->at = at;
	in->context = context;
	in->nfilter = -1;

	nscopes = offer_catalogue_scopes(&scopes);
	get_policies();
	if (spi)
	{
		guc_level = enter_fixed_search_path();	/* the plans name operators unqualified */
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
	}

	/* the profile */
	if (spi)
		plan_profile(in, channel, context, &customer_tz, caller);
	else
		scan_profile(in, channel_c, context, &customer_tz);

	/* the policies of the channel, in id order, and the oldest instant they look at */
	pols = palloc0(sizeof(FastPolicy) * Max(npolicies, 1));
	npols = 0;
	{
		Interval   *span = NULL;
		Interval	zero;

		for (i = 0; i < npolicies; i++)
		{
			const FastPolicy *p = &policies[i];
			Interval   *g;

			if (p->channel != NULL && strcmp(p->channel, channel_c) != 0)
				continue;
			pols[npols] = *p;
			if (strcmp(p->kind, "cap") == 0)
				need_contacts = true;
			else if (strcmp(p->kind, "suppression") == 0 || strcmp(p->kind, "cooldown") == 0)
				need_outcomes = true;
			g = p->suppress_for && p->window ?
				DatumGetIntervalP(DirectFunctionCall2(interval_pl, IntervalPGetDatum(p->suppress_for),
													  IntervalPGetDatum(p->window))) : NULL;
			g = interval_larger_opt(interval_larger_opt(p->window, g), p->cooldown);
			span = interval_larger_opt(span, g);
			npols++;
		}
		memset(&zero, 0, sizeof(zero));
		since = minus_interval(at, span ? span : &zero);
	}

	/* the customer's history since the oldest instant a policy looks at */
	if (need_contacts)
		ncontacts = spi ? plan_events(OFFER_READ_CONTACTS, customer, since, at, &contacts) :
			scan_events(OFFER_READ_CONTACTS, customer, since, at, scopes, nscopes, &contacts);
	if (need_outcomes)
		noutcomes = spi ? plan_events(OFFER_READ_OUTCOMES, customer, since, at, &outcomes) :
			scan_events(OFFER_READ_OUTCOMES, customer, since, at, scopes, nscopes, &outcomes);
	npurchases = spi ? plan_purchases(customer, at, &purchases) : scan_purchases(customer, at, &purchases);

	/* the verdict of each policy, in id order */
	blocks = palloc(sizeof(FastBlock) * blockcap);
	for (i = 0; i < npols; i++)
	{
		const FastPolicy *p = &pols[i];

		CHECK_FOR_INTERRUPTS();
		if (strcmp(p->kind, "cap") == 0)
		{
			TimestampTz from = minus_interval(at, p->window);
			int			count = 0;

			for (j = 0; j < ncontacts; j++)
				if (contacts[j].at > from && scope_matches(p->channel, contacts[j].channel) &&
					scope_matches(p->group, contacts[j].group))
					count++;
			if (count > 0 && count >= p->max_count)
				add_block(&blocks, &nblocks, &blockcap, p, "CONTACT_CAP", p->group, 0);
		}
		else if (strcmp(p->kind, "quiet_hours") == 0)
		{
			if (in_quiet_hours(p, p->time_zone ? p->time_zone : customer_tz, at))
				add_block(&blocks, &nblocks, &blockcap, p, "QUIET_HOURS", p->group, 0);
		}
		else if (strcmp(p->kind, "suppression") == 0)
		{
			TimestampTz from = minus_interval(at, p->suppress_for);

			for (j = 0; j < noutcomes; j++)
			{
				const FastEvent *x = &outcomes[j];
				TimestampTz wfrom;
				int			count = 0;

				if (strcmp(x->outcome, p->outcome) != 0 || !(x->at > from) || !scope_matches(p->group, x->group))
					continue;
				wfrom = minus_interval(x->at, p->window);
				for (m = 0; m < noutcomes; m++)
				{
					const FastEvent *y = &outcomes[m];

					if (strcmp(y->outcome, p->outcome) == 0 && y->at > wfrom && y->at <= x->at &&
						(p->group == NULL ? y->offer_id == x->offer_id : scope_matches(p->group, y->group)))
						count++;
				}
				if (count >= p->max_count)
					add_block(&blocks, &nblocks, &blockcap, p, "SUPPRESSED", p->group,
							  p->group == NULL ? x->offer_id : 0);
			}
		}
		else if (strcmp(p->kind, "cooldown") == 0)
		{
			TimestampTz from = minus_interval(at, p->cooldown);

			for (j = 0; j < noutcomes; j++)
			{
				const FastEvent *x = &outcomes[j];

				if (strcmp(x->outcome, cfg_response_outcome) == 0 && x->at > from && scope_matches(p->group, x->group))
					add_block(&blocks, &nblocks, &blockcap, p, "COOLDOWN", p->group,
							  p->group == NULL ? x->offer_id : 0);
			}
			for (j = 0; j < npurchases; j++)
			{
				if (!(purchases[j].last > from) || !(purchases[j].last > since))
					continue;
				for (m = 0; m < nscopes; m++)
				{
					int			q;

					if (!scope_matches(p->group, scopes[m].group))
						continue;
					for (q = 0; q < scopes[m].nproducts; q++)
						if (strcmp(scopes[m].products[q], purchases[j].product) == 0)
						{
							add_block(&blocks, &nblocks, &blockcap, p, "COOLDOWN", NULL, scopes[m].id);
							break;
						}
				}
			}
		}
	}

	/* each offer takes the first verdict (lowest policy id) that applies to it */
	MemoryContextSwitchTo(caller);
	in->blocked_offers = palloc(sizeof(int32) * Max(nscopes, 1));
	in->blocked_codes = palloc(sizeof(char *) * Max(nscopes, 1));
	in->blocked_policies = palloc(sizeof(char *) * Max(nscopes, 1));
	for (m = 0; m < nscopes; m++)
		for (i = 0; i < nblocks; i++)
			if ((blocks[i].offer_id == 0 || blocks[i].offer_id == scopes[m].id) &&
				scope_matches(blocks[i].group, scopes[m].group))
			{
				in->blocked_offers[in->nblocked] = scopes[m].id;
				in->blocked_codes[in->nblocked] = pstrdup(blocks[i].code);
				in->blocked_policies[in->nblocked] = pstrdup(blocks[i].policy->name);
				in->nblocked++;
				break;
			}
	in->due = palloc(sizeof(char *) * Max(npurchases, 1));
	if (nscopes > 0)
	{
		bool		any_products = false;

		for (m = 0; m < nscopes; m++)
			any_products |= scopes[m].nproducts > 0;
		for (j = 0; any_products && j < npurchases; j++)
			if (purchases[j].due)
				in->due[in->ndue++] = pstrdup(purchases[j].product);
	}

	/* promotions near the context location (a saved plan on either road) */
	if (DatumGetBool(DirectFunctionCall2(jsonb_exists, JsonbPGetDatum(context), CStringGetTextDatum("lat"))))
	{
		Datum		args[2];

		if (!spi)
		{
			guc_level = enter_fixed_search_path();
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			spi = true;
		}
		args[0] = JsonbPGetDatum(context);
		args[1] = TimestampTzGetDatum(at);
		run_plan(PLAN_NEAR, args);
		if (SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = get_datum(0, 1, &isnull);

			MemoryContextSwitchTo(caller);
			if (!isnull)
			{
				Datum	   *elems;
				bool	   *nulls;
				int			n;

				deconstruct_array(DatumGetArrayTypePCopy(d), INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
				in->near = palloc(sizeof(int32) * Max(n, 1));
				for (i = 0; i < n; i++)
					if (!nulls[i])
						in->near[in->nnear++] = DatumGetInt32(elems[i]);
			}
		}
	}
	if (spi)
	{
		SPI_finish();
		AtEOXact_GUC(true, guc_level);
	}
	MemoryContextSwitchTo(caller);
}

/* A one-dimensional array in the current memory context (NULL when empty). */
static Datum
cstring_array(char **elems, int n, bool *isnull)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	*isnull = n == 0;
	if (n == 0)
		return (Datum) 0;
	for (i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(elems[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* An int4[] in the current memory context (NULL when empty). */
static Datum
int4_array(int32 *elems, int n, bool *isnull)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	*isnull = n == 0;
	if (n == 0)
		return (Datum) 0;
	for (i = 0; i < n; i++)
		d[i] = Int32GetDatum(elems[i]);
	return PointerGetDatum(construct_array(d, n, INT4OID, 4, true, TYPALIGN_INT));
}

/*
 * SQL: offer_policy_inputs(customer_id, channel, at, context) → the profile
 * and policy verdicts of one customer, the arguments of offer_rank().
 */
Datum
clientele_offer_policy_inputs(PG_FUNCTION_ARGS)
{
	TupleDesc	rtd;
	Datum		result[10];
	bool		rnull[10];
	Jsonb	   *context;
	OfferInputs in;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("customer_id, channel and at must not be NULL")));
	if (get_call_result_type(fcinfo, NULL, &rtd) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "offer_policy_inputs must return a composite type");
	rtd = BlessTupleDesc(rtd);
	context = PG_ARGISNULL(3) ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"))) :
		PG_GETARG_JSONB_P(3);
	AcceptInvalidationMessages();	/* settings committed by others since the last lock taken */
	gather_inputs(&in, PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(1), PG_GETARG_TIMESTAMPTZ(2), context,
				  offer_fast_reads_ok());

	memset(rnull, 0, sizeof(rnull));
	result[0] = CStringGetTextDatum(in.segment);
	result[1] = JsonbPGetDatum(in.facts);
	rnull[2] = in.nbins < 0;
	if (in.nbins >= 0)
	{
		int			dims[1] = {in.nbins};
		int			lbs[1] = {1};

		result[2] = PointerGetDatum(construct_md_array(in.bins, in.bin_nulls, 1, dims, lbs,
													   INT4OID, 4, true, TYPALIGN_INT));
	}
	result[3] = BoolGetDatum(in.in_control);
	result[4] = BoolGetDatum(in.opted_out);
	result[5] = int4_array(in.blocked_offers, in.nblocked, &rnull[5]);
	result[6] = cstring_array(in.blocked_codes, in.nblocked, &rnull[6]);
	result[7] = cstring_array(in.blocked_policies, in.nblocked, &rnull[7]);
	result[8] = cstring_array(in.due, in.ndue, &rnull[8]);
	result[9] = int4_array(in.near, in.nnear, &rnull[9]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(rtd, result, rnull)));
}

/* clientele.offer_check_context(context): validates a non-empty decision context. */
static Jsonb *
check_context(Jsonb *context)
{
	Oid			argtypes[1] = {JSONBOID};
	Oid			fn = LookupFuncName(list_make2(makeString("clientele"), makeString("offer_check_context")),
									1, argtypes, false);

	return DatumGetJsonbP(OidFunctionCall1(fn, JsonbPGetDatum(context)));
}

/*
 * SQL: next_best_offers(customer_id, k, channel, at, context,
 * include_rejected, seed, explore) → the ranked offers (and with
 * include_rejected every other offer with the stage and policy that
 * filtered it), in one C call.
 */
Datum
clientele_next_best_offers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsi = (ReturnSetInfo *) fcinfo->resultinfo;
	Jsonb	   *context;
	OfferInputs in;
	int			k;
	bool		include_rejected;
	bool		direct;

	/* the context is checked first, as the plpgsql version did */
	if (PG_ARGISNULL(4))
		context = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	else
	{
		context = PG_GETARG_JSONB_P(4);
		if (!(JB_ROOT_IS_OBJECT(context) && !JB_ROOT_IS_SCALAR(context) && JB_ROOT_COUNT(context) == 0))
			context = check_context(context);
	}
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("customer_id, k, channel and at must not be NULL")));
	k = PG_GETARG_INT32(1);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
	include_rejected = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);

	InitMaterializedSRF(fcinfo, 0);
	AcceptInvalidationMessages();	/* settings committed by others since the last lock taken */
	direct = offer_fast_reads_ok();
	gather_inputs(&in, PG_GETARG_INT64(0), PG_GETARG_TEXT_PP(2), PG_GETARG_TIMESTAMPTZ(3), context, direct);
	/* after the customer is known to exist, as when offer_rank() checked them */
	if (PG_ARGISNULL(6) || PG_ARGISNULL(7))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed and explore must not be NULL")));
	in.seed = PG_GETARG_INT64(6);
	in.explore = PG_GETARG_BOOL(7);
	offer_decide_single(rsi, &in, k, include_rejected, direct);
	return (Datum) 0;
}
