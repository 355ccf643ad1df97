/*
 * offer_fast.c — the policy verdicts of one customer, for single decisions.
 *
 * offer_evaluate() computes what the contact policies say about a set of
 * customers as one SQL statement: a dozen CTE nodes, joins and a
 * DISTINCT ON.  For a campaign that plan is the right tool; for one
 * customer its executor start-up and teardown cost ten times the decision
 * itself.  offer_policy_inputs() produces exactly the same inputs for the
 * kernel offer_rank() (profile, bins, control group, opt-out, the offers
 * each policy blocks and why, due products, nearby promotions), but as a
 * few saved plans that are single index scans on the customer's rows:
 *
 *   profile    offer_customer by primary key, with offer_config and the
 *              naive Bayes bins (as the set-based cust CTE);
 *   policies   the active policies, cached per backend (dropped by a
 *              relcache invalidation that contact_policy's statement
 *              trigger sends); those of the channel in id order, and the
 *              oldest instant any of them looks at ("since");
 *   contacts   contact_history on (customer_id, contacted_at) in
 *              (since, at], only when a cap policy exists;
 *   outcomes   contact_outcome on (customer_id, occurred_at) in
 *              (since, at], only when a suppression or cooldown exists;
 *   purchases  offer_purchase on (customer_id, ...) grouped by product:
 *              the last purchase (cooldowns) and whether it is due
 *              (the replenishment rule of replenishment_due());
 *   stores     the promotions near the context location, when it has one.
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
 * sql/offer_fast.sql compares the result with offer_evaluate() on many
 * customers, times, window edges and time zones.
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

#include "offer/offer.h"

PG_FUNCTION_INFO_V1(clientele_offer_policy_inputs);

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
 * The active policies, cached per backend in id order until a relcache
 * invalidation of clientele.contact_policy (its statement trigger sends one
 * when a change commits) or a full reset.
 */
static MemoryContext policy_cxt = NULL;
static FastPolicy *policies = NULL;
static int	npolicies = 0;
static bool policies_valid = false;
static bool policy_callback_registered = false;
static Oid	policy_relid = InvalidOid;

/* Relcache callback: a change of contact_policy drops the cached policies. */
static void
policies_invalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == policy_relid)
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

