/*
 * kwindex.h — the keyword index access method ("kwindex"): page layouts,
 * structures and prototypes shared by its files.
 *
 * Files: kwindex.c (handler, options, cost estimate, validator, phase names),
 * kwbuild.c (CREATE INDEX, build accumulator with spill runs), kwinsert.c
 * (insert buffer), kwscan.c (bitmap scans), kwvacuum.c (merge and VACUUM),
 * kwutils.c (pages, posting lists, segment writer, sorted streams) and
 * kwcheck.c (clientele.kw_index_check).  The design is explained in
 * kwutils.c.
 */
#ifndef CLIENTELE_KWINDEX_H
#define CLIENTELE_KWINDEX_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "nodes/pathnodes.h"
#include "nodes/tidbitmap.h"
#include "storage/bufmgr.h"
#include "storage/buffile.h"
#include "utils/relcache.h"

#include "funnel/kwindex_api.h"

/* ---------------------------------------------------------------------
 * On-disk identity
 * ---------------------------------------------------------------------
 */
#define KW_MAGIC			0x4B574958	/* "KWIX" */
#define KW_VERSION			1
#define KW_PAGE_ID			0xFF8B		/* last two bytes of every page */
#define KW_METAPAGE_BLKNO	0

/* Page types (KwPageOpaqueData.type) */
#define KW_PAGE_META		1
#define KW_PAGE_LEAF		2			/* term dictionary: entries in key order */
#define KW_PAGE_INNER		3			/* directory over the level below */
#define KW_PAGE_POSTING		4			/* a chunk of a long posting list */
#define KW_PAGE_PENDING		5			/* insert buffer: one tuple per row */
#define KW_PAGE_FREE		6			/* recycled, listed in the FSM */

/* Special space of every page. */
typedef struct KwPageOpaqueData
{
	uint32		generation;		/* segment pages: the segment's generation;
								 * pending pages: the generation current when
								 * the page was allocated */
	BlockNumber rightlink;		/* next page of the same level / chain */
	uint16		type;			/* KW_PAGE_* */
	uint16		level;			/* tree level: 0 for leaves */
	uint16		unused;
	uint16		page_id;		/* KW_PAGE_ID */
} KwPageOpaqueData;

typedef KwPageOpaqueData *KwPageOpaque;

#define KwPageGetOpaque(page) ((KwPageOpaque) PageGetSpecialPointer(page))

/* The metapage contents (after the page header). */
typedef struct KwMetaPageData
{
	uint32		magic;
	uint32		version;
	uint32		generation;		/* generation of the current segment */
	BlockNumber root;			/* segment root, InvalidBlockNumber if empty */
	uint16		rootLevel;		/* 0 when the root is a leaf */
	uint16		unused;
	BlockNumber firstLeaf;		/* leftmost leaf of the segment */
	BlockNumber pendingHead;	/* insert buffer chain, or InvalidBlockNumber */
	BlockNumber pendingTail;
	uint64		segmentKeys;	/* distinct keys in the segment */
	uint64		segmentPostings;	/* (key, row) pairs in the segment */
	uint64		indexedRows;	/* rows indexed at the last build or merge */
	uint64		segmentPages;	/* pages of the segment */
	uint64		pendingRows;	/* pending tuples (about one per row) */
	uint64		pendingPages;
} KwMetaPageData;

typedef KwMetaPageData *KwMetaPage;

#define KwPageGetMeta(page) ((KwMetaPage) PageGetContents(page))

/*
 * A leaf entry: one key and its posting list, inline when short, else in a
 * chain of posting pages.  Stored as a page item; key bytes follow the
 * header, then the inline posting bytes.
 */
typedef struct KwEntryData
{
	uint32		ntids;			/* rows having the key */
	BlockNumber postingHead;	/* first posting page, or InvalidBlockNumber */
	uint16		keylen;
	uint16		postingBytes;	/* inline compressed bytes (0 if chained) */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} KwEntryData;

typedef KwEntryData *KwEntry;

#define KW_ENTRY_HDRSZ		offsetof(KwEntryData, data)
#define KwEntryKey(e)		((e)->data)
#define KwEntryPosting(e)	((unsigned char *) (e)->data + (e)->keylen)

/* A directory item of an inner page: the first key under a child. */
typedef struct KwDirEntryData
{
	BlockNumber child;
	uint16		keylen;
	char		key[FLEXIBLE_ARRAY_MEMBER];
} KwDirEntryData;

