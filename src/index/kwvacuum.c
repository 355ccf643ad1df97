/*
 * kwvacuum.c — VACUUM of the keyword index: merging the insert buffer into
 * a new segment, dropping dead rows, and recycling pages.
 *
 * A merge (see the design in kwutils.c) runs in four steps:
 *
 *   1. cut: under the metapage lock a new empty pending page is linked after
 *      the tail, so inserts arriving during the merge land after the cut;
 *   2. the pending tuples up to the cut are accumulated (in memory, spilled
 *      in sorted runs beyond maintenance_work_mem) and merged key by key
 *      with the old segment, rows VACUUM reports dead being dropped; the
 *      result is written as a segment of the next generation into recycled
 *      or new pages, invisible to everybody;
 *   3. switch: one metapage update makes it the segment, bumps the
 *      generation and starts the insert buffer at the page after the cut;
 *   4. reclaim: one pass over the index marks free every segment page of
 *      another generation and every pending page of an older generation no
 *      longer in the chain (so pages a crash between steps 2 and 4 left
 *      behind are reclaimed too), and gives them to the free-space map.
 *
 * ambulkdelete always merges (its work is removing dead rows, wherever they
 * are).  amvacuumcleanup merges when the insert buffer is not empty, which
 * covers insert-only tables that autovacuum visits for their inserts, and
 * then reclaims.  A scan racing with a merge sees a freed or reused page and
 * starts over; inserts are blocked only for the two metapage updates.
 */
#include "postgres.h"

#include <Judy.h>

#include "access/genam.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/indexfsm.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "textcore.h"
#include "kwindex.h"

/* The dead-row filter of a merge, counting distinct dead rows. */
typedef struct DeadFilter
{
	IndexBulkDeleteCallback callback;
	void	   *callbackState;
	TcJudy	   *seen;			/* Judy1 set of dead rows already counted */
	uint64		ndead;
} DeadFilter;

/* Is a row dead?  Count it once. */
static bool
dead_filter(ItemPointer tid, void *arg)
{
	DeadFilter *f = (DeadFilter *) arg;
	JError_t	err;
	int			rc;

	if (!f->callback(tid, f->callbackState))
		return false;
	rc = Judy1Set(&f->seen->root,
				  ((Word_t) ItemPointerGetBlockNumber(tid) << 16) | ItemPointerGetOffsetNumber(tid),
				  &err);
	if (rc == JERR)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("Judy1Set failed")));
	if (rc == 1)
		f->ndead++;
	return true;
}

/* Accumulate the pending tuples from head up to and including last. */
static uint64
accumulate_pending(Relation index, BlockNumber head, BlockNumber last, uint32 generation, KwAccum *acc)
{
	BlockNumber blkno = head;
	uint64		ntuples = 0;
	char	   *copy = palloc(BLCKSZ);

	while (blkno != InvalidBlockNumber)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page = (Page) copy;
		OffsetNumber maxoff;

		vacuum_delay_point();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		KwCheckPage(index, BufferGetPage(buf), blkno);
		if (KwPageGetOpaque(BufferGetPage(buf))->type != KW_PAGE_PENDING ||
			KwPageGetOpaque(BufferGetPage(buf))->generation > generation)
			KwIndexCorrupt(index, blkno, "insert buffer chain reaches a page that is not an insert buffer page");
		memcpy(copy, BufferGetPage(buf), BLCKSZ);
		UnlockReleaseBuffer(buf);

		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			KwPendingTuple t = (KwPendingTuple) PageGetItem(page, iid);
			const unsigned char *p = t->data;
			const unsigned char *end = (const unsigned char *) t + ItemIdGetLength(iid);

			for (int k = 0; k < t->nkeys; k++)
			{
				if (p >= end || p + 1 + *p > end)
					KwIndexCorrupt(index, blkno, "pending tuple keys overrun the tuple");
				KwAccumAdd(acc, (const char *) p + 1, *p, &t->tid);
				p += 1 + *p;
			}
			ntuples++;
			KwAccumMaybeSpill(acc);
		}
		if (blkno == last)
			break;
		blkno = KwPageGetOpaque(page)->rightlink;
	}
	pfree(copy);
	return ntuples;
}

/*
 * Free every page no longer reachable: segment pages of another generation,
 * pending pages of an older generation outside the chain, and pages already
 * free.  Fills the page counts of stats.
 */
