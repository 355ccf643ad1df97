/*
 * kwscan.c — bitmap scans of the keyword index.
 *
 * A scan key is a kwquery; the matcher turns it into a plan (kw_query_plan):
 * a boolean condition over key presence that every matching row satisfies.
 * The scan evaluates the plan on row-id sets:
 *
 *   KEY K             rows whose posting list has K (one descent of the
 *                     segment tree, plus the insert buffer)
 *   PREFIX P          union over the keys of the range [P, P\xff...) found by
 *                     one descent and a walk along the leaves
 *   PATTERN P, f      the same range, keys filtered by the matcher's pattern
 *   AND, OR           intersection, union
 *   NOT (exact child) complement
 *   ALL               every row
 *
 * Complements are kept symbolic: a set is either POS(S) (rows in S), NEG(S)
 * (rows not in S) or ALL, and AND/OR combine them exactly (a AND NOT b is
 * POS(A - B); a OR NOT b is NEG(B - A)).  Each set also says whether it is
 * precise (equal to its node's condition) or only a superset; NOT is applied
 * only to a precise set of an exact node, otherwise it gives ALL, so pruning
 * never loses a row.  A result of POS(S) becomes exact TIDs of the bitmap;
 * NEG or ALL becomes every heap page as a lossy page.  Candidates are
 * rechecked by the executor with the matcher, so results are exact, except
 * when every node of the plan is marked exact by the matcher and the set is
 * precise: the rows are then exactly the matching rows (a HOT chain shares
 * its root's indexed text) and the recheck, which would tokenise every row
 * again, is skipped.
 *
 * The insert buffer is read once per scan: each pending key is looked up in
 * a Judy array of the plan's exact keys and tested against its prefixes and
 * patterns.  See kwutils.c for how scans detect pages recycled by a
 * concurrent merge (they start over).
 */
#include "postgres.h"

#include "access/relscan.h"
#include "access/table.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/predicate.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "textcore.h"
#include "kwindex.h"

/* Scan state. */
typedef struct KwScanOpaqueData
{
	MemoryContext cxt;			/* plans; reset at rescan */
	MemoryContext evalCxt;		/* per-evaluation work; reset at restart */
	List	   *plans;			/* KwPlan * of each scan key */
	bool		noMatch;		/* a NULL query: nothing matches */
} KwScanOpaqueData;

typedef KwScanOpaqueData *KwScanOpaque;

/* A row-id set, possibly complemented. */
typedef enum KwSetKind
{
	KWSET_POS,
	KWSET_NEG,
	KWSET_ALL
} KwSetKind;

typedef struct KwSet
{
	KwSetKind	kind;
	bool		precise;
	ItemPointerData *tids;
	int			ntids;
} KwSet;

/* One key-reading node of a plan and the rows found for it. */
typedef struct KwLeaf
{
	const KwPlan *node;
	KwTidList	rows;
	int			nextSameKey;	/* next KEY leaf with the same key, or -1 */
} KwLeaf;

/* Evaluation state of one attempt. */
typedef struct KwEval
{
	Relation	index;
	KwMetaPageData meta;
	KwLeaf	   *leaves;
	int			nleaves;
	int			capleaves;
	bool		stale;			/* met a page recycled by a merge */
	char	   *page;			/* private page copy */
} KwEval;

