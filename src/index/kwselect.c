/*
 * kwselect.c — the restriction estimator of the match operator
 * text @~> clientele.kwquery.
 *
 * The generic estimator of matching operators (matchingsel) runs the
 * operator on every most-common value and histogram entry of the column:
 * up to two hundred messages tokenised per planned query, about half a
 * millisecond, which is more than a rare term's whole index scan.  A message
 * column has no statistics on its words that could replace them (ANALYZE
 * keeps whole values of a text column), but a keyword index on the column
 * has exact ones: its segment's entries store how many rows hold each key.
 *
 * So when the planner knows a valid, non-partial keyword index on exactly
 * the operator's left operand (a column or the same expression), the query
 * constant is turned into its index plan and estimated from the segment's
 * row counts, as the index's cost estimate does (kwscan.c, KwEstimatePlan):
 * a descent of a few pages per key; AND multiplies, OR combines as
 * independent events, exact NOT complements; rows of the insert buffer are
 * assumed to follow the segment's proportions.  The estimate is the
 * fraction the plan keeps, an upper bound of the true fraction for phrases
 * and NEAR (their words' AND), exact for terms, hashtags, prefix wildcards
 * and their boolean combinations, up to the independence assumption.  It is
 * capped by the column's non-null fraction.
 *
 * Otherwise — no such index, an index whose segment is still empty (every
 * row in the insert buffer), a query that is not a constant, or the column
 * on the right (a text constant against a kwquery column) — the generic
 * matchingsel answers, as before.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "catalog/pg_statistic.h"
#include "optimizer/paths.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "kwindex.h"

/* At most this many keys are looked up per estimate (as kwcostestimate). */
#define KW_SELECT_LOOKUPS	1000

/* A real, non-partial keyword index of the relation (the planner lists only
 * valid ones) on exactly this operand, or NULL. */
static IndexOptInfo *
keyword_index_on(RelOptInfo *rel, Node *operand)
{
	ListCell   *lc;

	foreach(lc, rel->indexlist)
	{
		IndexOptInfo *index = (IndexOptInfo *) lfirst(lc);

		if (index->amcostestimate != (void (*) ()) kwcostestimate ||
			index->hypothetical || index->indpred != NIL || index->nkeycolumns != 1)
			continue;
		if (match_index_to_operand(operand, 0, index))
			return index;
	}
	return NULL;
}

/* The selectivity of a plan read from the index's row counts; < 0 if unusable. */
static double
index_selectivity(IndexOptInfo *index, Datum query)
{
	Relation	irel = index_open(index->indexoid, NoLock);
	KwMetaPageData meta = KwReadMeta(irel);
	double		result = -1;

	if (meta.root != InvalidBlockNumber && meta.indexedRows > 0)
	{
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "keyword selectivity",
												  ALLOCSET_SMALL_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		double		nrows = index->rel->tuples > 0 ? index->rel->tuples :
			(double) (meta.indexedRows + meta.pendingRows);
		int			budget = KW_SELECT_LOOKUPS;

		result = KwEstimatePlan(irel, kw_query_plan(query), nrows, &budget);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
	}
	index_close(irel, NoLock);
	return result;
}

PG_FUNCTION_INFO_V1(clientele_kwquery_match_sel);

/* SQL: kwquery_match_sel(internal, oid, internal, integer): RESTRICT of @~>. */
Datum
clientele_kwquery_match_sel(PG_FUNCTION_ARGS)
{
	PlannerInfo *root = (PlannerInfo *) PG_GETARG_POINTER(0);
	List	   *args = (List *) PG_GETARG_POINTER(2);
	int			varRelid = PG_GETARG_INT32(3);
	VariableStatData vardata;
	Node	   *other;
	bool		varonleft;
	double		selectivity = -1;

	if (!get_restriction_variable(root, args, varRelid, &vardata, &other, &varonleft))
		return matchingsel(fcinfo);
	if (varonleft && IsA(other, Const) && vardata.rel != NULL)
	{
		Const	   *c = (Const *) other;
		IndexOptInfo *index;

		if (c->constisnull)
			selectivity = 0.0;
		else if ((index = keyword_index_on(vardata.rel, vardata.var)) != NULL)
			selectivity = index_selectivity(index, c->constvalue);
		if (selectivity >= 0 && HeapTupleIsValid(vardata.statsTuple))
		{
			Form_pg_statistic stats = (Form_pg_statistic) GETSTRUCT(vardata.statsTuple);

			selectivity = Min(selectivity, 1.0 - stats->stanullfrac);
		}
	}
	ReleaseVariableStats(vardata);
	if (selectivity < 0)
		return matchingsel(fcinfo);
	CLAMP_PROBABILITY(selectivity);
	PG_RETURN_FLOAT8(selectivity);
}
