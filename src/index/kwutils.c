/*
 * kwutils.c — pages, posting lists, the segment writer and sorted streams of
 * the keyword index.
 *
 * The design
 * ----------
 * The index is an inverted index in two parts, described by the metapage
 * (block 0):
 *
 *   - the SEGMENT, an immutable static B+tree: leaf pages hold entries
 *     (key, row count, posting list) in key order, bytewise on the UTF-8
 *     keys, so every key sharing a prefix sits in one contiguous range of
 *     leaves (prefix wildcards are range scans along leaf right-links);
 *     inner pages hold the first key of each page below.  A posting list is
 *     the sorted row ids (heap TIDs) of the rows having the key, each TID
 *     mapped to (block << 11 | offset) and stored as varbyte-coded deltas:
 *     two bytes or less per row for a frequent key.  Short lists sit inside
 *     the entry; long ones go to a chain of posting pages.
 *   - the INSERT BUFFER (pending list), a chain of pages to which INSERT
 *     appends one tuple per row: its TID and its distinct keys.  Scans read
 *     it whole, so it must stay small: VACUUM (and autovacuum, also for
 *     insert-only tables) merges it into a new segment.
 *
 * Why: an immutable segment needs no page splits, no concurrent tree
 * maintenance and no in-place posting edits, the parts of GIN that are
 * hardest to make right.  The price is that VACUUM rewrites the segment (a
 * sequential pass like REINDEX, done concurrently with inserts and scans),
 * and that a large insert buffer slows scans until the next VACUUM.
 *
 * Merge (kwvacuum.c): under the metapage lock a fresh empty page is linked
 * after the current pending tail, so later inserts land after the "cut".
 * The old segment, as a key-ordered stream, is merged with the pending
 * tuples before the cut (accumulated in memory, spilled in sorted runs when
 * they exceed maintenance_work_mem), dead rows are dropped, and the result is
 * written as a new segment of generation g+1 into free or new pages.  One
 * metapage update then switches root, generation and pending head; the old
 * pages are marked free and given to the free-space map.
 *
 * Readers take one page lock at a time and never wait for writers.  A page
 * freed by a merge can be reused while a scan that read the old metapage is
 * still walking the old tree; every page therefore records a generation (its
 * segment's, or for pending pages the one current when they were allocated)
 * and a type.  A scan that finds a page of the wrong type or generation
 * re-reads the metapage: if the generation moved, it starts over (its
 * results are collected privately and only handed to the bitmap at the end);
 * if not, the page is corrupt.  This works the same on a hot standby, where
 * the pages are changed by WAL replay.
 *
 * Every change is WAL-logged with generic WAL records (full images for new
 * pages, deltas for the metapage and pending pages), so the index is crash
 * safe and replicated; nothing that can fail runs inside the critical
 * section GenericXLogFinish opens.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "kwindex.h"

/* Report a corrupt index page. */
void
KwIndexCorrupt(Relation index, BlockNumber blkno, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("keyword index \"%s\" is corrupt", RelationGetRelationName(index)),
			 errdetail("Block %u: %s.", blkno, what),
			 errhint("Rebuild it with REINDEX.")));
}

/* Initialise a page of the given type. */
void
KwInitPage(Page page, uint16 type, uint16 level, uint32 generation)
{
	KwPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(KwPageOpaqueData));
	opaque = KwPageGetOpaque(page);
	opaque->generation = generation;
	opaque->rightlink = InvalidBlockNumber;
	opaque->type = type;
	opaque->level = level;
	opaque->unused = 0;
	opaque->page_id = KW_PAGE_ID;
}

/* Initialise the metapage of an empty index (no segment yet). */
void
KwInitMetaPage(Page page)
{
	KwMetaPage meta;

	KwInitPage(page, KW_PAGE_META, 0, 0);
	meta = KwPageGetMeta(page);
	memset(meta, 0, sizeof(KwMetaPageData));
	meta->magic = KW_MAGIC;
	meta->version = KW_VERSION;
	meta->generation = 0;
	meta->root = InvalidBlockNumber;
	meta->firstLeaf = InvalidBlockNumber;
	meta->pendingHead = InvalidBlockNumber;
	meta->pendingTail = InvalidBlockNumber;
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(KwMetaPageData)) - (char *) page;
}

