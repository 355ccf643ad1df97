/*
 * offer_read.c — direct index scans of the decision tables, for single decisions.
 *
 * A single decision reads a handful of rows: one customer profile, a few
 * weeks of that customer's contacts, outcomes and purchases, and the
 * learned statistics of two segments.  Through SPI each of those reads is
 * a plan execution (executor start-up, expression set-up, teardown) that
 * costs more than the rows it returns.  Here they are plain B-tree scans
 * (index_beginscan / index_getnext_slot) under the query's snapshot, the
 * same rows an Index Scan node would return.
 *
 * The scans are used only when they would return exactly what the SQL
 * query returns to the caller:
 *   - the caller has the SELECT privilege on the table (a role without it
 *     would get an error from SQL; column-level grants alone are left to
 *     SQL, which checks them);
 *   - row-level security is not in force on the table for the caller
 *     (check_enable_rls: SQL would filter the rows through the policies);
 *   - the index the scan needs exists, is a valid B-tree without predicate
 *     or expressions, and leads with the scanned columns.
 * Otherwise offer_fast_reads_ok() says no and the caller takes the SPI
 * road, whose queries apply the caller's privileges and policies.
 *
 * The relations, their indexes and the column numbers are looked up by name
 * once per backend and kept until a relcache invalidation of one of the
 * tables (an index created or dropped, a GRANT, ALTER TABLE, ENABLE ROW
 * LEVEL SECURITY all send one) or a full cache reset.  The privilege and
 * row-security checks themselves are made at every decision: they depend on
 * the current role and on settings no invalidation reports.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/acl.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "executor/spi.h"
#include "access/xact.h"

#include "offer/offer.h"

/* Each table: its name, and the columns its index must lead with. */
typedef struct ReadTableDef
{
	const char *name;
	int			nkeys;
	const char *keys[3];
	int			ncols;
	const char *cols[8];		/* the columns read, in OfferReadColumn order */
} ReadTableDef;

static const ReadTableDef read_defs[OFFER_NREADS] = {
	[OFFER_READ_CUSTOMER] = {"offer_customer", 1, {"customer_id"},
	5, {"customer_id", "segment", "time_zone", "opted_out", "attributes"}},
	[OFFER_READ_CONTACTS] = {"contact_history", 2, {"customer_id", "contacted_at"},
	3, {"offer_id", "channel", "contacted_at"}},
	[OFFER_READ_OUTCOMES] = {"contact_outcome", 2, {"customer_id", "occurred_at"},
	3, {"offer_id", "outcome", "occurred_at"}},
	[OFFER_READ_PURCHASES] = {"offer_purchase", 1, {"customer_id"},
	2, {"product", "purchased_at"}},
	[OFFER_READ_STATS] = {"offer_stat", 1, {"segment"},
	5, {"offer_id", "segment", "contacts", "responses", "nb_model"}},
};

/* What was found for each table. */
typedef struct ReadTable
{
	Oid			relid;
	Oid			indexid;		/* InvalidOid: no suitable index */
	Oid			key_collation[3];
	AttrNumber	cols[8];
} ReadTable;

static ReadTable read_tables[OFFER_NREADS];
static bool read_tables_valid = false;
static bool read_callback_registered = false;

/* Relcache callback: a change of one of the tables drops what was looked up. */
static void
read_tables_invalidate(Datum arg, Oid relid)
{
	int			i;

	if (relid == InvalidOid)
	{
		read_tables_valid = false;
		return;
	}
	for (i = 0; i < OFFER_NREADS; i++)
		if (read_tables[i].relid == relid)
			read_tables_valid = false;
}

/* Find a valid plain B-tree index of rel leading with the given columns. */
static void
find_index(Relation rel, const ReadTableDef *def, ReadTable *t)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	t->indexid = InvalidOid;
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ix = idx->rd_index;
		bool		ok = idx->rd_rel->relam == BTREE_AM_OID && ix->indisvalid && ix->indisready &&
			ix->indnkeyatts >= def->nkeys &&
			heap_attisnull(idx->rd_indextuple, Anum_pg_index_indpred, NULL) &&
			heap_attisnull(idx->rd_indextuple, Anum_pg_index_indexprs, NULL);
		int			k;

		for (k = 0; ok && k < def->nkeys; k++)
			ok = ix->indkey.values[k] == get_attnum(RelationGetRelid(rel), def->keys[k]);
		if (ok)
		{
			t->indexid = RelationGetRelid(idx);
			for (k = 0; k < def->nkeys; k++)
				t->key_collation[k] = idx->rd_indcollation[k];
		}
		index_close(idx, AccessShareLock);
		if (ok)
			break;
	}
	list_free(indexes);
}

