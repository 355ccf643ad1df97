/*
 * kwbuild.c — CREATE INDEX for the keyword index, and the build accumulator.
 *
 * A build scans the table once.  For each row the matcher gives the keys of
 * its text (kw_text_keys); the accumulator maps each distinct key (a Judy
 * byte-string array) to a growing array of row ids.  Rows arrive in TID
 * order except after the wrap-around of a synchronised scan, so each array
 * remembers whether it is still sorted and is sorted once at the end if not.
 *
 * Memory is bounded by maintenance_work_mem: when the accumulator's estimate
 * of its memory (its context plus Judy's nodes, counted per key) passes the
 * limit, its keys are sorted and written as one sorted run to a temporary
 * file, the accumulator is emptied, and a NOTICE says so once.  At the end
 * the runs and the in-memory remainder are merged key by key (a k-way merge
 * of sorted streams, kwutils.c) straight into the segment writer, which lays
 * out leaves, posting chains and inner pages in one sequential pass.  One
 * key's row ids are held whole during the merge, so memory can exceed the
 * limit by the posting list of the most frequent key (6 bytes per row).
 */
#include "postgres.h"

#include "access/tableam.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/smgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "textcore.h"
#include "kwindex.h"

/* ---------------------------------------------------------------------
 * Keys of one row
 * ---------------------------------------------------------------------
 */

typedef struct RowKeys
{
	char	  **keys;
	int		   *lens;
	int			n;
	int			cap;
} RowKeys;

/* kw_text_keys callback: remember one key. */
static void
collect_key(void *arg, const char *key, int keylen, int position)
{
	RowKeys    *rk = (RowKeys *) arg;
	char	   *copy;

	if (keylen <= 0)
		return;
	if (keylen > KW_MAX_KEY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("keyword index key of %d bytes exceeds the maximum of %d", keylen, KW_MAX_KEY_BYTES)));
	if (rk->n >= rk->cap)
	{
		rk->cap = Max(32, rk->cap * 2);
		rk->keys = rk->keys ? repalloc(rk->keys, sizeof(char *) * rk->cap) : palloc(sizeof(char *) * rk->cap);
		rk->lens = rk->lens ? repalloc(rk->lens, sizeof(int) * rk->cap) : palloc(sizeof(int) * rk->cap);
	}
	copy = palloc(keylen + 2);
	/* store the length in front so that sorting pointers keeps it */
	copy[0] = (char) (keylen & 0xFF);
	memcpy(copy + 1, key, keylen);
	rk->keys[rk->n] = copy;
	rk->lens[rk->n] = keylen;
	rk->n++;
}

/* qsort comparator of length-prefixed keys. */
static int
cmp_prefixed_keys(const void *a, const void *b)
{
	const char *ka = *(char *const *) a;
	const char *kb = *(char *const *) b;

	return KwCompareKeys(ka + 1, (unsigned char) ka[0], kb + 1, (unsigned char) kb[0]);
}

/*
 * Collect the distinct keys of a text value, sorted, allocated in cxt.
 * Each key is returned without its length prefix.
 */
void
KwCollectRowKeys(Datum value, MemoryContext cxt, char ***keys, int **keylens, int *nkeys)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	RowKeys		rk = {0};
	int			len;
	char	   *utf8 = tc_text_to_utf8(DatumGetTextPP(value), &len);
	int			n = 0;

	kw_text_keys(utf8, len, collect_key, &rk);
	if (rk.n > 1)
		qsort(rk.keys, rk.n, sizeof(char *), cmp_prefixed_keys);
	for (int i = 0; i < rk.n; i++)
	{
		if (n > 0 && cmp_prefixed_keys(&rk.keys[n - 1], &rk.keys[i]) == 0)
			continue;
		rk.keys[n++] = rk.keys[i];
	}
	for (int i = 0; i < n; i++)
	{
		rk.lens[i] = (unsigned char) rk.keys[i][0];
		rk.keys[i] = rk.keys[i] + 1;
	}
	*keys = rk.keys;
	*keylens = rk.lens;
	*nkeys = n;
	MemoryContextSwitchTo(old);
}

/* ---------------------------------------------------------------------
 * The accumulator
 * ---------------------------------------------------------------------
 */

