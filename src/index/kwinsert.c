/*
 * kwinsert.c — INSERT into the keyword index: one tuple per row appended to
 * the insert buffer (the pending list), merged into the segment by VACUUM.
 *
 * A row's distinct keys are packed into as few pending tuples as fit a page
 * (usually one).  The metapage is locked exclusively while the tuple is
 * appended to the tail page or to a new page linked after it, so inserters
 * serialise on the metapage like GIN's fast update; the lock is held for a
 * page append only.  The metapage, the tail page and a new page are changed
 * in one generic WAL record.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "storage/predicate.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "kwindex.h"

/* Append one pending tuple to the insert buffer. */
static void
append_pending(Relation index, KwPendingTuple tuple, Size size)
{
	Buffer		metabuf = ReadBuffer(index, KW_METAPAGE_BLKNO);
	Buffer		tailbuf = InvalidBuffer;
	Buffer		newbuf = InvalidBuffer;
	GenericXLogState *state;
	Page		metapage;
	KwMetaPage meta;
	bool		added = false;

	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	KwCheckPage(index, BufferGetPage(metabuf), KW_METAPAGE_BLKNO);
	if (KwPageGetMeta(BufferGetPage(metabuf))->magic != KW_MAGIC)
		KwIndexCorrupt(index, KW_METAPAGE_BLKNO, "bad magic number in the metapage");

	state = GenericXLogStart(index);
	metapage = GenericXLogRegisterBuffer(state, metabuf, 0);
	meta = KwPageGetMeta(metapage);

	if (meta->pendingTail != InvalidBlockNumber)
	{
		Page		tailpage;

		tailbuf = ReadBuffer(index, meta->pendingTail);
		LockBuffer(tailbuf, BUFFER_LOCK_EXCLUSIVE);
		KwCheckPage(index, BufferGetPage(tailbuf), meta->pendingTail);
		if (KwPageGetOpaque(BufferGetPage(tailbuf))->type != KW_PAGE_PENDING)
			KwIndexCorrupt(index, meta->pendingTail, "insert buffer tail is not an insert buffer page");
		tailpage = GenericXLogRegisterBuffer(state, tailbuf, 0);
		if (PageGetFreeSpace(tailpage) >= MAXALIGN(size))
		{
			if (PageAddItem(tailpage, (Item) tuple, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
				elog(ERROR, "could not add a pending tuple to block %u", meta->pendingTail);
			added = true;
		}
		else
		{
			Page		newpage;

			newbuf = KwNewBuffer(index);
			newpage = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);
			KwInitPage(newpage, KW_PAGE_PENDING, 0, meta->generation);
			if (PageAddItem(newpage, (Item) tuple, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
				elog(ERROR, "could not add a pending tuple to a new page");
			KwPageGetOpaque(tailpage)->rightlink = BufferGetBlockNumber(newbuf);
			meta->pendingTail = BufferGetBlockNumber(newbuf);
			meta->pendingPages++;
			added = true;
		}
	}
	if (!added)
	{
		Page		newpage;

		newbuf = KwNewBuffer(index);
		newpage = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);
		KwInitPage(newpage, KW_PAGE_PENDING, 0, meta->generation);
		if (PageAddItem(newpage, (Item) tuple, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
			elog(ERROR, "could not add a pending tuple to a new page");
		meta->pendingHead = meta->pendingTail = BufferGetBlockNumber(newbuf);
		meta->pendingPages++;
	}
	meta->pendingRows++;
	GenericXLogFinish(state);

	if (BufferIsValid(newbuf))
		UnlockReleaseBuffer(newbuf);
	if (BufferIsValid(tailbuf))
		UnlockReleaseBuffer(tailbuf);
	UnlockReleaseBuffer(metabuf);
}

/* Index one row: append its keys to the insert buffer. */
bool
kwinsert(Relation index, Datum *values, bool *isnull, ItemPointer ht_ctid,
		 Relation heapRel, IndexUniqueCheck checkUnique, bool indexUnchanged,
		 IndexInfo *indexInfo)
{
	MemoryContext cxt;
	MemoryContext old;
	char	  **keys;
	int		   *lens;
	int			nkeys;
	int			i = 0;
	StringInfoData buf;

	if (isnull[0])
		return false;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "keyword index insert", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	/* a scan of this index under SERIALIZABLE locked the whole relation */
	CheckForSerializableConflictIn(index, NULL, InvalidBlockNumber);

	KwCollectRowKeys(values[0], cxt, &keys, &lens, &nkeys);
	initStringInfo(&buf);
	while (i < nkeys)
	{
		KwPendingTuple tuple;
		int			n = 0;

		resetStringInfo(&buf);
		appendStringInfoSpaces(&buf, KW_PENDING_HDRSZ);
		while (i < nkeys && buf.len + 1 + lens[i] <= KW_MAX_ITEM_SIZE)
		{
			appendStringInfoChar(&buf, (char) lens[i]);
			appendBinaryStringInfo(&buf, keys[i], lens[i]);
			n++;
			i++;
		}
		tuple = (KwPendingTuple) buf.data;
		tuple->tid = *ht_ctid;
		tuple->nkeys = n;
		append_pending(index, tuple, buf.len);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return false;
}