static void
reclaim_pages(Relation index, IndexBulkDeleteResult *stats)
{
	KwMetaPageData meta = KwReadMeta(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	bool	   *inChain = palloc0(Max(1, nblocks));
	BlockNumber blkno;
	BlockNumber nfree = 0;
	BlockNumber nnew = 0;

	/* the live insert buffer (pages appended meanwhile are of the current generation) */
	for (blkno = meta.pendingHead; blkno != InvalidBlockNumber && blkno < nblocks;)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		BlockNumber next;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		KwCheckPage(index, BufferGetPage(buf), blkno);
		next = KwPageGetOpaque(BufferGetPage(buf))->rightlink;
		UnlockReleaseBuffer(buf);
		if (inChain[blkno])
			KwIndexCorrupt(index, blkno, "the insert buffer chain has a cycle");
		inChain[blkno] = true;
		blkno = next;
		vacuum_delay_point();
	}

	for (blkno = KW_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		KwPageOpaque opaque;
		bool		garbage = false;
		bool		isfree = false;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, NULL);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (PageIsNew(page))
			isfree = true;
		else
		{
			KwCheckPage(index, page, blkno);
			opaque = KwPageGetOpaque(page);
			switch (opaque->type)
			{
				case KW_PAGE_FREE:
					isfree = true;
					break;
				case KW_PAGE_LEAF:
				case KW_PAGE_INNER:
				case KW_PAGE_POSTING:
					garbage = opaque->generation != meta.generation;
					break;
				case KW_PAGE_PENDING:
					garbage = !inChain[blkno] && opaque->generation < meta.generation;
					break;
				default:
					KwIndexCorrupt(index, blkno, "unknown page type");
			}
		}
		if (garbage)
		{
			GenericXLogState *state = GenericXLogStart(index);
			Page		p = GenericXLogRegisterBuffer(state, buf, 0);

			KwPageGetOpaque(p)->type = KW_PAGE_FREE;
			KwPageGetOpaque(p)->rightlink = InvalidBlockNumber;
			GenericXLogFinish(state);
			isfree = true;
			nnew++;
		}
		UnlockReleaseBuffer(buf);
		if (isfree)
		{
			RecordFreeIndexPage(index, blkno);
			nfree++;
		}
	}
	IndexFreeSpaceMapVacuum(index);
	pfree(inChain);

	stats->num_pages = nblocks;
	stats->pages_free = nfree;
	stats->pages_deleted = nfree;
	stats->pages_newly_deleted += nnew;
}

/*
 * Merge the insert buffer (and the old segment) into a new segment, dropping
 * rows the callback says are dead (callback may be NULL).
 */