typedef KwDirEntryData *KwDirEntry;

#define KW_DIR_HDRSZ		offsetof(KwDirEntryData, key)

/* The single item of a posting page: a compressed run of row ids. */
typedef struct KwPostingChunkData
{
	uint32		ntids;
	uint16		nbytes;
	uint16		unused;
	unsigned char data[FLEXIBLE_ARRAY_MEMBER];	/* varbyte deltas, the first
												 * from zero */
} KwPostingChunkData;

typedef KwPostingChunkData *KwPostingChunk;

#define KW_CHUNK_HDRSZ		offsetof(KwPostingChunkData, data)

/*
 * A pending tuple: one row and (some of) its distinct keys, each as a
 * length byte and the key bytes.
 */
typedef struct KwPendingTupleData
{
	ItemPointerData tid;
	uint16		nkeys;
	unsigned char data[FLEXIBLE_ARRAY_MEMBER];
} KwPendingTupleData;

typedef KwPendingTupleData *KwPendingTuple;

#define KW_PENDING_HDRSZ	offsetof(KwPendingTupleData, data)

/* Largest item on a page (one item, its line pointer, special space). */
#define KW_PAGE_FREE_SPACE \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(KwPageOpaqueData)) - sizeof(ItemIdData))
#define KW_MAX_ITEM_SIZE	(MAXALIGN_DOWN(KW_PAGE_FREE_SPACE))

/* Posting lists up to this many compressed bytes stay inside the entry. */
#define KW_INLINE_POSTING_MAX	(BLCKSZ / 4)

/* Compressed bytes per posting page. */
#define KW_CHUNK_MAX_BYTES	(KW_MAX_ITEM_SIZE - MAXALIGN(KW_CHUNK_HDRSZ) - 16)

/* Build phases shown in pg_stat_progress_create_index. */
#define KW_PHASE_SCAN		2
#define KW_PHASE_MERGE		3
#define KW_PHASE_WRITE		4

/* ---------------------------------------------------------------------
 * In-memory structures
 * ---------------------------------------------------------------------
 */

/* A sorted, duplicate-free array of row ids. */
typedef struct KwTidList
{
	ItemPointerData *tids;
	int			ntids;
	int			cap;
} KwTidList;

/* One key with its row ids, as produced by a sorted stream. */
typedef struct KwTermRows
{
	char		key[KW_MAX_KEY_BYTES + 1];
	int			keylen;
	ItemPointerData *tids;		/* valid until the stream's next call */
	int			ntids;
} KwTermRows;

/* A source of (key, row ids) in key order, each key at most once. */
typedef struct KwStream KwStream;
struct KwStream
{
	bool		(*next) (KwStream *stream, KwTermRows *out);
	void		(*close) (KwStream *stream);
};

/* Build accumulator: key -> row ids, spilled into sorted runs on disk. */
typedef struct KwAccumEntry
{
	char	   *key;
	int			keylen;
	bool		sorted;			/* row ids appended in increasing order */
	int			ntids;
	int			cap;
	ItemPointerData *tids;
} KwAccumEntry;

typedef struct KwAccum
{
	MemoryContext cxt;			/* everything below, reset at each spill */
	struct TcJudy *judy;		/* key -> KwAccumEntry * */
	KwAccumEntry **entries;
	int			nentries;
	int			capentries;
	Size		approxBytes;	/* memory used, Judy's included roughly */
	Size		limitBytes;
	List	   *runs;			/* BufFile * of spilled sorted runs */
	int64		spilledEntries;
} KwAccum;

/* Segment writer: lays out a new segment from keys in increasing order. */
typedef struct KwSegWriter
{
	Relation	index;
	uint32		generation;
	Page		leaf;			/* leaf being filled (private copy) */
	BlockNumber leafBlkno;		/* block reserved for it */
	BlockNumber firstLeaf;
	int			nleaves;
	/* directory items of the level being collected */
	KwDirEntry *dir;
	int			ndir;
	int			capdir;
	bool		leafHasItems;
	char		lastKey[KW_MAX_KEY_BYTES + 1];
	int			lastKeylen;
	bool		haveLast;
	uint64		nkeys;
	uint64		npostings;
	uint64		npages;
	StringInfoData buf;
} KwSegWriter;