/* Start a scan. */
IndexScanDesc
kwbeginscan(Relation r, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(r, nkeys, norderbys);
	KwScanOpaque so = palloc0(sizeof(KwScanOpaqueData));

	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "keyword index scan", ALLOCSET_DEFAULT_SIZES);
	so->evalCxt = AllocSetContextCreate(CurrentMemoryContext, "keyword index scan evaluation",
										ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

/* Set new scan keys: compile each query into a plan. */
void
kwrescan(IndexScanDesc scan, ScanKey scankey, int nscankeys,
		 ScanKey orderbys, int norderbys)
{
	KwScanOpaque so = (KwScanOpaque) scan->opaque;
	MemoryContext old;

	if (scankey && scan->numberOfKeys > 0)
		memmove(scan->keyData, scankey, scan->numberOfKeys * sizeof(ScanKeyData));
	MemoryContextReset(so->cxt);
	so->plans = NIL;
	so->noMatch = false;
	old = MemoryContextSwitchTo(so->cxt);
	for (int i = 0; i < scan->numberOfKeys; i++)
	{
		ScanKey		key = &scan->keyData[i];

		if (key->sk_flags & SK_ISNULL)
		{
			so->noMatch = true;
			continue;
		}
		so->plans = lappend(so->plans, kw_query_plan(key->sk_argument));
	}
	MemoryContextSwitchTo(old);
}

/* End a scan. */
void
kwendscan(IndexScanDesc scan)
{
	KwScanOpaque so = (KwScanOpaque) scan->opaque;

	MemoryContextDelete(so->cxt);
	MemoryContextDelete(so->evalCxt);
	pfree(so);
}

/* Remember every key-reading node of a plan. */
static void
collect_leaves(KwEval *ev, const KwPlan *node)
{
	switch (node->kind)
	{
		case KWP_KEY:
		case KWP_PREFIX:
		case KWP_PATTERN:
			if (ev->nleaves >= ev->capleaves)
			{
				ev->capleaves = Max(16, ev->capleaves * 2);
				ev->leaves = ev->leaves ? repalloc(ev->leaves, sizeof(KwLeaf) * ev->capleaves)
					: palloc(sizeof(KwLeaf) * ev->capleaves);
			}
			memset(&ev->leaves[ev->nleaves], 0, sizeof(KwLeaf));
			ev->leaves[ev->nleaves].node = node;
			ev->leaves[ev->nleaves].nextSameKey = -1;
			ev->nleaves++;
			break;
		case KWP_AND:
		case KWP_OR:
		case KWP_NOT:
			for (int i = 0; i < node->nchildren; i++)
				collect_leaves(ev, node->children[i]);
			break;
		case KWP_ALL:
			break;
	}
}

/*
 * Read a page of the expected type, level and generation into ev->page.
 * Returns false (and marks the evaluation stale) when the page is not what
 * the tree says it should be: recycled by a merge, or corrupt (told apart
 * by the caller).
 */
static bool
read_tree_page(KwEval *ev, BlockNumber blkno, uint16 type, int level)
{
	Buffer		buf;
	Page		page;
	KwPageOpaque opaque;
	bool		ok;

	/* the index never shrinks: a block number out of range is corruption,
	 * reported by the buffer manager */
	buf = ReadBuffer(ev->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	KwCheckPage(ev->index, page, blkno);
	opaque = KwPageGetOpaque(page);
	ok = opaque->type == type && opaque->generation == ev->meta.generation &&
		(level < 0 || opaque->level == level);
	if (ok)
		memcpy(ev->page, page, BLCKSZ);
	UnlockReleaseBuffer(buf);
	if (!ok)
		ev->stale = true;
	return ok;
}

/* Descend the segment tree to the leaf where key belongs. */
static BlockNumber
find_leaf(KwEval *ev, const char *key, int keylen)
{
	BlockNumber blkno = ev->meta.root;

	for (int level = ev->meta.rootLevel; level > 0; level--)
	{
		Page		page = (Page) ev->page;
		OffsetNumber lo,
					hi,
					maxoff;

		if (!read_tree_page(ev, blkno, KW_PAGE_INNER, level))
			return InvalidBlockNumber;
		maxoff = PageGetMaxOffsetNumber(page);
		if (maxoff < FirstOffsetNumber)
			KwIndexCorrupt(ev->index, blkno, "empty inner page");
		/* last item whose key is <= the search key (or the first item) */
		lo = FirstOffsetNumber;
		hi = maxoff;
		while (lo < hi)
		{
			OffsetNumber mid = lo + (hi - lo + 1) / 2;
			KwDirEntry d = (KwDirEntry) PageGetItem(page, PageGetItemId(page, mid));

			if (KwCompareKeys(d->key, d->keylen, key, keylen) <= 0)
				lo = mid;
			else
				hi = mid - 1;
		}
		blkno = ((KwDirEntry) PageGetItem(page, PageGetItemId(page, lo)))->child;
		CHECK_FOR_INTERRUPTS();
	}
	return blkno;
}

/* First offset of the leaf copy whose key is >= key. */
static OffsetNumber
leaf_lower_bound(Page page, const char *key, int keylen)
{
	OffsetNumber lo = FirstOffsetNumber;
	OffsetNumber hi = PageGetMaxOffsetNumber(page) + 1;

	while (lo < hi)
	{
		OffsetNumber mid = lo + (hi - lo) / 2;
		KwEntry		e = (KwEntry) PageGetItem(page, PageGetItemId(page, mid));

		if (KwCompareKeys(KwEntryKey(e), e->keylen, key, keylen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Visit the segment entries of a KEY, PREFIX or PATTERN node: fn gets each
 * matching entry (on the private page copy).  Returns false when stale.
 */
typedef bool (*EntryVisitor) (KwEval *ev, KwEntry entry, void *arg);

/* Call fn on every segment entry a key-reading node selects. */
static bool
visit_entries(KwEval *ev, const KwPlan *node, EntryVisitor fn, void *arg)
{
	BlockNumber blkno;
	bool		exact = (node->kind == KWP_KEY);

	if (ev->meta.root == InvalidBlockNumber)
		return true;
	blkno = find_leaf(ev, node->key, node->keylen);
	if (blkno == InvalidBlockNumber)
		return false;
	while (blkno != InvalidBlockNumber)
	{
		Page		page = (Page) ev->page;
		OffsetNumber off,
					maxoff;

		if (!read_tree_page(ev, blkno, KW_PAGE_LEAF, 0))
			return false;
		maxoff = PageGetMaxOffsetNumber(page);
		for (off = leaf_lower_bound(page, node->key, node->keylen); off <= maxoff; off++)
		{
			KwEntry		e = (KwEntry) PageGetItem(page, PageGetItemId(page, off));

			if (exact)
			{
				if (KwCompareKeys(KwEntryKey(e), e->keylen, node->key, node->keylen) != 0)
					return true;
			}
			else if (!KwKeyHasPrefix(KwEntryKey(e), e->keylen, node->key, node->keylen))
				return true;
			if (node->kind == KWP_PATTERN &&
				!kw_plan_pattern_match(node, KwEntryKey(e), e->keylen))
				continue;
			if (!fn(ev, e, arg))
				return false;
			if (exact)
				return true;
		}
		blkno = KwPageGetOpaque(page)->rightlink;
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

/* Entry visitor: add the entry's rows to a leaf's list. */
static bool
add_entry_rows(KwEval *ev, KwEntry entry, void *arg)
{
	KwLeaf	   *leaf = (KwLeaf *) arg;

	if (!KwReadEntryTids(ev->index, entry, ev->meta.generation, &leaf->rows))
	{
		ev->stale = true;
		return false;
	}
	return true;
}

/* Add the rows of the insert buffer to the leaves they match. */
static bool
scan_pending(KwEval *ev)
{
	TcJudy	   *exactKeys = tc_judy_create(CurrentMemoryContext, TC_JUDY_HS);
	int		   *ranged = palloc(sizeof(int) * Max(1, ev->nleaves));
	int			nranged = 0;
	BlockNumber blkno = ev->meta.pendingHead;

	for (int i = 0; i < ev->nleaves; i++)
	{
		const KwPlan *node = ev->leaves[i].node;

		if (node->kind == KWP_KEY)
		{
			void	  **slot = tc_judy_hs_insert(exactKeys, node->key, node->keylen);

			ev->leaves[i].nextSameKey = (int) (intptr_t) *slot - 1;
			*slot = (void *) (intptr_t) (i + 1);
		}
		else
			ranged[nranged++] = i;
	}

	while (blkno != InvalidBlockNumber)
	{
		Page		page = (Page) ev->page;
		Buffer		buf;
		KwPageOpaque opaque;
		OffsetNumber maxoff;
		bool		ok;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(ev->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		KwCheckPage(ev->index, BufferGetPage(buf), blkno);
		opaque = KwPageGetOpaque(BufferGetPage(buf));
		ok = opaque->type == KW_PAGE_PENDING && opaque->generation <= ev->meta.generation;
		if (ok)
			memcpy(page, BufferGetPage(buf), BLCKSZ);
		UnlockReleaseBuffer(buf);
		if (!ok)
		{
			ev->stale = true;
			return false;
		}
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			KwPendingTuple t = (KwPendingTuple) PageGetItem(page, iid);
			const unsigned char *p = t->data;
			const unsigned char *end = (const unsigned char *) t + ItemIdGetLength(iid);

			if (ItemIdGetLength(iid) < KW_PENDING_HDRSZ)
				KwIndexCorrupt(ev->index, blkno, "pending tuple too short");
			for (int k = 0; k < t->nkeys; k++)
			{
				int			keylen;
				void	  **slot;

				if (p >= end || p + 1 + *p > end)
					KwIndexCorrupt(ev->index, blkno, "pending tuple keys overrun the tuple");
				keylen = *p++;
				slot = tc_judy_hs_get(exactKeys, p, keylen);
				if (slot != NULL)
					for (int li = (int) (intptr_t) *slot - 1; li >= 0; li = ev->leaves[li].nextSameKey)
						KwTidListAppend(&ev->leaves[li].rows, &t->tid);
				for (int r = 0; r < nranged; r++)
				{
					KwLeaf	   *leaf = &ev->leaves[ranged[r]];

					if (KwKeyHasPrefix((const char *) p, keylen, leaf->node->key, leaf->node->keylen) &&
						(leaf->node->kind == KWP_PREFIX ||
						 kw_plan_pattern_match(leaf->node, (const char *) p, keylen)))
						KwTidListAppend(&leaf->rows, &t->tid);
				}
				p += keylen;
			}
		}
		blkno = KwPageGetOpaque(page)->rightlink;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Set algebra on sorted TID arrays
 * ---------------------------------------------------------------------
 */

/* Return a ∩ b. */
static void
tids_intersect(ItemPointerData *a, int na, const ItemPointerData *b, int nb, int *nout)
{
	int			i = 0,
				j = 0,
				n = 0;

	while (i < na && j < nb)
	{
		int			c = ItemPointerCompare(&a[i], (ItemPointer) &b[j]);

		if (c == 0)
		{
			a[n++] = a[i];
			i++;
			j++;
		}
		else if (c < 0)
			i++;
		else
			j++;
	}
	*nout = n;
}

/* Return a - b (in place in a). */
static void
tids_subtract(ItemPointerData *a, int na, const ItemPointerData *b, int nb, int *nout)
{
	int			i = 0,
				j = 0,
				n = 0;

	while (i < na)
	{
		int			c = (j < nb) ? ItemPointerCompare(&a[i], (ItemPointer) &b[j]) : -1;

		if (c == 0)
		{
			i++;
			j++;
		}
		else if (c < 0)
			a[n++] = a[i++];
		else
			j++;
	}
	*nout = n;
}

/* Return a newly allocated a ∪ b. */
static ItemPointerData *
tids_union(const ItemPointerData *a, int na, const ItemPointerData *b, int nb, int *nout)
{
	ItemPointerData *out = palloc_extended(sizeof(ItemPointerData) * (Size) Max(1, na + nb), MCXT_ALLOC_HUGE);
	int			i = 0,
				j = 0,
				n = 0;

	while (i < na || j < nb)
	{
		int			c;

		if (i >= na)
			c = 1;
		else if (j >= nb)
			c = -1;
		else
			c = ItemPointerCompare((ItemPointer) &a[i], (ItemPointer) &b[j]);
		if (c <= 0)
		{
			out[n++] = a[i++];
			if (c == 0)
				j++;
		}
		else
			out[n++] = b[j++];
	}
	*nout = n;
	return out;
}

/* Copy a TID array. */
static ItemPointerData *
tids_copy(const ItemPointerData *a, int n)
{
	ItemPointerData *out = palloc_extended(sizeof(ItemPointerData) * (Size) Max(1, n), MCXT_ALLOC_HUGE);

	if (n > 0)
		memcpy(out, a, sizeof(ItemPointerData) * n);
	return out;
}

/* Is a plan node, and every node below it, marked exact by the matcher? */
static bool
plan_is_exact(const KwPlan *node)
{
	if (!node->exact || node->kind == KWP_ALL)
		return false;
	for (int i = 0; i < node->nchildren; i++)
		if (!plan_is_exact(node->children[i]))
			return false;
	return true;
}

/* Evaluate a plan node on row-id sets (the leaves are already read). */
static KwSet
eval_node(KwEval *ev, const KwPlan *node, int *leafno)
{
	KwSet		r = {KWSET_ALL, false, NULL, 0};

	check_stack_depth();
	switch (node->kind)
	{
		case KWP_KEY:
		case KWP_PREFIX:
		case KWP_PATTERN:
			{
				KwLeaf	   *leaf = &ev->leaves[(*leafno)++];

				r.kind = KWSET_POS;
				r.precise = true;
				r.tids = leaf->rows.tids;
				r.ntids = leaf->rows.ntids;
				return r;
			}
		case KWP_ALL:
			return r;
		case KWP_NOT:
			{
				KwSet		c = eval_node(ev, node->children[0], leafno);

				if (node->nchildren != 1 || !node->children[0]->exact || !c.precise ||
					c.kind == KWSET_ALL)
					return r;
				c.kind = (c.kind == KWSET_POS) ? KWSET_NEG : KWSET_POS;
				return c;
			}
		case KWP_AND:
			{
				bool		havePos = false,
							haveNeg = false;
				ItemPointerData *pos = NULL,
						   *neg = NULL;
				int			npos = 0,
							nneg = 0;

				r.precise = true;
				for (int i = 0; i < node->nchildren; i++)
				{
					KwSet		c = eval_node(ev, node->children[i], leafno);

					r.precise &= c.precise;
					if (c.kind == KWSET_POS)
					{
						if (!havePos)
							pos = tids_copy(c.tids, c.ntids), npos = c.ntids;
						else
							tids_intersect(pos, npos, c.tids, c.ntids, &npos);
						havePos = true;
					}
					else if (c.kind == KWSET_NEG)
					{
						neg = haveNeg ? tids_union(neg, nneg, c.tids, c.ntids, &nneg)
							: tids_copy(c.tids, c.ntids);
						if (!haveNeg)
							nneg = c.ntids;
						haveNeg = true;
					}
				}
				if (havePos)
				{
					if (haveNeg)
						tids_subtract(pos, npos, neg, nneg, &npos);
					r.kind = KWSET_POS;
					r.tids = pos;
					r.ntids = npos;
				}
				else if (haveNeg)
				{
					r.kind = KWSET_NEG;
					r.tids = neg;
					r.ntids = nneg;
				}
				else
					r.kind = KWSET_ALL;
				return r;
			}
		case KWP_OR:
			{
				bool		haveNeg = false,
							all = false;
				ItemPointerData *pos = NULL,
						   *neg = NULL;
				int			npos = 0,
							nneg = 0;
				ItemPointerData **parts = palloc(sizeof(ItemPointerData *) * node->nchildren);
				int		   *nparts = palloc(sizeof(int) * node->nchildren);
				int			k = 0;

				r.precise = true;
				for (int i = 0; i < node->nchildren; i++)
				{
					KwSet		c = eval_node(ev, node->children[i], leafno);

					r.precise &= c.precise;
					if (c.kind == KWSET_ALL)
						all = true;
					else if (c.kind == KWSET_POS)
					{
						parts[k] = c.tids;
						nparts[k++] = c.ntids;
					}
					else
					{
						if (!haveNeg)
							neg = tids_copy(c.tids, c.ntids), nneg = c.ntids;
						else
							tids_intersect(neg, nneg, c.tids, c.ntids, &nneg);
						haveNeg = true;
					}
				}
				if (all)
				{
					r.kind = KWSET_ALL;
					return r;
				}
				/* union of the positive parts, merged pairwise (log k passes) */
				while (k > 1)
				{
					int			m = 0;

					for (int i = 0; i + 1 < k; i += 2)
					{
						parts[m] = tids_union(parts[i], nparts[i], parts[i + 1], nparts[i + 1], &nparts[m]);
						m++;
					}
					if (k % 2 == 1)
					{
						parts[m] = parts[k - 1];
						nparts[m++] = nparts[k - 1];
					}
					k = m;
					CHECK_FOR_INTERRUPTS();
				}
				if (k == 1)
				{
					pos = parts[0];
					npos = nparts[0];
				}
				if (haveNeg)
				{
					tids_subtract(neg, nneg, pos, npos, &nneg);
					r.kind = KWSET_NEG;
					r.tids = neg;
					r.ntids = nneg;
				}
				else
				{
					r.kind = KWSET_POS;
					r.tids = pos;
					r.ntids = npos;
				}
				return r;
			}
	}
	return r;
}

/* One attempt at evaluating every plan; false when a merge got in the way. */
static bool
evaluate(KwEval *ev, List *plans, KwSet *result)
{
	ListCell   *lc;
	int			leafno = 0;
	KwSet		total = {KWSET_ALL, true, NULL, 0};
	bool		first = true;

	ev->meta = KwReadMeta(ev->index);
	ev->nleaves = 0;
	ev->stale = false;
	foreach(lc, plans)
		collect_leaves(ev, (const KwPlan *) lfirst(lc));
	for (int i = 0; i < ev->nleaves; i++)
	{
		if (!visit_entries(ev, ev->leaves[i].node, add_entry_rows, &ev->leaves[i]))
			return false;
	}
	if (ev->meta.pendingHead != InvalidBlockNumber && ev->nleaves > 0 && !scan_pending(ev))
		return false;
	for (int i = 0; i < ev->nleaves; i++)
		KwTidListSortUnique(&ev->leaves[i].rows);

	/* the scan keys are ANDed */
	foreach(lc, plans)
	{
		KwSet		s = eval_node(ev, (const KwPlan *) lfirst(lc), &leafno);

		if (first || total.kind == KWSET_ALL)
			total = s;
		else if (s.kind == KWSET_POS && total.kind == KWSET_POS)
			tids_intersect(total.tids, total.ntids, s.tids, s.ntids, &total.ntids);
		else if (s.kind == KWSET_POS && total.kind == KWSET_NEG)
		{
			ItemPointerData *t = tids_copy(s.tids, s.ntids);
			int			n = s.ntids;

			tids_subtract(t, n, total.tids, total.ntids, &n);
			total.kind = KWSET_POS;
			total.tids = t;
			total.ntids = n;
		}
		else if (s.kind == KWSET_NEG && total.kind == KWSET_POS)
			tids_subtract(total.tids, total.ntids, s.tids, s.ntids, &total.ntids);
		else if (s.kind == KWSET_NEG && total.kind == KWSET_NEG)
			total.tids = tids_union(total.tids, total.ntids, s.tids, s.ntids, &total.ntids);
		first = false;
	}
	*result = total;
	return true;
}

/* Put every candidate row of the scan keys into the bitmap. */
int64
kwgetbitmap(IndexScanDesc scan, TIDBitmap *tbm)
{
	KwScanOpaque so = (KwScanOpaque) scan->opaque;
	MemoryContext old;
	KwEval		ev;
	KwSet		result;
	int64		ntids;

	/* SERIALIZABLE: a scan reads the whole index (see docs/index.md) */
	PredicateLockRelation(scan->indexRelation, scan->xs_snapshot);
	if (so->noMatch)
		return 0;

	old = MemoryContextSwitchTo(so->evalCxt);
	memset(&ev, 0, sizeof(ev));
	ev.index = scan->indexRelation;
	for (;;)
	{
		uint32		generation;

		MemoryContextReset(so->evalCxt);
		ev.leaves = NULL;
		ev.capleaves = 0;
		ev.page = palloc(BLCKSZ);
		if (evaluate(&ev, so->plans, &result))
			break;
		/* a page did not match the tree: a merge recycled it, or corruption */
		generation = ev.meta.generation;
		if (KwReadMeta(ev.index).generation == generation)
			KwIndexCorrupt(ev.index, InvalidBlockNumber,
						   "a page reached from the metapage has the wrong type or generation");
		CHECK_FOR_INTERRUPTS();
	}

	if (result.kind == KWSET_POS)
	{
		/* rows of an exact plan evaluated precisely need no recheck */
		bool		recheck = !result.precise;
		ListCell   *lc;

		foreach(lc, so->plans)
			recheck |= !plan_is_exact((const KwPlan *) lfirst(lc));
		tbm_add_tuples(tbm, result.tids, result.ntids, recheck);
		ntids = result.ntids;
	}
	else
	{
		/* no pruning possible: every heap page, rechecked row by row */
		Relation	heap = table_open(ev.index->rd_index->indrelid, NoLock);
		BlockNumber nblocks = RelationGetNumberOfBlocks(heap);

		for (BlockNumber b = 0; b < nblocks; b++)
			tbm_add_page(tbm, b);
		table_close(heap, NoLock);
		ntids = (int64) nblocks;
	}
	pgstat_count_index_tuples(scan->indexRelation, ntids);
	MemoryContextSwitchTo(old);
	MemoryContextReset(so->evalCxt);
	return ntids;
}

/* ---------------------------------------------------------------------
 * Estimates for the planner
 * ---------------------------------------------------------------------
 */

/* Entry visitor: add the entry's row count. */
static bool
count_entry_rows(KwEval *ev, KwEntry entry, void *arg)
{
	double	   *count = (double *) arg;

	*count += entry->ntids;
	return true;
}

/* Estimate a node's selectivity from the segment's row counts. */
static double
estimate_node(KwEval *ev, const KwPlan *node, double nrows, int *budget)
{
	double		s;

	switch (node->kind)
	{
		case KWP_KEY:
		case KWP_PREFIX:
		case KWP_PATTERN:
			{
				double		count = 0;

				if (*budget <= 0 || ev->meta.root == InvalidBlockNumber)
					return 0.01;
				(*budget)--;
				if (!visit_entries(ev, node, count_entry_rows, &count))
					return 0.01;
				/* rows of the insert buffer are not counted; assume their share */
				count += (double) ev->meta.pendingRows * count / Max(1.0, (double) ev->meta.indexedRows);
				return Min(1.0, Max(count, 0.5) / nrows);
			}
		case KWP_ALL:
			return 1.0;
		case KWP_NOT:
			if (node->nchildren != 1 || !node->children[0]->exact)
				return 1.0;
			return 1.0 - estimate_node(ev, node->children[0], nrows, budget);
		case KWP_AND:
			s = 1.0;
			for (int i = 0; i < node->nchildren; i++)
				s *= estimate_node(ev, node->children[i], nrows, budget);
			return s;
		case KWP_OR:
			s = 1.0;
			for (int i = 0; i < node->nchildren; i++)
				s *= 1.0 - estimate_node(ev, node->children[i], nrows, budget);
			return 1.0 - s;
	}
	return 1.0;
}

/*
 * Estimate the fraction of rows a plan's pruning keeps, from the row counts
 * of the segment's entries (budget limits the number of key look-ups).
 */
double
KwEstimatePlan(Relation index, const KwPlan *plan, double nrows, int *budget)
{
	KwEval		ev;

	memset(&ev, 0, sizeof(ev));
	ev.index = index;
	ev.meta = KwReadMeta(index);
	ev.page = palloc(BLCKSZ);
	if (nrows < 1)
		nrows = Max(1.0, (double) (ev.meta.indexedRows + ev.meta.pendingRows));
	return Max(0.0, Min(1.0, estimate_node(&ev, plan, nrows, budget)));
}
