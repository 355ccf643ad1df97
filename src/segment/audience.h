/*
 * audience.h — the clientele.audience type: a compressed set of bigint
 * customer ids.  See audience.c for the encoding and its reasons.
 *
 * Serialised layout (fixed-width integers in the machine's byte order, read
 * with memcpy because a detoasted value is only 4-byte aligned; the binary
 * send/recv form is the same layout with them little-endian):
 *
 *   varlena header
 *   uint8   version (AUDIENCE_VERSION)
 *   uint8   reserved[3] (zero)
 *   uint32  nblocks
 *   int64   count                  members of the set
 *   AudienceBlock dir[nblocks]     first key, byte offset and token count of each block
 *   uint8   tokens[]               the blocks' tokens, one after the other
 *
 * Keys are the ids with the sign bit flipped, so that unsigned key order is
 * the signed id order.  Each token covers one id or a run of consecutive
 * ids: varbyte((gap - 1) << 1 | is_run) [varbyte(run_length - 2)], where gap
 * is the distance from the previous token's last key (the block's first key
 * minus one at the start of a block).
 */
#ifndef CLIENTELE_AUDIENCE_H
#define CLIENTELE_AUDIENCE_H

#include "postgres.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

#define AUDIENCE_VERSION		1
#define AUDIENCE_BLOCK_TOKENS	128		/* tokens per block at most */
#define AUDIENCE_HEADER_SIZE	16		/* bytes after the varlena header */
#define AUDIENCE_DIR_ENTRY_SIZE 16

typedef struct AudienceBlock
{
	uint64		first;			/* key of the block's first member */
	uint32		offset;			/* byte offset of its tokens in tokens[] */
	uint32		ntokens;		/* number of tokens in the block */
} AudienceBlock;

/* An id as an order-preserving unsigned key, and back. */
static inline uint64
audience_key(int64 id)
{
	return ((uint64) id) ^ (UINT64CONST(1) << 63);
}

static inline int64
audience_id(uint64 key)
{
	return (int64) (key ^ (UINT64CONST(1) << 63));
}

/* Sequential reader over the members of a serialised audience. */
typedef struct AudienceReader
{
	const uint8 *dir;			/* directory entries */
	const uint8 *tokens;		/* start of the token bytes */
	const uint8 *end;			/* end of the token bytes */
	const uint8 *p;				/* next token byte */
	uint32		nblocks;
	uint32		block;			/* next block to open */
	uint32		tokens_left;	/* tokens left in the open block */
	uint64		prev;			/* last key returned */
	uint64		run_left;		/* keys left in the current run */
	int64		count;
} AudienceReader;

/* Builder of a serialised audience from strictly increasing keys. */
typedef struct AudienceBuilder
{
	StringInfoData dir;
	StringInfoData tokens;
	uint32		nblocks;
	uint32		block_tokens;	/* tokens in the open block */
	int64		count;
	bool		have_run;		/* a pending run [run_start, run_end] */
	uint64		run_start;
	uint64		run_end;
	uint64		prev_end;		/* last key of the last written token */
} AudienceBuilder;

extern void audience_reader_init(AudienceReader *r, const struct varlena *a);
extern bool audience_reader_next_slow(AudienceReader *r, uint64 *key);
extern void audience_builder_init(AudienceBuilder *b);
extern void audience_builder_add_range(AudienceBuilder *b, uint64 start, uint64 end);
extern struct varlena *audience_builder_finish(AudienceBuilder *b);
extern int64 audience_count(const struct varlena *a);
extern struct varlena *audience_validated_copy(const struct varlena *a);
extern struct varlena *audience_union_of(const struct varlena *a, const struct varlena *b);

/* Return the next member key; false at the end. */
static inline bool
audience_reader_next(AudienceReader *r, uint64 *key)
{
	if (likely(r->run_left > 0))
	{
		r->run_left--;
		*key = ++r->prev;
		return true;
	}
	return audience_reader_next_slow(r, key);
}

/* Add one key (greater than every key added before). */
static inline void
audience_builder_add(AudienceBuilder *b, uint64 key)
{
	if (b->have_run && key == b->run_end + 1 && b->run_end != PG_UINT64_MAX)
	{
		b->run_end = key;
		b->count++;
		return;
	}
	audience_builder_add_range(b, key, key);
}

#define DatumGetAudienceP(d)	((struct varlena *) PG_DETOAST_DATUM(d))
#define PG_GETARG_AUDIENCE_P(n) DatumGetAudienceP(PG_GETARG_DATUM(n))

#endif							/* CLIENTELE_AUDIENCE_H */
