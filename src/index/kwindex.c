/*
 * kwindex.c — the keyword index access method: handler, options, cost
 * estimate, operator class validator and build phase names.
 *
 * The cost estimate asks the index itself: the query constant is turned into
 * its plan and every key of the plan is looked up in the segment (a descent
 * of a few pages per key, at most KW_ESTIMATE_LOOKUPS keys), whose entries
 * store their row counts.  AND multiplies selectivities, OR combines them as
 * independent events, NOT takes the complement when exact.  The index cost
 * is then the pages a scan reads (descents, posting bytes at about 1.5 bytes
 * per row, the whole insert buffer) and the CPU to decode the rows; the
 * selectivity handed back drives the bitmap heap scan's estimate, so a rare
 * term gets the index and a query matching most rows a sequential scan.
 */
#include "postgres.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "nodes/nodeFuncs.h"
#include "utils/regproc.h"
#include "access/genam.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/index_selfuncs.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "kwindex.h"

/* At most this many keys are looked up per estimate. */
#define KW_ESTIMATE_LOOKUPS	1000

PG_FUNCTION_INFO_V1(kwindex_handler);

/* The access method handler: describe the keyword index to the core. */
Datum
kwindex_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 1;
	amroutine->amsupport = 0;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = false;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = false;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = true;	/* we take a relation-level predicate lock */
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = true;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_NO_PARALLEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = kwbuild;
	amroutine->ambuildempty = kwbuildempty;
	amroutine->aminsert = kwinsert;
	amroutine->ambulkdelete = kwbulkdelete;
	amroutine->amvacuumcleanup = kwvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = kwcostestimate;
	amroutine->amoptions = kwoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = kwbuildphasename;
	amroutine->amvalidate = kwvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = kwbeginscan;
	amroutine->amrescan = kwrescan;
	amroutine->amgettuple = NULL;
	amroutine->amgetbitmap = kwgetbitmap;
	amroutine->amendscan = kwendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

/* Parse storage parameters: the index has none, so any is an error. */
bytea *
kwoptions(Datum reloptions, bool validate)
{
	List	   *options;

	if (!validate || reloptions == (Datum) 0)
		return NULL;
	options = untransformRelOptions(reloptions);
	if (options != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized parameter \"%s\"", ((DefElem *) linitial(options))->defname),
				 errdetail("The keyword index has no storage parameters.")));
	return NULL;
}

/* Name the build phases shown in pg_stat_progress_create_index. */
char *
kwbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case KW_PHASE_SCAN:
			return "collecting keys";
		case KW_PHASE_MERGE:
			return "merging spilled runs";
		case KW_PHASE_WRITE:
			return "writing segment";
		default:
			return NULL;
	}
}