/* (Re)read the active policies. */
static void
load_policies(void)
{
	uint64		r;
	int			ret;

	if (!policy_callback_registered)
	{
		CacheRegisterRelcacheCallback(policies_invalidate, (Datum) 0);
		policy_callback_registered = true;
	}
	policy_relid = get_relname_relid("contact_policy", get_namespace_oid("clientele", false));
	policies_valid = true;		/* an invalidation while loading clears it again */
	if (policy_cxt == NULL)
		policy_cxt = AllocSetContextCreate(CacheMemoryContext, "clientele contact policies",
										   ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(policy_cxt);
	policies = NULL;
	npolicies = 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute("SELECT p.id, p.name, p.kind, p.channel, p.offer_group, p.max_count, p.\"window\", p.outcome,"
					  "       p.suppress_for, p.cooldown, p.quiet_start, p.quiet_end, p.time_zone"
					  "  FROM clientele.contact_policy p WHERE p.active ORDER BY p.id", true, 0);
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
	SPI_finish();
}

/* The active policies, (re)loaded if an invalidation dropped them. */
static void
get_policies(void)
{
	if (!policies_valid)
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

/* Build a one-dimensional array in the current memory context (NULL when empty). */
static Datum
make_array(Datum *elems, int n, Oid type, bool *isnull)
{
	*isnull = n == 0;
	if (n == 0)
		return (Datum) 0;
	if (type == INT4OID)
		return PointerGetDatum(construct_array(elems, n, INT4OID, 4, true, TYPALIGN_INT));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * SQL: offer_policy_inputs(customer_id, channel, at, context) → the profile
 * and policy verdicts of one customer, the arguments of offer_rank().
 */
Datum
clientele_offer_policy_inputs(PG_FUNCTION_ARGS)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;
	TupleDesc	rtd;
	Datum		result[10];
	bool		rnull[10];
	int64		customer;
	text	   *channel;
	TimestampTz at;
	Jsonb	   *context;
	Datum		args[3];
	bool		isnull;
	text	   *customer_tz;
	char	   *response_outcome;
	Datum		horizon;
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
	Datum	   *b_offers,
			   *b_codes,
			   *b_policies,
			   *due;
	int			nb = 0,
				ndue = 0;
	int			i,
				j,
				m;
	uint64		r;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("customer_id, channel and at must not be NULL")));
	customer = PG_GETARG_INT64(0);
	channel = PG_GETARG_TEXT_PP(1);
	at = PG_GETARG_TIMESTAMPTZ(2);
	context = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	if (get_call_result_type(fcinfo, NULL, &rtd) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "offer_policy_inputs must return a composite type");
	rtd = BlessTupleDesc(rtd);
	if (context == NULL)
		context = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));

	nscopes = offer_catalogue_scopes(&scopes);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	spi = CurrentMemoryContext;

	/* the profile */
	args[0] = Int64GetDatum(customer);
	args[1] = JsonbPGetDatum(context);
	args[2] = PointerGetDatum(channel);
	run_plan(PLAN_PROFILE, args);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("customer " INT64_FORMAT " does not exist", customer),
				 errhint("Decisions are made for customers of clientele.offer_customer.")));
	for (i = 0; i < 5; i++)
	{
		Datum		d = get_datum(0, i + 1, &rnull[i]);
		Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, i);
		MemoryContext old = MemoryContextSwitchTo(caller);

		result[i] = rnull[i] ? (Datum) 0 : datumCopy(d, att->attbyval, att->attlen);
		MemoryContextSwitchTo(old);
	}
	customer_tz = DatumGetTextPP(get_datum(0, 6, &isnull));
	response_outcome = get_cstring(0, 7);
	horizon = get_datum(0, 8, &isnull);

	/* the policies of the channel, in id order, and the oldest instant they look at */
	get_policies();
	pols = palloc0(sizeof(FastPolicy) * Max(npolicies, 1));
	npols = 0;
	{
		Interval   *span = NULL;
		Interval	zero;
		char	   *channel_c = text_to_cstring(channel);

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
	args[0] = Int64GetDatum(customer);
	args[1] = TimestampTzGetDatum(since);
	args[2] = TimestampTzGetDatum(at);
	if (need_contacts)
	{
		run_plan(PLAN_CONTACTS, args);
		ncontacts = (int) SPI_processed;
		contacts = palloc(sizeof(FastEvent) * Max(ncontacts, 1));
		for (r = 0; r < SPI_processed; r++)
		{
			contacts[r].offer_id = DatumGetInt32(get_datum(r, 1, &isnull));
			contacts[r].channel = get_cstring(r, 2);
			contacts[r].at = DatumGetTimestampTz(get_datum(r, 3, &isnull));
			contacts[r].group = get_cstring(r, 4);
		}
	}
	if (need_outcomes)
	{
		run_plan(PLAN_OUTCOMES, args);
		noutcomes = (int) SPI_processed;
		outcomes = palloc(sizeof(FastEvent) * Max(noutcomes, 1));
		for (r = 0; r < SPI_processed; r++)
		{
			outcomes[r].offer_id = DatumGetInt32(get_datum(r, 1, &isnull));
			outcomes[r].outcome = get_cstring(r, 2);
			outcomes[r].at = DatumGetTimestampTz(get_datum(r, 3, &isnull));
			outcomes[r].group = get_cstring(r, 4);
		}
	}
	args[1] = TimestampTzGetDatum(at);
	args[2] = horizon;
	run_plan(PLAN_PURCHASES, args);
	npurchases = (int) SPI_processed;
	purchases = palloc(sizeof(FastPurchase) * Max(npurchases, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		purchases[r].product = get_cstring(r, 1);
		purchases[r].last = DatumGetTimestampTz(get_datum(r, 2, &isnull));
		purchases[r].due = DatumGetBool(get_datum(r, 3, &isnull));
	}

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

				if (strcmp(x->outcome, response_outcome) == 0 && x->at > from && scope_matches(p->group, x->group))
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
	b_offers = palloc(sizeof(Datum) * Max(nscopes, 1));
	b_codes = palloc(sizeof(Datum) * Max(nscopes, 1));
	b_policies = palloc(sizeof(Datum) * Max(nscopes, 1));
	for (m = 0; m < nscopes; m++)
		for (i = 0; i < nblocks; i++)
			if ((blocks[i].offer_id == 0 || blocks[i].offer_id == scopes[m].id) &&
				scope_matches(blocks[i].group, scopes[m].group))
			{
				b_offers[nb] = Int32GetDatum(scopes[m].id);
				b_codes[nb] = CStringGetTextDatum(blocks[i].code);
				b_policies[nb] = CStringGetTextDatum(blocks[i].policy->name);
				nb++;
				break;
			}
	result[5] = make_array(b_offers, nb, INT4OID, &rnull[5]);
	result[6] = make_array(b_codes, nb, TEXTOID, &rnull[6]);
	result[7] = make_array(b_policies, nb, TEXTOID, &rnull[7]);
	due = palloc(sizeof(Datum) * Max(npurchases, 1));
	if (nscopes > 0)
	{
		bool		any_products = false;

		for (m = 0; m < nscopes; m++)
			any_products |= scopes[m].nproducts > 0;
		for (j = 0; any_products && j < npurchases; j++)
			if (purchases[j].due)
				due[ndue++] = CStringGetTextDatum(purchases[j].product);
	}
	result[8] = make_array(due, ndue, TEXTOID, &rnull[8]);

	/* promotions near the context location */
	result[9] = (Datum) 0;
	rnull[9] = true;
	if (DatumGetBool(DirectFunctionCall2(jsonb_exists, JsonbPGetDatum(context), CStringGetTextDatum("lat"))))
	{
		MemoryContextSwitchTo(spi);
		args[0] = JsonbPGetDatum(context);
		args[1] = TimestampTzGetDatum(at);
		run_plan(PLAN_NEAR, args);
		if (SPI_processed == 1)
		{
			Datum		d = get_datum(0, 1, &isnull);

			MemoryContextSwitchTo(caller);
			if (!isnull)
			{
				result[9] = PointerGetDatum(DatumGetArrayTypePCopy(d));
				rnull[9] = false;
			}
		}
		MemoryContextSwitchTo(caller);
	}
	SPI_finish();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(rtd, result, rnull)));
}
