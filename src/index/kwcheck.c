/*
 * kwcheck.c — clientele.kw_index_check(regclass): verify a keyword index
 * the way amcheck verifies a B-tree.
 *
 * Structure: the metapage (magic, version); the segment level by level from
 * the root (page ids, types, generation, levels, each level's right-link
 * chain equal to the children listed by the level above, each directory key
 * equal to its child's first key, keys strictly increasing along the
 * leaves); every posting list (decodes, row ids strictly increasing, counts
 * equal to the entry's and the metapage's totals); the insert buffer chain
 * (types, generations, tuples well formed); no page reached twice.
 *
 * Contents ("heapallindexed"): every (key, row) pair of the index goes into
 * a Bloom filter sized from work_mem; then the table is scanned with an MVCC
 * snapshot taken before the index was read, and every key the matcher gives
 * for every visible row must be in the filter.  A missing pair is reported
 * with its row and key; a pair the filter wrongly contains (probability set
 * by the filter's size, about 1% at 8 bits per pair) goes unnoticed.
 *
 * The table is locked in SHARE UPDATE EXCLUSIVE mode, so VACUUM (the only
 * thing that rewrites the segment) waits, while inserts and scans go on.  On
 * a hot standby only ACCESS SHARE can be taken: a merge replayed during the
 * check can then make it report a page of the wrong generation; run it again.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "funcapi.h"
#include "lib/bloomfilter.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "kwindex.h"

PG_FUNCTION_INFO_V1(kw_index_check);

typedef struct CheckState
{
	Relation	index;
	KwMetaPageData meta;
	BlockNumber nblocks;
	bool	   *visited;
	bloom_filter *filter;
	StringInfoData elem;
	char	   *page;			/* private page copy */
	uint64		nkeys;
	uint64		npostings;
	uint64		npendingTuples;
	uint64		npendingPairs;
	uint64		heapRows;
	MemoryContext rowCxt;
} CheckState;