/* Verify a page's identity (special space size and page id). */
void
KwCheckPage(Relation index, Page page, BlockNumber blkno)
{
	if (PageIsNew(page))
		KwIndexCorrupt(index, blkno, "unexpected all-zero page");
	if (PageGetSpecialSize(page) != MAXALIGN(sizeof(KwPageOpaqueData)) ||
		KwPageGetOpaque(page)->page_id != KW_PAGE_ID)
		KwIndexCorrupt(index, blkno, "page is not a keyword index page (bad special space)");
	if (((PageHeader) page)->pd_lower < SizeOfPageHeaderData ||
		((PageHeader) page)->pd_lower > ((PageHeader) page)->pd_upper ||
		((PageHeader) page)->pd_upper > ((PageHeader) page)->pd_special)
		KwIndexCorrupt(index, blkno, "page header bounds are inconsistent");
}

/* Read and verify the metapage; return a copy. */
KwMetaPageData
KwReadMeta(Relation index)
{
	Buffer		buf = ReadBuffer(index, KW_METAPAGE_BLKNO);
	Page		page;
	KwMetaPageData meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	KwCheckPage(index, page, KW_METAPAGE_BLKNO);
	meta = *KwPageGetMeta(page);
	UnlockReleaseBuffer(buf);
	if (meta.magic != KW_MAGIC)
		KwIndexCorrupt(index, KW_METAPAGE_BLKNO, "bad magic number in the metapage");
	if (meta.version != KW_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("keyword index \"%s\" has version %u, this library reads version %u",
						RelationGetRelationName(index), meta.version, KW_VERSION),
				 errhint("Rebuild it with REINDEX.")));
	return meta;
}

/* Take a recycled page from the free-space map, or NULL; it stays locked if lock. */
static BlockNumber
take_free_page(Relation index, bool lock, Buffer *bufp)
{
	for (;;)
	{
		BlockNumber blkno = GetFreeIndexPage(index);
		Buffer		buf;

		if (blkno == InvalidBlockNumber)
			return InvalidBlockNumber;
		buf = ReadBuffer(index, blkno);
		if (ConditionalLockBuffer(buf))
		{
			Page		page = BufferGetPage(buf);

			if (PageIsNew(page) ||
				(PageGetSpecialSize(page) == MAXALIGN(sizeof(KwPageOpaqueData)) &&
				 KwPageGetOpaque(page)->page_id == KW_PAGE_ID &&
				 KwPageGetOpaque(page)->type == KW_PAGE_FREE))
			{
				if (lock)
					*bufp = buf;
				else
					UnlockReleaseBuffer(buf);
				return blkno;
			}
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		}
		ReleaseBuffer(buf);
	}
}