static void
merge(Relation index, IndexBulkDeleteCallback callback, void *callbackState,
	  IndexBulkDeleteResult *stats)
{
	Buffer		metabuf;
	GenericXLogState *state;
	Page		metapage;
	KwMetaPage m;
	KwMetaPageData meta;
	BlockNumber mergeLast = InvalidBlockNumber;
	BlockNumber cut = InvalidBlockNumber;
	MemoryContext cxt;
	MemoryContext old;
	KwAccum		acc;
	List	   *streams = NIL;
	KwStream   *stream;
	KwSegWriter writer;
	KwSegment	seg;
	DeadFilter	filter;
	uint64		mergedTuples = 0;
	uint64		mergedPages = 0;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "keyword index merge", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	/* 1. cut the insert buffer */
	metabuf = ReadBuffer(index, KW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	KwCheckPage(index, BufferGetPage(metabuf), KW_METAPAGE_BLKNO);
	meta = *KwPageGetMeta(BufferGetPage(metabuf));
	if (meta.magic != KW_MAGIC)
		KwIndexCorrupt(index, KW_METAPAGE_BLKNO, "bad magic number in the metapage");
	if (meta.pendingTail != InvalidBlockNumber)
	{
		Buffer		tailbuf = ReadBuffer(index, meta.pendingTail);
		Buffer		newbuf;
		Page		tailpage;
		Page		newpage;

		LockBuffer(tailbuf, BUFFER_LOCK_EXCLUSIVE);
		KwCheckPage(index, BufferGetPage(tailbuf), meta.pendingTail);
		if (meta.pendingHead == meta.pendingTail &&
			PageGetMaxOffsetNumber(BufferGetPage(tailbuf)) == 0)
		{
			/* an empty buffer (the last cut): nothing to merge from it */
			UnlockReleaseBuffer(tailbuf);
			goto cut_done;
		}
		newbuf = KwNewBuffer(index);
		state = GenericXLogStart(index);
		metapage = GenericXLogRegisterBuffer(state, metabuf, 0);
		tailpage = GenericXLogRegisterBuffer(state, tailbuf, 0);
		newpage = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);
		KwInitPage(newpage, KW_PAGE_PENDING, 0, meta.generation);
		cut = BufferGetBlockNumber(newbuf);
		KwPageGetOpaque(tailpage)->rightlink = cut;
		m = KwPageGetMeta(metapage);
		m->pendingTail = cut;
		m->pendingPages++;
		GenericXLogFinish(state);
		UnlockReleaseBuffer(newbuf);
		UnlockReleaseBuffer(tailbuf);
		mergeLast = meta.pendingTail;
		meta = *KwPageGetMeta(BufferGetPage(metabuf));
	}
cut_done:
	LockBuffer(metabuf, BUFFER_LOCK_UNLOCK);

	/* 2. merge the old segment with the pending tuples before the cut */
	KwAccumInit(&acc, cxt, (Size) maintenance_work_mem * 1024);
	if (mergeLast != InvalidBlockNumber)
		mergedTuples = accumulate_pending(index, meta.pendingHead, mergeLast, meta.generation, &acc);
	if (meta.root != InvalidBlockNumber)
		streams = lappend(streams, KwSegmentStream(index, &meta));
	streams = list_concat(streams, KwAccumStreams(&acc));
	memset(&filter, 0, sizeof(filter));
	filter.callback = callback;
	filter.callbackState = callbackState;
	filter.seen = tc_judy_create(cxt, TC_JUDY_1);
	stream = KwMergeStreams(streams, callback ? dead_filter : NULL, &filter);
	KwSegWriterInit(&writer, index, meta.generation + 1);
	KwWriteStream(&writer, stream);
	seg = KwSegWriterFinish(&writer);

	/* 3. switch to the new segment */
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	metapage = GenericXLogRegisterBuffer(state, metabuf, 0);
	m = KwPageGetMeta(metapage);
	if (m->generation != meta.generation)
		elog(ERROR, "keyword index \"%s\" was merged concurrently", RelationGetRelationName(index));
	m->generation = meta.generation + 1;
	m->root = seg.root;
	m->rootLevel = seg.rootLevel;
	m->firstLeaf = seg.firstLeaf;
	m->segmentKeys = seg.nkeys;
	m->segmentPostings = seg.npostings;
	m->segmentPages = seg.npages;
	if (cut != InvalidBlockNumber)
	{
		/* pages from the head to the cut, exclusive, were merged */
		for (BlockNumber b = meta.pendingHead; b != cut && b != InvalidBlockNumber;)
		{
			Buffer		pb = ReadBuffer(index, b);

			LockBuffer(pb, BUFFER_LOCK_SHARE);
			b = KwPageGetOpaque(BufferGetPage(pb))->rightlink;
			UnlockReleaseBuffer(pb);
			mergedPages++;
		}
		m->pendingHead = cut;
		m->pendingPages -= Min(m->pendingPages, mergedPages);
		m->pendingRows -= Min(m->pendingRows, mergedTuples);
	}
	m->indexedRows = m->indexedRows + mergedTuples - Min(m->indexedRows + mergedTuples, filter.ndead);
	meta = *m;					/* GenericXLogFinish frees the page copy */
	GenericXLogFinish(state);
	LockBuffer(metabuf, BUFFER_LOCK_UNLOCK);
	ReleaseBuffer(metabuf);

	stats->tuples_removed += filter.ndead;
	stats->num_index_tuples = (double) (meta.indexedRows + meta.pendingRows);
	stats->estimated_count = true;

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	/* 4. recycle the old pages */
	reclaim_pages(index, stats);
}

/* Remove the entries of dead rows (and merge the insert buffer on the way). */
IndexBulkDeleteResult *
kwbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			 IndexBulkDeleteCallback callback, void *callback_state)
{
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	merge(info->index, callback, callback_state, stats);
	return stats;
}

/* After VACUUM: merge a non-empty insert buffer or recycle pages, report sizes. */
IndexBulkDeleteResult *
kwvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	KwMetaPageData meta;

	if (info->analyze_only)
		return stats;
	meta = KwReadMeta(info->index);
	if (stats == NULL)
	{
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		if (meta.pendingRows > 0 || meta.root == InvalidBlockNumber)
		{
			merge(info->index, NULL, NULL, stats);
			return stats;
		}
		stats->num_index_tuples = (double) (meta.indexedRows + meta.pendingRows);
		stats->estimated_count = true;
		reclaim_pages(info->index, stats);
	}
	/* else ambulkdelete merged and reclaimed already */
	return stats;
}