/* Result of laying out a segment. */
typedef struct KwSegment
{
	BlockNumber root;
	int			rootLevel;
	BlockNumber firstLeaf;
	uint64		nkeys;
	uint64		npostings;
	uint64		npages;
} KwSegment;

/* Callback deciding whether a row id is dead (VACUUM). */
typedef bool (*KwDeadCallback) (ItemPointer tid, void *state);

/* ---------------------------------------------------------------------
 * Prototypes
 * ---------------------------------------------------------------------
 */

/* kwindex.c */
extern bytea *kwoptions(Datum reloptions, bool validate);
extern void kwcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
						   Cost *indexStartupCost, Cost *indexTotalCost,
						   Selectivity *indexSelectivity, double *indexCorrelation,
						   double *indexPages);
extern bool kwvalidate(Oid opclassoid);
extern char *kwbuildphasename(int64 phasenum);

/* kwbuild.c */
extern IndexBuildResult *kwbuild(Relation heap, Relation index, struct IndexInfo *indexInfo);
extern void kwbuildempty(Relation index);
extern void KwAccumInit(KwAccum *acc, MemoryContext parent, Size limitBytes);
extern void KwAccumAdd(KwAccum *acc, const char *key, int keylen, ItemPointer tid);
extern void KwAccumMaybeSpill(KwAccum *acc);
extern List *KwAccumStreams(KwAccum *acc);
extern void KwCollectRowKeys(Datum value, MemoryContext cxt, char ***keys, int **keylens, int *nkeys);

/* kwinsert.c */
extern bool kwinsert(Relation index, Datum *values, bool *isnull, ItemPointer ht_ctid,
					 Relation heapRel, IndexUniqueCheck checkUnique, bool indexUnchanged,
					 struct IndexInfo *indexInfo);

/* kwscan.c */
extern IndexScanDesc kwbeginscan(Relation r, int nkeys, int norderbys);
extern void kwrescan(IndexScanDesc scan, ScanKey scankey, int nscankeys,
					 ScanKey orderbys, int norderbys);
extern int64 kwgetbitmap(IndexScanDesc scan, TIDBitmap *tbm);
extern void kwendscan(IndexScanDesc scan);
extern double KwEstimatePlan(Relation index, const KwPlan *plan, double nrows, int *budget);

/* kwvacuum.c */
extern IndexBulkDeleteResult *kwbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
										   IndexBulkDeleteCallback callback, void *callback_state);
extern IndexBulkDeleteResult *kwvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);

/* kwutils.c */
extern void KwInitPage(Page page, uint16 type, uint16 level, uint32 generation);
extern void KwInitMetaPage(Page page);
extern Buffer KwNewBuffer(Relation index);
extern BlockNumber KwReserveBlock(Relation index);
extern void KwWritePage(Relation index, BlockNumber blkno, Page image);
extern void KwCheckPage(Relation index, Page page, BlockNumber blkno);
extern KwMetaPageData KwReadMeta(Relation index);
extern int	KwCompareKeys(const char *a, int alen, const char *b, int blen);
extern bool KwKeyHasPrefix(const char *key, int keylen, const char *prefix, int prefixlen);
extern void KwEncodeTids(StringInfo out, const ItemPointerData *tids, int ntids);
extern bool KwDecodeTids(const unsigned char *p, int nbytes, int ntids, KwTidList *out);
extern void KwTidListAppend(KwTidList *list, ItemPointer tid);
extern void KwTidListSortUnique(KwTidList *list);
extern int	KwSortUniqueTids(ItemPointerData *tids, int ntids);
extern bool KwReadEntryTids(Relation index, KwEntry entry, uint32 generation, KwTidList *out);
extern void KwSegWriterInit(KwSegWriter *w, Relation index, uint32 generation);
extern void KwSegWriterAdd(KwSegWriter *w, const char *key, int keylen,
						   const ItemPointerData *tids, int ntids);
extern KwSegment KwSegWriterFinish(KwSegWriter *w);
extern KwStream *KwMergeStreams(List *streams, KwDeadCallback dead, void *deadState);
extern KwStream *KwSegmentStream(Relation index, const KwMetaPageData *meta);
extern int64 KwWriteStream(KwSegWriter *w, KwStream *stream);
extern void KwIndexCorrupt(Relation index, BlockNumber blkno, const char *what) pg_attribute_noreturn();

#endif							/* CLIENTELE_KWINDEX_H */