/* Return an exclusively locked buffer for a new page (recycled or appended). */
Buffer
KwNewBuffer(Relation index)
{
	Buffer		buf;
	bool		needLock = !RELATION_IS_LOCAL(index);

	if (take_free_page(index, true, &buf) != InvalidBlockNumber)
		return buf;
	if (needLock)
		LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBuffer(index, P_NEW);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (needLock)
		UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

/* Reserve a block for a page written later by KwWritePage. */
BlockNumber
KwReserveBlock(Relation index)
{
	Buffer		buf = KwNewBuffer(index);
	BlockNumber blkno = BufferGetBlockNumber(buf);

	UnlockReleaseBuffer(buf);
	return blkno;
}

/* Write a whole page image to a block, WAL-logged as a full page. */
void
KwWritePage(Relation index, BlockNumber blkno, Page image)
{
	Buffer		buf = ReadBuffer(index, blkno);
	GenericXLogState *state;
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	memcpy(page, image, BLCKSZ);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/* Compare two keys bytewise (UTF-8 code point order), shorter first on ties. */
int
KwCompareKeys(const char *a, int alen, const char *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Does key start with prefix? */
bool
KwKeyHasPrefix(const char *key, int keylen, const char *prefix, int prefixlen)
{
	return keylen >= prefixlen && memcmp(key, prefix, prefixlen) == 0;
}

/* Map a TID to the integer whose deltas are coded. */
static inline uint64
tid_to_u64(const ItemPointerData *tid)
{
	return ((uint64) ItemPointerGetBlockNumberNoCheck(tid) << 11) |
		ItemPointerGetOffsetNumberNoCheck(tid);
}

/* Append one varbyte-coded unsigned integer. */
static inline void
put_varbyte(StringInfo out, uint64 v)
{
	while (v >= 0x80)
	{
		appendStringInfoChar(out, (char) ((v & 0x7F) | 0x80));
		v >>= 7;
	}
	appendStringInfoChar(out, (char) v);
}

/* Append a sorted TID array as varbyte deltas (the first from zero). */
void
KwEncodeTids(StringInfo out, const ItemPointerData *tids, int ntids)
{
	uint64		prev = 0;

	for (int i = 0; i < ntids; i++)
	{
		uint64		v = tid_to_u64(&tids[i]);

		put_varbyte(out, v - prev);
		prev = v;
	}
}

/* Decode ntids varbyte deltas, appending to out; false if malformed. */
bool
KwDecodeTids(const unsigned char *p, int nbytes, int ntids, KwTidList *out)
{
	const unsigned char *end = p + nbytes;
	uint64		prev = 0;

	if (out->ntids + ntids > out->cap)
	{
		int			newcap = Max(out->cap * 2, out->ntids + ntids);

		if (out->tids == NULL)
			out->tids = palloc(sizeof(ItemPointerData) * newcap);
		else
			out->tids = repalloc_huge(out->tids, sizeof(ItemPointerData) * newcap);
		out->cap = newcap;
	}
	for (int i = 0; i < ntids; i++)
	{
		uint64		delta = 0;
		int			shift = 0;
		uint64		v;
		OffsetNumber off;

		for (;;)
		{
			if (p >= end || shift > 56)
				return false;
			delta |= (uint64) (*p & 0x7F) << shift;
			shift += 7;
			if ((*p++ & 0x80) == 0)
				break;
		}
		if (delta == 0)
			return false;		/* strictly increasing row ids */
		v = prev + delta;
		off = v & 0x7FF;
		if (off == 0 || off > MaxHeapTuplesPerPage || (v >> 11) > MaxBlockNumber)
			return false;
		ItemPointerSet(&out->tids[out->ntids], (BlockNumber) (v >> 11), off);
		out->ntids++;			/* not inside the macro: it evaluates twice */
		prev = v;
	}
	return p == end;
}

/* Append one TID to a list (not kept sorted). */
void
KwTidListAppend(KwTidList *list, ItemPointer tid)
{
	if (list->ntids >= list->cap)
	{
		list->cap = Max(16, list->cap * 2);
		if (list->tids == NULL)
			list->tids = palloc(sizeof(ItemPointerData) * list->cap);
		else
			list->tids = repalloc_huge(list->tids, sizeof(ItemPointerData) * list->cap);
	}
	list->tids[list->ntids++] = *tid;
}

/* qsort comparator of TIDs. */
static int
cmp_tids(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/* Sort a TID array and drop duplicates; return the new length. */
int
KwSortUniqueTids(ItemPointerData *tids, int ntids)
{
	int			n = 0;
	bool		sorted = true;

	for (int i = 1; i < ntids && sorted; i++)
		if (ItemPointerCompare(&tids[i - 1], &tids[i]) >= 0)
			sorted = false;
	if (sorted)
		return ntids;
	qsort(tids, ntids, sizeof(ItemPointerData), cmp_tids);
	for (int i = 0; i < ntids; i++)
		if (n == 0 || !ItemPointerEquals(&tids[n - 1], &tids[i]))
			tids[n++] = tids[i];
	return n;
}

/* Sort a TID list and drop duplicates. */
void
KwTidListSortUnique(KwTidList *list)
{
	list->ntids = KwSortUniqueTids(list->tids, list->ntids);
}

/*
 * Append the row ids of a leaf entry to out.  Returns false when a posting
 * page no longer belongs to the given generation (recycled under a scan).
 */
bool
KwReadEntryTids(Relation index, KwEntry entry, uint32 generation, KwTidList *out)
{
	BlockNumber blkno = entry->postingHead;
	uint32		remaining = entry->ntids;

	if (blkno == InvalidBlockNumber)
	{
		if (!KwDecodeTids(KwEntryPosting(entry), entry->postingBytes, entry->ntids, out))
			KwIndexCorrupt(index, InvalidBlockNumber, "malformed inline posting list");
		return true;
	}
	while (blkno != InvalidBlockNumber)
	{
		Buffer		buf;
		Page		page;
		KwPageOpaque opaque;
		KwPostingChunk chunk;
		BlockNumber next;
		bool		ok;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		KwCheckPage(index, page, blkno);
		opaque = KwPageGetOpaque(page);
		if (opaque->type != KW_PAGE_POSTING || opaque->generation != generation ||
			PageGetMaxOffsetNumber(page) != 1)
		{
			UnlockReleaseBuffer(buf);
			return false;
		}
		chunk = (KwPostingChunk) PageGetItem(page, PageGetItemId(page, FirstOffsetNumber));
		if (chunk->ntids > remaining ||
			KW_CHUNK_HDRSZ + chunk->nbytes > ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber)))
			KwIndexCorrupt(index, blkno, "posting chunk larger than its entry says");
		ok = KwDecodeTids(chunk->data, chunk->nbytes, chunk->ntids, out);
		remaining -= chunk->ntids;
		next = opaque->rightlink;
		UnlockReleaseBuffer(buf);
		if (!ok)
			KwIndexCorrupt(index, blkno, "malformed posting chunk");
		blkno = next;
	}
	if (remaining != 0)
		KwIndexCorrupt(index, entry->postingHead, "posting chain shorter than its row count");
	return true;
}

/* ---------------------------------------------------------------------
 * Segment writer
 * ---------------------------------------------------------------------
 */

/* Start a new segment of the given generation. */
void
KwSegWriterInit(KwSegWriter *w, Relation index, uint32 generation)
{
	memset(w, 0, sizeof(KwSegWriter));
	w->index = index;
	w->generation = generation;
	w->leaf = palloc(BLCKSZ);
	KwInitPage(w->leaf, KW_PAGE_LEAF, 0, generation);
	w->leafBlkno = KwReserveBlock(index);
	w->firstLeaf = w->leafBlkno;
	w->capdir = 64;
	w->dir = palloc(sizeof(KwDirEntry) * w->capdir);
	initStringInfo(&w->buf);
}

/* Remember the first key of a page of the level being written. */
static void
add_dir(KwSegWriter *w, const char *key, int keylen, BlockNumber child)
{
	KwDirEntry d = palloc(KW_DIR_HDRSZ + keylen);

	d->child = child;
	d->keylen = keylen;
	memcpy(d->key, key, keylen);
	if (w->ndir >= w->capdir)
	{
		w->capdir *= 2;
		w->dir = repalloc_huge(w->dir, sizeof(KwDirEntry) * w->capdir);
	}
	w->dir[w->ndir++] = d;
}

/* Write the leaf being filled, linked to next (or to nothing). */
static void
flush_leaf(KwSegWriter *w, BlockNumber next)
{
	KwPageGetOpaque(w->leaf)->rightlink = next;
	KwWritePage(w->index, w->leafBlkno, w->leaf);
	w->npages++;
	w->nleaves++;
}

/* Write a long posting list as a chain of posting pages; return its head. */
static BlockNumber
write_posting_chain(KwSegWriter *w, const ItemPointerData *tids, int ntids)
{
	Page		page = palloc(BLCKSZ);
	BlockNumber head = KwReserveBlock(w->index);
	BlockNumber blkno = head;
	int			i = 0;

	while (i < ntids)
	{
		KwPostingChunk chunk;
		int			start = i;
		uint64		prev = 0;

		resetStringInfo(&w->buf);
		/* reserve the chunk header, then code deltas until the page is full */
		appendStringInfoSpaces(&w->buf, KW_CHUNK_HDRSZ);
		while (i < ntids && w->buf.len < KW_CHUNK_HDRSZ + KW_CHUNK_MAX_BYTES)
		{
			uint64		v = tid_to_u64(&tids[i]);

			put_varbyte(&w->buf, v - prev);
			prev = v;
			i++;
		}
		chunk = (KwPostingChunk) w->buf.data;
		chunk->ntids = i - start;
		chunk->nbytes = w->buf.len - KW_CHUNK_HDRSZ;
		chunk->unused = 0;
		KwInitPage(page, KW_PAGE_POSTING, 0, w->generation);
		if (PageAddItem(page, (Item) chunk, w->buf.len, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
			elog(ERROR, "could not add a posting chunk of %d bytes", w->buf.len);
		KwPageGetOpaque(page)->rightlink = (i < ntids) ? KwReserveBlock(w->index) : InvalidBlockNumber;
		KwWritePage(w->index, blkno, page);
		w->npages++;
		blkno = KwPageGetOpaque(page)->rightlink;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(page);
	return head;
}

/* Add a key and its sorted, duplicate-free row ids (keys in increasing order). */
void
KwSegWriterAdd(KwSegWriter *w, const char *key, int keylen,
			   const ItemPointerData *tids, int ntids)
{
	KwEntry		entry;
	Size		size;
	bool		inlined;

	Assert(ntids > 0 && keylen <= KW_MAX_KEY_BYTES);
	if (w->haveLast && KwCompareKeys(w->lastKey, w->lastKeylen, key, keylen) >= 0)
		elog(ERROR, "keyword index keys out of order");
	memcpy(w->lastKey, key, keylen);
	w->lastKeylen = keylen;
	w->haveLast = true;

	resetStringInfo(&w->buf);
	appendStringInfoSpaces(&w->buf, KW_ENTRY_HDRSZ + keylen);
	KwEncodeTids(&w->buf, tids, ntids);
	inlined = (w->buf.len - KW_ENTRY_HDRSZ - keylen) <= KW_INLINE_POSTING_MAX;
	if (!inlined)
	{
		BlockNumber head = write_posting_chain(w, tids, ntids);

		resetStringInfo(&w->buf);
		appendStringInfoSpaces(&w->buf, KW_ENTRY_HDRSZ + keylen);
		entry = (KwEntry) w->buf.data;
		entry->postingHead = head;
		entry->postingBytes = 0;
	}
	else
	{
		entry = (KwEntry) w->buf.data;
		entry->postingHead = InvalidBlockNumber;
		entry->postingBytes = w->buf.len - KW_ENTRY_HDRSZ - keylen;
	}
	entry->ntids = ntids;
	entry->keylen = keylen;
	memcpy(entry->data, key, keylen);
	size = w->buf.len;

	if (PageGetFreeSpace(w->leaf) < MAXALIGN(size))
	{
		BlockNumber next = KwReserveBlock(w->index);

		flush_leaf(w, next);
		KwInitPage(w->leaf, KW_PAGE_LEAF, 0, w->generation);
		w->leafBlkno = next;
		w->leafHasItems = false;
	}
	if (!w->leafHasItems)
	{
		add_dir(w, key, keylen, w->leafBlkno);
		w->leafHasItems = true;
	}
	if (PageAddItem(w->leaf, (Item) entry, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		elog(ERROR, "could not add a keyword index entry of %zu bytes", size);
	w->nkeys++;
	w->npostings += ntids;
}

/* Write the last leaf and the inner levels; return the segment's shape. */
KwSegment
KwSegWriterFinish(KwSegWriter *w)
{
	KwSegment	seg;
	int			level = 0;
	Page		page = palloc(BLCKSZ);

	flush_leaf(w, InvalidBlockNumber);
	if (w->ndir == 0)
		add_dir(w, "", 0, w->leafBlkno);	/* an empty segment: one empty leaf */
	seg.root = w->dir[0]->child;

	/* each pass packs the first keys of one level into the pages above it */
	while (w->ndir > 1)
	{
		KwDirEntry *below = w->dir;
		int			nbelow = w->ndir;
		BlockNumber blkno = KwReserveBlock(w->index);
		bool		empty = true;

		level++;
		w->dir = palloc(sizeof(KwDirEntry) * 64);
		w->capdir = 64;
		w->ndir = 0;
		KwInitPage(page, KW_PAGE_INNER, level, w->generation);
		for (int i = 0; i < nbelow; i++)
		{
			Size		size = KW_DIR_HDRSZ + below[i]->keylen;

			if (PageGetFreeSpace(page) < MAXALIGN(size))
			{
				BlockNumber next = KwReserveBlock(w->index);

				KwPageGetOpaque(page)->rightlink = next;
				KwWritePage(w->index, blkno, page);
				w->npages++;
				KwInitPage(page, KW_PAGE_INNER, level, w->generation);
				blkno = next;
				empty = true;
			}
			if (empty)
			{
				add_dir(w, below[i]->key, below[i]->keylen, blkno);
				empty = false;
			}
			if (PageAddItem(page, (Item) below[i], size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
				elog(ERROR, "could not add a keyword index directory item");
			CHECK_FOR_INTERRUPTS();
		}
		KwWritePage(w->index, blkno, page);
		w->npages++;
		seg.root = blkno;
	}
	seg.rootLevel = level;
	seg.firstLeaf = w->firstLeaf;
	seg.nkeys = w->nkeys;
	seg.npostings = w->npostings;
	seg.npages = w->npages;
	pfree(page);
	return seg;
}

/* Feed every key of a stream to the writer; return the number of keys. */
int64
KwWriteStream(KwSegWriter *w, KwStream *stream)
{
	KwTermRows rows;
	int64		n = 0;

	while (stream->next(stream, &rows))
	{
		KwSegWriterAdd(w, rows.key, rows.keylen, rows.tids, rows.ntids);
		n++;
		if ((n & 255) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	stream->close(stream);
	return n;
}

/* ---------------------------------------------------------------------
 * Stream over an existing segment, leaf by leaf (used by merges)
 * ---------------------------------------------------------------------
 */

typedef struct SegmentStream
{
	KwStream	base;
	Relation	index;
	uint32		generation;
	BlockNumber next;			/* next leaf to read */
	char	   *page;			/* private copy of the current leaf */
	OffsetNumber off;
	OffsetNumber maxoff;
	KwTidList	tids;
} SegmentStream;

/* Return the next key of the segment and its row ids. */
static bool
segment_stream_next(KwStream *stream, KwTermRows *out)
{
	SegmentStream *s = (SegmentStream *) stream;
	KwEntry		entry;

	while (s->off > s->maxoff)
	{
		Buffer		buf;
		Page		page;

		if (s->next == InvalidBlockNumber)
			return false;
		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(s->index, s->next);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		KwCheckPage(s->index, page, s->next);
		if (KwPageGetOpaque(page)->type != KW_PAGE_LEAF ||
			KwPageGetOpaque(page)->generation != s->generation)
			KwIndexCorrupt(s->index, s->next, "leaf chain reaches a page that is not a leaf of the segment");
		memcpy(s->page, page, BLCKSZ);
		UnlockReleaseBuffer(buf);
		s->next = KwPageGetOpaque((Page) s->page)->rightlink;
		s->off = FirstOffsetNumber;
		s->maxoff = PageGetMaxOffsetNumber((Page) s->page);
	}
	entry = (KwEntry) PageGetItem((Page) s->page, PageGetItemId((Page) s->page, s->off));
	s->off++;
	if (entry->keylen > KW_MAX_KEY_BYTES)
		KwIndexCorrupt(s->index, InvalidBlockNumber, "entry key too long");
	memcpy(out->key, KwEntryKey(entry), entry->keylen);
	out->keylen = entry->keylen;
	s->tids.ntids = 0;
	if (!KwReadEntryTids(s->index, entry, s->generation, &s->tids))
		KwIndexCorrupt(s->index, entry->postingHead, "posting chain reaches a page outside the segment");
	out->tids = s->tids.tids;
	out->ntids = s->tids.ntids;
	return true;
}

/* Release a segment stream. */
static void
segment_stream_close(KwStream *stream)
{
	SegmentStream *s = (SegmentStream *) stream;

	pfree(s->page);
	if (s->tids.tids)
		pfree(s->tids.tids);
	pfree(s);
}

/* Open a key-ordered stream over the segment a metapage describes. */
KwStream *
KwSegmentStream(Relation index, const KwMetaPageData *meta)
{
	SegmentStream *s = palloc0(sizeof(SegmentStream));

	s->base.next = segment_stream_next;
	s->base.close = segment_stream_close;
	s->index = index;
	s->generation = meta->generation;
	s->next = meta->firstLeaf;
	s->page = palloc(BLCKSZ);
	s->off = 1;
	s->maxoff = 0;
	return &s->base;
}

/* ---------------------------------------------------------------------
 * Merging streams: union of row ids per key, dead rows dropped
 * ---------------------------------------------------------------------
 */

typedef struct MergeStream
{
	KwStream	base;
	int			nstreams;
	KwStream  **streams;
	KwTermRows *heads;
	bool	   *valid;
	KwDeadCallback dead;
	void	   *deadState;
	KwTidList	out;
} MergeStream;

/* Return the next key present in any input, with the union of its row ids. */
static bool
merge_stream_next(KwStream *stream, KwTermRows *out)
{
	MergeStream *m = (MergeStream *) stream;

	for (;;)
	{
		int			min = -1;
		int			n;

		for (int i = 0; i < m->nstreams; i++)
			if (m->valid[i] &&
				(min < 0 || KwCompareKeys(m->heads[i].key, m->heads[i].keylen,
										  m->heads[min].key, m->heads[min].keylen) < 0))
				min = i;
		if (min < 0)
			return false;
		memcpy(out->key, m->heads[min].key, m->heads[min].keylen);
		out->keylen = m->heads[min].keylen;
		m->out.ntids = 0;
		for (int i = 0; i < m->nstreams; i++)
		{
			if (!m->valid[i] ||
				KwCompareKeys(m->heads[i].key, m->heads[i].keylen, out->key, out->keylen) != 0)
				continue;
			for (int j = 0; j < m->heads[i].ntids; j++)
				KwTidListAppend(&m->out, &m->heads[i].tids[j]);
			m->valid[i] = m->streams[i]->next(m->streams[i], &m->heads[i]);
		}
		KwTidListSortUnique(&m->out);
		n = 0;
		for (int j = 0; j < m->out.ntids; j++)
			if (m->dead == NULL || !m->dead(&m->out.tids[j], m->deadState))
				m->out.tids[n++] = m->out.tids[j];
		m->out.ntids = n;
		if (n > 0)
		{
			out->tids = m->out.tids;
			out->ntids = n;
			return true;
		}
		CHECK_FOR_INTERRUPTS();
	}
}

/* Close a merge and its inputs. */
static void
merge_stream_close(KwStream *stream)
{
	MergeStream *m = (MergeStream *) stream;

	for (int i = 0; i < m->nstreams; i++)
		m->streams[i]->close(m->streams[i]);
	pfree(m);
}

/* Merge key-ordered streams into one, dropping rows dead says are dead. */
KwStream *
KwMergeStreams(List *streams, KwDeadCallback dead, void *deadState)
{
	MergeStream *m = palloc0(sizeof(MergeStream));
	ListCell   *lc;
	int			i = 0;

	m->base.next = merge_stream_next;
	m->base.close = merge_stream_close;
	m->nstreams = list_length(streams);
	m->streams = palloc(sizeof(KwStream *) * Max(1, m->nstreams));
	m->heads = palloc(sizeof(KwTermRows) * Max(1, m->nstreams));
	m->valid = palloc(sizeof(bool) * Max(1, m->nstreams));
	m->dead = dead;
	m->deadState = deadState;
	foreach(lc, streams)
	{
		m->streams[i] = (KwStream *) lfirst(lc);
		m->valid[i] = m->streams[i]->next(m->streams[i], &m->heads[i]);
		i++;
	}
	return &m->base;
}