/* Report corruption at a block. */
static void pg_attribute_noreturn()
corrupt(CheckState *cs, BlockNumber blkno, const char *fmt,...)
{
	char		buf[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	KwIndexCorrupt(cs->index, blkno, buf);
}

/* Read a page into the private copy, checking identity, type and visits. */
static void
check_read(CheckState *cs, BlockNumber blkno, uint16 type, int level, uint32 generation)
{
	Buffer		buf;
	KwPageOpaque opaque;

	if (blkno != InvalidBlockNumber && blkno >= cs->nblocks)
	{
		/* concurrent inserts may have added insert buffer pages */
		BlockNumber n = RelationGetNumberOfBlocks(cs->index);

		if (blkno < n)
		{
			cs->visited = repalloc(cs->visited, n);
			memset(cs->visited + cs->nblocks, 0, n - cs->nblocks);
			cs->nblocks = n;
		}
	}
	if (blkno == InvalidBlockNumber || blkno >= cs->nblocks)
		corrupt(cs, blkno, "a pointer leads outside the index (%u blocks)", cs->nblocks);
	if (cs->visited[blkno])
		corrupt(cs, blkno, "page reached twice");
	cs->visited[blkno] = true;
	buf = ReadBuffer(cs->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(cs->page, BufferGetPage(buf), BLCKSZ);
	UnlockReleaseBuffer(buf);
	KwCheckPage(cs->index, (Page) cs->page, blkno);
	opaque = KwPageGetOpaque((Page) cs->page);
	if (opaque->type != type)
		corrupt(cs, blkno, "page type %u where type %u was expected", opaque->type, type);
	if (level >= 0 && opaque->level != level)
		corrupt(cs, blkno, "page of level %u where level %d was expected", opaque->level, level);
	if (type == KW_PAGE_PENDING ? opaque->generation > generation : opaque->generation != generation)
		corrupt(cs, blkno, "page of generation %u in the index of generation %u",
				opaque->generation, generation);
	CHECK_FOR_INTERRUPTS();
}

/* Put a (key, row) pair into the Bloom filter. */
static void
add_pair(CheckState *cs, const char *key, int keylen, ItemPointer tid)
{
	resetStringInfo(&cs->elem);
	appendBinaryStringInfo(&cs->elem, (char *) tid, sizeof(ItemPointerData));
	appendBinaryStringInfo(&cs->elem, key, keylen);
	bloom_add_element(cs->filter, (unsigned char *) cs->elem.data, cs->elem.len);
}

/* Item pointer of the i-th item, bounds checked. */
static char *
check_item(CheckState *cs, BlockNumber blkno, OffsetNumber off, Size minlen, Size *len)
{
	Page		page = (Page) cs->page;
	ItemId		iid = PageGetItemId(page, off);

	if (!ItemIdIsNormal(iid) || ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ ||
		ItemIdGetLength(iid) < minlen)
		corrupt(cs, blkno, "item %u has bad bounds", off);
	*len = ItemIdGetLength(iid);
	return (char *) PageGetItem(page, iid);
}

/* Check one leaf entry's posting list and add its pairs. */
static void
check_entry(CheckState *cs, BlockNumber leafBlkno, KwEntry entry, Size itemlen)
{
	KwTidList	tids = {0};
	BlockNumber blkno = entry->postingHead;
	uint32		remaining = entry->ntids;

	if (KW_ENTRY_HDRSZ + entry->keylen + entry->postingBytes > itemlen)
		corrupt(cs, leafBlkno, "entry longer than its item");
	if (entry->ntids == 0)
		corrupt(cs, leafBlkno, "entry with no rows");
	if (blkno == InvalidBlockNumber)
	{
		if (!KwDecodeTids(KwEntryPosting(entry), entry->postingBytes, entry->ntids, &tids))
			corrupt(cs, leafBlkno, "inline posting list of key \"%.*s\" does not decode",
					entry->keylen, KwEntryKey(entry));
	}
	else
	{
		char	   *leafCopy = palloc(BLCKSZ);

		/* the posting pages overwrite the page copy: keep the leaf */
		memcpy(leafCopy, cs->page, BLCKSZ);
		while (blkno != InvalidBlockNumber)
		{
			KwPostingChunk chunk;
			Size		len;
			int			before = tids.ntids;

			check_read(cs, blkno, KW_PAGE_POSTING, 0, cs->meta.generation);
			if (PageGetMaxOffsetNumber((Page) cs->page) != 1)
				corrupt(cs, blkno, "posting page with %u items", PageGetMaxOffsetNumber((Page) cs->page));
			chunk = (KwPostingChunk) check_item(cs, blkno, FirstOffsetNumber, KW_CHUNK_HDRSZ, &len);
			if (KW_CHUNK_HDRSZ + chunk->nbytes > len || chunk->ntids > remaining)
				corrupt(cs, blkno, "posting chunk larger than its item or its entry");
			if (!KwDecodeTids(chunk->data, chunk->nbytes, chunk->ntids, &tids))
				corrupt(cs, blkno, "posting chunk does not decode");
			if (before > 0 && ItemPointerCompare(&tids.tids[before - 1], &tids.tids[before]) >= 0)
				corrupt(cs, blkno, "row ids not increasing across posting pages");
			remaining -= chunk->ntids;
			blkno = KwPageGetOpaque((Page) cs->page)->rightlink;
		}
		if (remaining != 0)
			corrupt(cs, entry->postingHead, "posting chain holds fewer rows than its entry says");
		memcpy(cs->page, leafCopy, BLCKSZ);
		pfree(leafCopy);
	}
	for (int i = 0; i < tids.ntids; i++)
		add_pair(cs, KwEntryKey(entry), entry->keylen, &tids.tids[i]);
	cs->npostings += tids.ntids;
	if (tids.tids)
		pfree(tids.tids);
}

/* A page of a level and its first key. */
typedef struct LevelPage
{
	BlockNumber blkno;
	char	   *key;
	int			keylen;
} LevelPage;

/* Check the segment, level by level from the root. */
static void
check_segment(CheckState *cs)
{
	LevelPage  *expect = palloc(sizeof(LevelPage));
	int			nexpect = 1;
	char		prev[KW_MAX_KEY_BYTES];
	int			prevlen = -1;

	if (cs->meta.root == InvalidBlockNumber)
		return;
	expect[0].blkno = cs->meta.root;
	expect[0].key = NULL;
	for (int level = cs->meta.rootLevel; level >= 0; level--)
	{
		LevelPage  *children = NULL;
		int			nchildren = 0;
		int			capchildren = 0;
		BlockNumber blkno = expect[0].blkno;

		if (level == 0 && blkno != cs->meta.firstLeaf)
			corrupt(cs, blkno, "leftmost leaf is not the metapage's first leaf %u", cs->meta.firstLeaf);
		for (int i = 0; i < nexpect; i++)
		{
			Page		page = (Page) cs->page;
			OffsetNumber maxoff;

			if (blkno != expect[i].blkno)
				corrupt(cs, blkno, "right-link leads to block %u, the level above lists %u",
						blkno, expect[i].blkno);
			check_read(cs, blkno, level > 0 ? KW_PAGE_INNER : KW_PAGE_LEAF, level, cs->meta.generation);
			maxoff = PageGetMaxOffsetNumber(page);
			if (maxoff < FirstOffsetNumber && !(level == 0 && nexpect == 1))
				corrupt(cs, blkno, "empty page in a non-empty segment");
			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			{
				Size		len;
				const char *key;
				int			keylen;

				if (level > 0)
				{
					KwDirEntry d = (KwDirEntry) check_item(cs, blkno, off, KW_DIR_HDRSZ, &len);

					if (KW_DIR_HDRSZ + d->keylen > len || d->keylen > KW_MAX_KEY_BYTES)
						corrupt(cs, blkno, "directory item %u longer than its item", off);
					key = d->key;
					keylen = d->keylen;
					if (nchildren >= capchildren)
					{
						capchildren = Max(64, capchildren * 2);
						children = children ? repalloc(children, sizeof(LevelPage) * capchildren)
							: palloc(sizeof(LevelPage) * capchildren);
					}
					children[nchildren].blkno = d->child;
					children[nchildren].key = pnstrdup(key, keylen);
					children[nchildren].keylen = keylen;
					nchildren++;
				}
				else
				{
					KwEntry		e = (KwEntry) check_item(cs, blkno, off, KW_ENTRY_HDRSZ, &len);

					if (e->keylen > KW_MAX_KEY_BYTES || KW_ENTRY_HDRSZ + e->keylen > len)
						corrupt(cs, blkno, "entry %u longer than its item", off);
					key = KwEntryKey(e);
					keylen = e->keylen;
				}
				if (off == FirstOffsetNumber && expect[i].key != NULL &&
					KwCompareKeys(key, keylen, expect[i].key, expect[i].keylen) != 0)
					corrupt(cs, blkno, "first key \"%.*s\" differs from the directory's \"%.*s\"",
							keylen, key, expect[i].keylen, expect[i].key);
				if (prevlen >= 0 && KwCompareKeys(prev, prevlen, key, keylen) >= 0)
					corrupt(cs, blkno, "key \"%.*s\" is not after \"%.*s\"", keylen, key, prevlen, prev);
				memcpy(prev, key, keylen);
				prevlen = keylen;
				if (level == 0)
				{
					check_entry(cs, blkno, (KwEntry) PageGetItem(page, PageGetItemId(page, off)), len);
					cs->nkeys++;
				}
			}
			blkno = KwPageGetOpaque(page)->rightlink;
		}
		if (blkno != InvalidBlockNumber)
			corrupt(cs, blkno, "level %d goes on after its last listed page", level);
		prevlen = -1;
		expect = children;
		nexpect = nchildren;
		if (level > 0 && nchildren == 0)
			corrupt(cs, cs->meta.root, "inner level %d lists no children", level);
	}
	if (cs->nkeys != cs->meta.segmentKeys || cs->npostings != cs->meta.segmentPostings)
		corrupt(cs, KW_METAPAGE_BLKNO,
				"the segment holds %llu keys and %llu rows, the metapage says %llu and %llu",
				(unsigned long long) cs->nkeys, (unsigned long long) cs->npostings,
				(unsigned long long) cs->meta.segmentKeys, (unsigned long long) cs->meta.segmentPostings);
}

/* Check the insert buffer chain and add its pairs. */
static void
check_pending(CheckState *cs)
{
	BlockNumber blkno = cs->meta.pendingHead;

	while (blkno != InvalidBlockNumber)
	{
		Page		page = (Page) cs->page;
		OffsetNumber maxoff;

		check_read(cs, blkno, KW_PAGE_PENDING, 0, cs->meta.generation);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			Size		len;
			KwPendingTuple t = (KwPendingTuple) check_item(cs, blkno, off, KW_PENDING_HDRSZ, &len);
			const unsigned char *p = t->data;
			const unsigned char *end = (const unsigned char *) t + len;

			if (!ItemPointerIsValid(&t->tid))
				corrupt(cs, blkno, "pending tuple %u has an invalid row id", off);
			for (int k = 0; k < t->nkeys; k++)
			{
				if (p >= end || p + 1 + *p > end)
					corrupt(cs, blkno, "pending tuple %u: keys overrun the tuple", off);
				add_pair(cs, (const char *) p + 1, *p, &t->tid);
				cs->npendingPairs++;
				p += 1 + *p;
			}
			cs->npendingTuples++;
		}
		blkno = KwPageGetOpaque(page)->rightlink;
	}
}

/* Table scan callback: every key of a visible row must be in the filter. */
static void
check_heap_callback(Relation index, ItemPointer tid, Datum *values,
					bool *isnull, bool tupleIsAlive, void *state)
{
	CheckState *cs = (CheckState *) state;
	char	  **keys;
	int		   *lens;
	int			n;

	if (isnull[0])
		return;
	KwCollectRowKeys(values[0], cs->rowCxt, &keys, &lens, &n);
	for (int i = 0; i < n; i++)
	{
		resetStringInfo(&cs->elem);
		appendBinaryStringInfo(&cs->elem, (char *) tid, sizeof(ItemPointerData));
		appendBinaryStringInfo(&cs->elem, keys[i], lens[i]);
		if (bloom_lacks_element(cs->filter, (unsigned char *) cs->elem.data, cs->elem.len))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("keyword index \"%s\" is missing a row", RelationGetRelationName(cs->index)),
					 errdetail("Row (%u,%u) has key \"%s\", which the index does not list for it.",
							   ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
							   pnstrdup(keys[i], lens[i])),
					 errhint("Rebuild it with REINDEX.")));
	}
	cs->heapRows++;
	MemoryContextReset(cs->rowCxt);
}