/* Rough bytes of one Judy byte-string key (its nodes and our slot). */
#define JUDY_BYTES_PER_KEY(len)	(48 + (len))

/* Start an empty accumulator with a memory limit in bytes. */
void
KwAccumInit(KwAccum *acc, MemoryContext parent, Size limitBytes)
{
	memset(acc, 0, sizeof(KwAccum));
	acc->cxt = AllocSetContextCreate(parent, "keyword index accumulator", ALLOCSET_DEFAULT_SIZES);
	acc->judy = tc_judy_create(acc->cxt, TC_JUDY_HS);
	acc->limitBytes = Max(limitBytes, 1024 * 1024);
}

/* Add one (key, row) pair. */
void
KwAccumAdd(KwAccum *acc, const char *key, int keylen, ItemPointer tid)
{
	void	  **slot = tc_judy_hs_insert(acc->judy, key, keylen);
	KwAccumEntry *e = (KwAccumEntry *) *slot;

	if (e == NULL)
	{
		e = MemoryContextAlloc(acc->cxt, sizeof(KwAccumEntry));
		e->key = MemoryContextAlloc(acc->cxt, keylen);
		memcpy(e->key, key, keylen);
		e->keylen = keylen;
		e->sorted = true;
		e->ntids = 0;
		e->cap = 4;
		e->tids = MemoryContextAlloc(acc->cxt, sizeof(ItemPointerData) * e->cap);
		*slot = e;
		if (acc->nentries >= acc->capentries)
		{
			int			newcap = Max(1024, acc->capentries * 2);

			acc->entries = acc->entries
				? repalloc_huge(acc->entries, sizeof(KwAccumEntry *) * newcap)
				: MemoryContextAllocHuge(acc->cxt, sizeof(KwAccumEntry *) * newcap);
			acc->approxBytes += sizeof(KwAccumEntry *) * (newcap - acc->capentries);
			acc->capentries = newcap;
		}
		acc->entries[acc->nentries++] = e;
		acc->approxBytes += sizeof(KwAccumEntry) + keylen + sizeof(ItemPointerData) * e->cap +
			JUDY_BYTES_PER_KEY(keylen) + 32;
	}
	if (e->ntids > 0)
	{
		int			c = ItemPointerCompare(&e->tids[e->ntids - 1], tid);

		if (c == 0)
			return;
		if (c > 0)
			e->sorted = false;
	}
	if (e->ntids >= e->cap)
	{
		acc->approxBytes += sizeof(ItemPointerData) * e->cap;
		e->cap *= 2;
		e->tids = repalloc_huge(e->tids, sizeof(ItemPointerData) * e->cap);
	}
	e->tids[e->ntids++] = *tid;
}

/* qsort comparator of accumulator entries by key. */
static int
cmp_entries(const void *a, const void *b)
{
	const KwAccumEntry *ea = *(KwAccumEntry *const *) a;
	const KwAccumEntry *eb = *(KwAccumEntry *const *) b;

	return KwCompareKeys(ea->key, ea->keylen, eb->key, eb->keylen);
}

/* Sort the entries by key and each entry's row ids. */
static void
accum_sort(KwAccum *acc)
{
	if (acc->nentries > 1)
		qsort(acc->entries, acc->nentries, sizeof(KwAccumEntry *), cmp_entries);
	for (int i = 0; i < acc->nentries; i++)
	{
		KwAccumEntry *e = acc->entries[i];

		if (!e->sorted)
		{
			e->ntids = KwSortUniqueTids(e->tids, e->ntids);
			e->sorted = true;
		}
	}
}

/* Write bytes to a run file or fail. */
static void
run_write(BufFile *file, const void *p, Size n)
{
	BufFileWrite(file, (void *) p, n);
}