/* Estimate the cost of a bitmap scan of the index for the path's clauses. */
void
kwcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
			   Cost *indexStartupCost, Cost *indexTotalCost,
			   Selectivity *indexSelectivity, double *indexCorrelation,
			   double *indexPages)
{
	IndexOptInfo *index = path->indexinfo;
	Relation	rel = index_open(index->indexoid, NoLock);
	KwMetaPageData meta = KwReadMeta(rel);
	double		nrows = index->rel->tuples > 0 ? index->rel->tuples
		: (double) (meta.indexedRows + meta.pendingRows);
	double		selectivity = 1.0;
	double		lookups = 0;
	int			budget = KW_ESTIMATE_LOOKUPS;
	double		pages;
	ListCell   *lc;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "keyword index estimate",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	nrows = Max(nrows, 1.0);
	foreach(lc, path->indexclauses)
	{
		IndexClause *iclause = lfirst_node(IndexClause, lc);
		ListCell   *lc2;

		foreach(lc2, iclause->indexquals)
		{
			RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc2);
			Node	   *clause = (Node *) rinfo->clause;
			Node	   *arg;
			double		s = 0.01;	/* a parameter: assume a selective query */

			if (!IsA(clause, OpExpr))
				continue;
			arg = estimate_expression_value(root, get_rightop((Expr *) clause));
			if (IsA(arg, Const))
			{
				Const	   *c = (Const *) arg;

				if (c->constisnull)
					s = 0.0;
				else
				{
					int			before = budget;

					s = KwEstimatePlan(rel, kw_query_plan(c->constvalue), nrows, &budget);
					lookups += before - budget;
				}
			}
			else
				lookups += 1;
			selectivity *= s;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	index_close(rel, NoLock);

	/* pages: one descent per key, posting bytes, the insert buffer */
	pages = lookups * (meta.rootLevel + 1) + selectivity * nrows * 1.5 / BLCKSZ +
		(double) meta.pendingPages + 1;
	pages = Min(pages, Max((double) index->pages, 1.0));

	*indexStartupCost = 0;
	*indexTotalCost = pages * random_page_cost +
		(selectivity * nrows + (double) meta.pendingRows) * cpu_operator_cost +
		lookups * cpu_index_tuple_cost * 10;
	*indexSelectivity = Max(selectivity, 1.0 / nrows);
	*indexCorrelation = 0;
	*indexPages = pages;
}

/* Is a type the keyword query type of the funnel? */
static bool
is_kwquery_type(Oid typid)
{
	HeapTuple	tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	bool		result = false;

	if (HeapTupleIsValid(tp))
	{
		result = strcmp(NameStr(((Form_pg_type) GETSTRUCT(tp))->typname), "kwquery") == 0;
		ReleaseSysCache(tp);
	}
	return result;
}

/*
 * Validate an operator class of the index: text input, exactly one search
 * operator of strategy 1, (text, kwquery) returning boolean, and no
 * support functions.
 */
bool
kwvalidate(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	Oid			opfamilyoid;
	Oid			opcintype;
	char	   *opclassname;
	CatCList   *oprlist;
	CatCList   *proclist;
	int			nstrategy1 = 0;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	opclassname = NameStr(classform->opcname);

	if (opcintype != TEXTOID)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("keyword index operator class \"%s\" indexes type %s, but only text is supported",
						opclassname, format_type_be(opcintype))));
		result = false;
	}

	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));
	if (proclist->n_members > 0)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("keyword index operator family of \"%s\" has %d support functions, but the index uses none",
						opclassname, proclist->n_members)));
		result = false;
	}
	ReleaseCatCacheList(proclist);

	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));
	for (int i = 0; i < oprlist->n_members; i++)
	{
		HeapTuple	oprtup = &oprlist->members[i]->tuple;
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(oprtup);

		if (oprform->amopstrategy != 1)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("keyword index operator family of \"%s\" contains operator %s with invalid strategy number %d",
							opclassname, format_operator(oprform->amopopr), oprform->amopstrategy),
					 errdetail("Only strategy 1, the keyword match, is supported.")));
			result = false;
			continue;
		}
		if (oprform->amoppurpose != AMOP_SEARCH || OidIsValid(oprform->amopsortfamily))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("keyword index operator family of \"%s\" contains ordering operator %s",
							opclassname, format_operator(oprform->amopopr))));
			result = false;
			continue;
		}
		if (oprform->amoplefttype != TEXTOID || !is_kwquery_type(oprform->amoprighttype) ||
			!check_amop_signature(oprform->amopopr, BOOLOID,
								  oprform->amoplefttype, oprform->amoprighttype))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("keyword index operator family of \"%s\" contains operator %s with a wrong signature",
							opclassname, format_operator(oprform->amopopr)),
					 errdetail("The operator must take (text, kwquery) and return boolean.")));
			result = false;
			continue;
		}
		nstrategy1++;
	}
	ReleaseCatCacheList(oprlist);

	if (nstrategy1 != 1)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("keyword index operator class \"%s\" must have exactly one match operator, it has %d",
						opclassname, nstrategy1)));
		result = false;
	}

	ReleaseSysCache(classtup);
	return result;
}