/* clientele.kw_index_check(index regclass, heapallindexed bool): verify an index. */
Datum
kw_index_check(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	bool		heapallindexed = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);
	Oid			heapoid;
	Relation	heap;
	Relation	index;
	CheckState	cs;
	Snapshot	snapshot;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int64		nelems;
	LOCKMODE	heapLock;

	if (get_rel_relkind(indexoid) != RELKIND_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(indexoid) ? get_rel_name(indexoid) : "?")));
	heapoid = IndexGetRelation(indexoid, false);
	/* the check reads every row (and names keys in its errors) */
	if (pg_class_aclcheck(heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to check index \"%s\"", get_rel_name(indexoid)),
				 errdetail("Checking a keyword index needs SELECT on table \"%s\".", get_rel_name(heapoid))));
	/* a hot standby runs no VACUUM (and allows no stronger lock) */
	heapLock = RecoveryInProgress() ? AccessShareLock : ShareUpdateExclusiveLock;
	heap = table_open(heapoid, heapLock);
	index = index_open(indexoid, AccessShareLock);
	if (index->rd_indam->ambuild != kwbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a keyword index", RelationGetRelationName(index)),
				 errhint("kw_index_check() checks indexes created USING kwindex.")));
	if (!index->rd_index->indisvalid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("keyword index \"%s\" is not valid", RelationGetRelationName(index))));

	memset(&cs, 0, sizeof(cs));
	cs.index = index;
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	cs.meta = KwReadMeta(index);
	cs.nblocks = RelationGetNumberOfBlocks(index);
	cs.visited = palloc0(cs.nblocks);
	cs.visited[KW_METAPAGE_BLKNO] = true;
	cs.page = palloc(BLCKSZ);
	initStringInfo(&cs.elem);
	nelems = (int64) cs.meta.segmentPostings + (int64) cs.meta.pendingRows * 32 + 1024;
	cs.filter = bloom_create(nelems, work_mem, 0x6b776978);
	cs.rowCxt = AllocSetContextCreate(CurrentMemoryContext, "kw_index_check row", ALLOCSET_DEFAULT_SIZES);

	check_segment(&cs);
	check_pending(&cs);

	if (heapallindexed)
	{
		IndexInfo  *indexInfo = BuildIndexInfo(index);
		TableScanDesc scan = table_beginscan_strat(heap, snapshot, 0, NULL, true, true);

		/* like amcheck: behave as the first scan of CREATE INDEX CONCURRENTLY */
		indexInfo->ii_Concurrent = true;
		table_index_build_scan(heap, index, indexInfo, true, false,
							   check_heap_callback, &cs, scan);
	}
	UnregisterSnapshot(snapshot);

	bloom_free(cs.filter);
	index_close(index, AccessShareLock);
	table_close(heap, heapLock);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum((int64) cs.nblocks);
	values[1] = Int64GetDatum((int64) cs.nkeys);
	values[2] = Int64GetDatum((int64) (cs.npostings + cs.npendingPairs));
	values[3] = Int64GetDatum((int64) cs.npendingTuples);
	values[4] = Int64GetDatum((int64) cs.heapRows);
	if (!heapallindexed)
		nulls[4] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