/* Spill the accumulator to a sorted run when it has passed its limit. */
void
KwAccumMaybeSpill(KwAccum *acc)
{
	BufFile    *file;
	MemoryContext parent;
	MemoryContext old;

	if (acc->approxBytes <= acc->limitBytes || acc->nentries == 0)
		return;
	if (acc->runs == NIL)
		ereport(NOTICE,
				(errmsg("keyword index keys exceeded maintenance_work_mem (%d kB): spilling sorted runs to disk",
						maintenance_work_mem),
				 errhint("A larger maintenance_work_mem builds and merges the index in memory, faster.")));
	accum_sort(acc);
	parent = MemoryContextGetParent(acc->cxt);
	old = MemoryContextSwitchTo(parent);
	file = BufFileCreateTemp(false);
	acc->runs = lappend(acc->runs, file);
	MemoryContextSwitchTo(old);
	for (int i = 0; i < acc->nentries; i++)
	{
		KwAccumEntry *e = acc->entries[i];
		uint16		keylen = e->keylen;
		uint32		ntids = e->ntids;

		run_write(file, &keylen, sizeof(keylen));
		run_write(file, e->key, keylen);
		run_write(file, &ntids, sizeof(ntids));
		run_write(file, e->tids, sizeof(ItemPointerData) * ntids);
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	acc->spilledEntries += acc->nentries;
	MemoryContextReset(acc->cxt);
	acc->judy = tc_judy_create(acc->cxt, TC_JUDY_HS);
	acc->entries = NULL;
	acc->nentries = 0;
	acc->capentries = 0;
	acc->approxBytes = 0;
}

/* Stream over the in-memory entries, sorted. */
typedef struct MemStream
{
	KwStream	base;
	KwAccum    *acc;
	int			next;
} MemStream;

/* Return the next in-memory entry. */
static bool
mem_stream_next(KwStream *stream, KwTermRows *out)
{
	MemStream  *s = (MemStream *) stream;
	KwAccumEntry *e;

	if (s->next >= s->acc->nentries)
		return false;
	e = s->acc->entries[s->next++];
	memcpy(out->key, e->key, e->keylen);
	out->keylen = e->keylen;
	out->tids = e->tids;
	out->ntids = e->ntids;
	return true;
}

/* Free the in-memory entries. */
static void
mem_stream_close(KwStream *stream)
{
	MemStream  *s = (MemStream *) stream;

	MemoryContextReset(s->acc->cxt);
	s->acc->nentries = 0;
	pfree(s);
}

/* Stream over a spilled run. */
typedef struct RunStream
{
	KwStream	base;
	BufFile    *file;
	KwTidList	tids;
} RunStream;

/* Read exactly n bytes of a run; false at a clean end. */
static bool
run_read(BufFile *file, void *p, Size n, bool eofOk)
{
	size_t		got = BufFileRead(file, p, n);

	if (got == n)
		return true;
	if (got == 0 && eofOk)
		return false;
	ereport(ERROR,
			(errcode_for_file_access(),
			 errmsg("could not read a keyword index build run: read %zu of %zu bytes", got, n)));
	return false;
}

/* Return the next key of a run. */
static bool
run_stream_next(KwStream *stream, KwTermRows *out)
{
	RunStream  *s = (RunStream *) stream;
	uint16		keylen;
	uint32		ntids;

	if (!run_read(s->file, &keylen, sizeof(keylen), true))
		return false;
	if (keylen > KW_MAX_KEY_BYTES)
		elog(ERROR, "keyword index build run is damaged");
	run_read(s->file, out->key, keylen, false);
	out->keylen = keylen;
	run_read(s->file, &ntids, sizeof(ntids), false);
	if (ntids > s->tids.cap)
	{
		if (s->tids.tids)
			pfree(s->tids.tids);
		s->tids.cap = ntids;
		s->tids.tids = palloc_extended(sizeof(ItemPointerData) * (Size) ntids, MCXT_ALLOC_HUGE);
	}
	run_read(s->file, s->tids.tids, sizeof(ItemPointerData) * (Size) ntids, false);
	out->tids = s->tids.tids;
	out->ntids = ntids;
	return true;
}

/* Close a run (its temporary file is deleted). */
static void
run_stream_close(KwStream *stream)
{
	RunStream  *s = (RunStream *) stream;

	BufFileClose(s->file);
	if (s->tids.tids)
		pfree(s->tids.tids);
	pfree(s);
}

/* Return key-ordered streams over the runs and the in-memory remainder. */
List *
KwAccumStreams(KwAccum *acc)
{
	List	   *streams = NIL;
	ListCell   *lc;
	MemStream  *ms;

	foreach(lc, acc->runs)
	{
		RunStream  *rs = palloc0(sizeof(RunStream));

		rs->base.next = run_stream_next;
		rs->base.close = run_stream_close;
		rs->file = (BufFile *) lfirst(lc);
		if (BufFileSeek(rs->file, 0, 0, SEEK_SET) != 0)
			ereport(ERROR, (errcode_for_file_access(),
							errmsg("could not rewind a keyword index build run")));
		streams = lappend(streams, rs);
	}
	accum_sort(acc);
	ms = palloc0(sizeof(MemStream));
	ms->base.next = mem_stream_next;
	ms->base.close = mem_stream_close;
	ms->acc = acc;
	streams = lappend(streams, ms);
	acc->runs = NIL;
	return streams;
}

/* ---------------------------------------------------------------------
 * CREATE INDEX
 * ---------------------------------------------------------------------
 */

typedef struct KwBuildState
{
	KwAccum		acc;
	MemoryContext rowCxt;
	double		indtuples;
} KwBuildState;

/* Table scan callback: add the keys of one row. */
static void
kwbuild_callback(Relation index, ItemPointer tid, Datum *values,
				 bool *isnull, bool tupleIsAlive, void *state)
{
	KwBuildState *bs = (KwBuildState *) state;
	char	  **keys;
	int		   *lens;
	int			n;

	if (isnull[0])
		return;
	KwCollectRowKeys(values[0], bs->rowCxt, &keys, &lens, &n);
	for (int i = 0; i < n; i++)
		KwAccumAdd(&bs->acc, keys[i], lens[i], tid);
	MemoryContextReset(bs->rowCxt);
	bs->indtuples++;
	KwAccumMaybeSpill(&bs->acc);
}

/* Build a new index: scan the table, then write the segment and metapage. */
IndexBuildResult *
kwbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	KwBuildState bs;
	double		reltuples;
	BlockNumber metaBlkno;
	KwSegWriter writer;
	KwSegment	seg;
	KwStream   *stream;
	List	   *streams;
	Page		meta;
	KwMetaPage m;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	metaBlkno = KwReserveBlock(index);
	if (metaBlkno != KW_METAPAGE_BLKNO)
		elog(ERROR, "keyword index metapage got block %u", metaBlkno);

	memset(&bs, 0, sizeof(bs));
	KwAccumInit(&bs.acc, CurrentMemoryContext, (Size) maintenance_work_mem * 1024);
	bs.rowCxt = AllocSetContextCreate(CurrentMemoryContext, "keyword index build row",
									  ALLOCSET_DEFAULT_SIZES);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, KW_PHASE_SCAN);
	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   kwbuild_callback, &bs, NULL);

	streams = KwAccumStreams(&bs.acc);
	if (list_length(streams) > 1)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, KW_PHASE_MERGE);
	stream = KwMergeStreams(streams, NULL, NULL);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, KW_PHASE_WRITE);
	KwSegWriterInit(&writer, index, 1);
	KwWriteStream(&writer, stream);
	seg = KwSegWriterFinish(&writer);

	meta = palloc(BLCKSZ);
	KwInitMetaPage(meta);
	m = KwPageGetMeta(meta);
	m->generation = 1;
	m->root = seg.root;
	m->rootLevel = seg.rootLevel;
	m->firstLeaf = seg.firstLeaf;
	m->segmentKeys = seg.nkeys;
	m->segmentPostings = seg.npostings;
	m->segmentPages = seg.npages;
	m->indexedRows = (uint64) bs.indtuples;
	KwWritePage(index, KW_METAPAGE_BLKNO, meta);

	MemoryContextDelete(bs.rowCxt);
	MemoryContextDelete(bs.acc.cxt);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/* Build the init fork of an unlogged index: an empty metapage. */
void
kwbuildempty(Relation index)
{
	Page		metapage = (Page) palloc(BLCKSZ);

	KwInitMetaPage(metapage);
	PageSetChecksumInplace(metapage, KW_METAPAGE_BLKNO);
	smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, KW_METAPAGE_BLKNO, (char *) metapage, true);
	log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM,
				KW_METAPAGE_BLKNO, metapage, true);
	smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
}
