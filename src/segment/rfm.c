/*
 * rfm.c — RFM scores by quantile, and the named segment of a score.
 *
 * Scores.  clientele.rfm_score() is a window function: over a window
 * ordered by a measure it gives each row the quintile (or, with an
 * argument, the k-quantile) of its rank,
 *   score = 1 + floor(k (rank - 1) / n),
 * where rank is the position of the first row of its peer group (rows
 * with equal measures share the rank, so equal measures always get the
 * same score, the lower one), and n the number of rows of the partition.
 * With distinct values it cuts the rows into k groups of equal size, like
 * ntile(k); unlike ntile it never splits ties (ntile gives two customers
 * with the same frequency different scores).  Ordering by the last
 * purchase date ascending gives recency scores where the most recent
 * customers get 5.  Because it is a window function it runs over a GROUP
 * BY in the same statement:
 *   SELECT customer_id,
 *          clientele.rfm_score() OVER (ORDER BY max(purchased_at)) AS r,
 *          clientele.rfm_score() OVER (ORDER BY count(*)) AS f,
 *          clientele.rfm_score() OVER (ORDER BY sum(amount)) AS m
 *     FROM purchases GROUP BY customer_id;
 *
 * Segments.  clientele.rfm_segment(r, f, m [, rule_set]) returns the
 * segment of the first rule (by priority) of the latest version of the
 * rule set whose ranges contain the three scores, else 'Others'.  The
 * rules live in the table clientele.rfm_rule; they are read once per
 * query (through SPI, with schema-qualified names and operators) and kept
 * in fn_extra for the following rows, so the per-row cost is a scan of a
 * dozen ranges.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "windowapi.h"

PG_FUNCTION_INFO_V1(clientele_rfm_score);
PG_FUNCTION_INFO_V1(clientele_rfm_segment);

#define RFM_MAX_BUCKETS 1000

typedef struct RankState
{
	int64		rank;			/* rank of the current peer group */
} RankState;

/* clientele.rfm_score([buckets]) OVER (ORDER BY measure): the quantile of the row's rank. */
Datum
clientele_rfm_score(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	RankState  *st = (RankState *) WinGetPartitionLocalMemory(winobj, sizeof(RankState));
	int64		pos = WinGetCurrentPosition(winobj);
	int64		nrows = WinGetPartitionRowCount(winobj);
	int32		buckets = 5;

	if (PG_NARGS() > 0)
	{
		bool		isnull;
		Datum		d = WinGetFuncArgCurrent(winobj, 0, &isnull);

		if (isnull)
			PG_RETURN_NULL();
		buckets = DatumGetInt32(d);
		if (buckets < 1 || buckets > RFM_MAX_BUCKETS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("number of score buckets must be between 1 and %d, not %d", RFM_MAX_BUCKETS, buckets)));
	}
	if (pos == 0 || !WinRowsArePeers(winobj, pos - 1, pos))
		st->rank = pos + 1;
	PG_RETURN_INT32(1 + (int32) ((buckets * (st->rank - 1)) / nrows));
}

typedef struct RfmRule
{
	int16		lo[3];
	int16		hi[3];
	text	   *segment;
} RfmRule;

typedef struct RfmRuleSet
{
	char	   *name;
	int			nrules;
	RfmRule    *rules;
	text	   *others;
} RfmRuleSet;

/* Load the latest version of a rule set into cxt (error if it does not exist). */
static RfmRuleSet *
load_rule_set(const char *name, MemoryContext cxt)
{
	static const char *query =
		"SELECT segment, r_min, r_max, f_min, f_max, m_min, m_max"
		"  FROM clientele.rfm_rule"
		" WHERE rule_set OPERATOR(pg_catalog.=) $1"
		"   AND version OPERATOR(pg_catalog.=) (SELECT pg_catalog.max(version) FROM clientele.rfm_rule"
		"                                        WHERE rule_set OPERATOR(pg_catalog.=) $1)"
		" ORDER BY priority";
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	RfmRuleSet *set;
	uint64		i;
	int			ret;

	args[0] = CStringGetTextDatum(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not connect to SPI to read RFM rules")));
	ret = SPI_execute_with_args(query, 1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not read RFM rules: SPI error %d", ret)));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("RFM rule set \"%s\" does not exist", name),
				 errhint("See the rule sets with SELECT DISTINCT rule_set FROM clientele.rfm_rule.")));
	set = MemoryContextAllocZero(cxt, sizeof(RfmRuleSet));
	set->name = MemoryContextStrdup(cxt, name);
	set->nrules = (int) SPI_processed;
	set->rules = MemoryContextAllocZero(cxt, sizeof(RfmRule) * set->nrules);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		seg = SPI_getbinval(tup, desc, 1, &isnull);
		MemoryContext old;
		int			k;

		old = MemoryContextSwitchTo(cxt);
		set->rules[i].segment = DatumGetTextPCopy(seg);
		MemoryContextSwitchTo(old);
		for (k = 0; k < 3; k++)
		{
			set->rules[i].lo[k] = DatumGetInt16(SPI_getbinval(tup, desc, 2 + 2 * k, &isnull));
			set->rules[i].hi[k] = DatumGetInt16(SPI_getbinval(tup, desc, 3 + 2 * k, &isnull));
		}
	}
	SPI_finish();
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		set->others = cstring_to_text("Others");
		MemoryContextSwitchTo(old);
	}
	return set;
}

/* clientele.rfm_segment(r, f, m, rule_set): the segment of the first matching rule, else 'Others'. */
Datum
clientele_rfm_segment(PG_FUNCTION_ARGS)
{
	int32		score[3] = {PG_GETARG_INT32(0), PG_GETARG_INT32(1), PG_GETARG_INT32(2)};
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(3));
	RfmRuleSet *set = (RfmRuleSet *) fcinfo->flinfo->fn_extra;
	int			i;

	if (set == NULL || strcmp(set->name, name) != 0)
	{
		set = load_rule_set(name, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = set;
	}
	for (i = 0; i < set->nrules; i++)
	{
		const RfmRule *rule = &set->rules[i];

		if (score[0] >= rule->lo[0] && score[0] <= rule->hi[0] &&
			score[1] >= rule->lo[1] && score[1] <= rule->hi[1] &&
			score[2] >= rule->lo[2] && score[2] <= rule->hi[2])
			PG_RETURN_TEXT_P(DatumGetTextPCopy(PointerGetDatum(rule->segment)));
	}
	PG_RETURN_TEXT_P(DatumGetTextPCopy(PointerGetDatum(set->others)));
}