/* Look up the tables, their indexes and columns. */
static void
load_read_tables(void)
{
	Oid			nsp = get_namespace_oid("clientele", false);
	int			i,
				c;

	if (!read_callback_registered)
	{
		CacheRegisterRelcacheCallback(read_tables_invalidate, (Datum) 0);
		read_callback_registered = true;
	}
	read_tables_valid = true;	/* an invalidation while loading clears it again */
	for (i = 0; i < OFFER_NREADS; i++)
	{
		const ReadTableDef *def = &read_defs[i];
		ReadTable  *t = &read_tables[i];
		Relation	rel;

		t->relid = get_relname_relid(def->name, nsp);
		t->indexid = InvalidOid;
		if (!OidIsValid(t->relid))
			continue;
		rel = table_open(t->relid, AccessShareLock);
		if (rel->rd_rel->relkind == RELKIND_RELATION)
			find_index(rel, def, t);
		table_close(rel, AccessShareLock);
		for (c = 0; c < def->ncols; c++)
		{
			t->cols[c] = get_attnum(t->relid, def->cols[c]);
			if (t->cols[c] == InvalidAttrNumber)
				t->indexid = InvalidOid;
		}
	}
}

/*
 * Whether every table a decision reads can be scanned directly for the
 * current role: SELECT granted, no row-level security in force, an index.
 */
bool
offer_fast_reads_ok(void)
{
	Oid			user = GetUserId();
	int			i;

	if (!read_tables_valid)
	{
		PG_TRY();
		{
			load_read_tables();
		}
		PG_CATCH();
		{
			read_tables_valid = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	if (!ActiveSnapshotSet())
		return false;
	for (i = 0; i < OFFER_NREADS; i++)
	{
		const ReadTable *t = &read_tables[i];

		if (!OidIsValid(t->indexid))
			return false;
		if (pg_class_aclcheck(t->relid, user, ACL_SELECT) != ACLCHECK_OK)
			return false;
		if (check_enable_rls(t->relid, InvalidOid, true) == RLS_ENABLED)
			return false;
	}
	return true;
}

/* Begin an index scan of a table with keys on its index's leading columns. */
void
offer_scan_begin(OfferScan *s, OfferRead which, int nkeys, const OfferKey *keys)
{
	const ReadTable *t = &read_tables[which];
	ScanKeyData skeys[4];
	int			i;

	Assert(nkeys <= 4);
	for (i = 0; i < nkeys; i++)
		ScanKeyEntryInitialize(&skeys[i], 0, keys[i].column, keys[i].strategy, InvalidOid,
							   t->key_collation[keys[i].column - 1], keys[i].proc, keys[i].arg);
	s->rel = table_open(t->relid, AccessShareLock);
	s->index = index_open(t->indexid, AccessShareLock);
	s->scan = index_beginscan(s->rel, s->index, GetActiveSnapshot(), nkeys, 0);
	index_rescan(s->scan, skeys, nkeys, NULL, 0);
	s->slot = table_slot_create(s->rel, NULL);
	s->which = which;
}

/* The next row of the scan (its columns through offer_scan_get), or false at the end. */
bool
offer_scan_next(OfferScan *s)
{
	CHECK_FOR_INTERRUPTS();
	return index_getnext_slot(s->scan, ForwardScanDirection, s->slot);
}

/* Column col (OfferReadColumn order) of the current row; valid until the next row. */
Datum
offer_scan_get(OfferScan *s, int col, bool *isnull)
{
	return slot_getattr(s->slot, read_tables[s->which].cols[col], isnull);
}

/* End a scan; the locks are kept until the end of the transaction, as SQL keeps them. */
void
offer_scan_end(OfferScan *s)
{
	ExecDropSingleTupleTableSlot(s->slot);
	index_endscan(s->scan);
	index_close(s->index, NoLock);
	table_close(s->rel, NoLock);
}

/*
 * Run a query of a cache load (inside SPI_connect) under a snapshot taken
 * now: after the invalidations processed so far, so that the copy holds
 * every change whose invalidation was consumed, as catalog caches do.  A
 * parallel operation cannot take a new snapshot: there (a parallel worker
 * running offer_rank(), or its leader) the query's snapshot is used.
 */
int
offer_spi_execute_latest(const char *sql)
{
	SPIPlanPtr	plan;

	if (IsInParallelMode())
		return SPI_execute(sql, true, 0);
	plan = SPI_prepare(sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "preparing a cache load failed: %s", SPI_result_code_string(SPI_result));
	return SPI_execute_snapshot(plan, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot, true, false, 0);
}
