/*
 * audience.c — clientele.audience, a compressed set of customer ids, and its
 * set algebra.
 *
 * An audience is what a marketer targets: "champions who speak French and
 * were not contacted this week".  It is a set of bigint ids, usually large
 * (hundreds of thousands) and usually dense in places (ids are handed out by
 * sequences, so whole ranges of them are often members together).
 *
 * The encoding.  Members are kept sorted, as keys in which the sign bit of
 * the id is flipped (so unsigned order is signed order).  The sorted keys are
 * cut into tokens: a token is either one key or a maximal run of consecutive
 * keys, and is written as the variable-length integer (7 bits a byte, high
 * bit = more) of (gap - 1) << 1 | is_run, followed for a run by the varbyte
 * of run_length - 2.  The gap is measured from the previous token's last
 * key.  A sequence-allocated audience of 500,000 consecutive customers is
 * therefore a few bytes; 500,000 ids drawn at random among 1,000,000 cost
 * about one byte each; ids one in a hundred, about two bytes each.
 *
 * Tokens are grouped in blocks of at most AUDIENCE_BLOCK_TOKENS, and a
 * directory records each block's first key and byte offset.  Membership of
 * one id is then a binary search over the directory and the decoding of one
 * block; set operations stream both operands through readers and merge their
 * runs in one pass, O(runs of a + runs of b), writing the result straight
 * into a builder.  A new
 * block also starts when a gap would not fit in 63 bits.
 *
 * The encoding is canonical: runs are maximal and blocks are cut at fixed
 * token counts, so two audiences are equal exactly when their bytes are, and
 * hashing hashes the bytes.  Ordering (for btree) compares the sorted member
 * sequences lexicographically, a prefix sorting first.
 *
 * Untrusted bytes (binary input) go through audience_validated_copy(),
 * which decodes with every check and re-encodes (errors 22P03); stored values are still decoded with bounds checks, and a
 * broken value raises a data-corrupted error instead of reading past its end.
 *
 * Text and binary forms.  The text form lists the members in increasing
 * order, runs of three or more as lo..hi: '{1,5,10..20}'; it is exact and
 * independent of the machine, and the input accepts ids and ranges in any
 * order, with duplicates and overlaps.  The binary form (send/recv) is the
 * encoding itself, version byte first, with the fixed-width header and
 * directory fields little-endian whatever the machine (the varbyte tokens
 * have no byte order); the receive function checks every byte.  Both forms
 * are also the forms of the aggregates' partial states, which are
 * audiences (audience_agg.c), so Citus can ship them between nodes.
 *
 * In memory, the aggregates collect ids in a Judy1 bit set (audience_agg.c),
 * which absorbs ids in any order and removes duplicates before the final
 * sorted walk feeds the builder.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "port/pg_bswap.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "audience.h"

PG_FUNCTION_INFO_V1(clientele_audience_in);
PG_FUNCTION_INFO_V1(clientele_audience_out);
PG_FUNCTION_INFO_V1(clientele_audience_recv);
PG_FUNCTION_INFO_V1(clientele_audience_send);
PG_FUNCTION_INFO_V1(clientele_audience_from_array);
PG_FUNCTION_INFO_V1(clientele_audience_cardinality);
PG_FUNCTION_INFO_V1(clientele_audience_union);
PG_FUNCTION_INFO_V1(clientele_audience_intersect);
PG_FUNCTION_INFO_V1(clientele_audience_except);
PG_FUNCTION_INFO_V1(clientele_audience_contains_id);
PG_FUNCTION_INFO_V1(clientele_audience_id_contained);
PG_FUNCTION_INFO_V1(clientele_audience_contains);
PG_FUNCTION_INFO_V1(clientele_audience_contained);
PG_FUNCTION_INFO_V1(clientele_audience_overlaps);
PG_FUNCTION_INFO_V1(clientele_audience_members);
PG_FUNCTION_INFO_V1(clientele_audience_cmp);
PG_FUNCTION_INFO_V1(clientele_audience_eq);
PG_FUNCTION_INFO_V1(clientele_audience_ne);
PG_FUNCTION_INFO_V1(clientele_audience_lt);
PG_FUNCTION_INFO_V1(clientele_audience_le);
PG_FUNCTION_INFO_V1(clientele_audience_gt);
PG_FUNCTION_INFO_V1(clientele_audience_ge);
PG_FUNCTION_INFO_V1(clientele_audience_hash);
PG_FUNCTION_INFO_V1(clientele_audience_hash_extended);
PG_FUNCTION_INFO_V1(clientele_audience_storage_bytes);

/* Raise the error for a serialised audience that does not decode. */
static void pg_attribute_noreturn()
audience_corrupted(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid audience value: %s", what)));
}

/* Read a little-endian-as-stored uint32/uint64/int64 at p. */
static inline uint32
get_u32(const uint8 *p)
{
	uint32		v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64
get_u64(const uint8 *p)
{
	uint64		v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Number of members, read from the header. */
int64
audience_count(const struct varlena *a)
{
	const uint8 *d = (const uint8 *) VARDATA_ANY(a);
	int64		count;

	if (VARSIZE_ANY_EXHDR(a) < AUDIENCE_HEADER_SIZE)
		audience_corrupted("too short");
	memcpy(&count, d + 8, sizeof(count));
	return count;
}

/* Start reading the members of a serialised audience. */
void
audience_reader_init(AudienceReader *r, const struct varlena *a)
{
	const uint8 *d = (const uint8 *) VARDATA_ANY(a);
	Size		len = VARSIZE_ANY_EXHDR(a);

	if (len < AUDIENCE_HEADER_SIZE)
		audience_corrupted("too short");
	if (d[0] != AUDIENCE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid audience value: unknown format version %d", d[0]),
				 errhint("The value was written by a newer version of clientele.")));
	r->nblocks = get_u32(d + 4);
	memcpy(&r->count, d + 8, sizeof(int64));
	if (r->count < 0 ||
		(Size) r->nblocks > (len - AUDIENCE_HEADER_SIZE) / AUDIENCE_DIR_ENTRY_SIZE)
		audience_corrupted("bad header");
	r->dir = d + AUDIENCE_HEADER_SIZE;
	r->tokens = r->dir + (Size) r->nblocks * AUDIENCE_DIR_ENTRY_SIZE;
	r->end = d + len;
	r->p = r->tokens;
	r->block = 0;
	r->tokens_left = 0;
	r->prev = 0;
	r->run_left = 0;
}

/* Read one varbyte integer, checking the bounds. */
static inline uint64
read_varbyte(const uint8 **pp, const uint8 *end)
{
	const uint8 *p = *pp;
	uint64		v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		c;

		if (p >= end || shift > 63)
			audience_corrupted("truncated token");
		c = *p++;
		v |= ((uint64) (c & 0x7F)) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
	}
	*pp = p;
	return v;
}

/* Open block r->block. */
static void
reader_open_block(AudienceReader *r)
{
	const uint8 *e = r->dir + (Size) r->block * AUDIENCE_DIR_ENTRY_SIZE;
	uint32		offset = get_u32(e + 8);

	if (offset > (Size) (r->end - r->tokens))
		audience_corrupted("block offset out of range");
	r->p = r->tokens + offset;
	r->tokens_left = get_u32(e + 12);
	r->prev = get_u64(e) - 1;
	r->block++;
}

/* Decode the next token (the run fast path is inline in audience.h). */
bool
audience_reader_next_slow(AudienceReader *r, uint64 *key)
{
	uint64		v;
	uint64		start;

	while (r->tokens_left == 0)
	{
		if (r->block >= r->nblocks)
			return false;
		reader_open_block(r);
	}
	v = read_varbyte(&r->p, r->end);
	start = r->prev + (v >> 1) + 1;
	if (v & 1)
		r->run_left = read_varbyte(&r->p, r->end) + 1;
	r->tokens_left--;
	r->prev = start;
	*key = start;
	return true;
}

/* Start an empty builder in the current memory context. */
void
audience_builder_init(AudienceBuilder *b)
{
	initStringInfo(&b->dir);
	initStringInfo(&b->tokens);
	b->nblocks = 0;
	b->block_tokens = 0;
	b->count = 0;
	b->have_run = false;
	b->run_start = b->run_end = b->prev_end = 0;
}

/* Append a varbyte integer (the caller made room for 10 bytes). */
static inline void
write_varbyte(StringInfo s, uint64 v)
{
	uint8	   *p = (uint8 *) s->data + s->len;

	while (v >= 0x80)
	{
		*p++ = (uint8) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8) v;
	s->len = (char *) p - s->data;
	s->data[s->len] = '\0';
}

/* Patch the token count of the open block into its directory entry. */
static void
builder_close_block(AudienceBuilder *b)
{
	if (b->nblocks > 0)
		memcpy(b->dir.data + (Size) (b->nblocks - 1) * AUDIENCE_DIR_ENTRY_SIZE + 12,
			   &b->block_tokens, sizeof(uint32));
}

/* Write the pending run as one token. */
static void
builder_flush(AudienceBuilder *b)
{
	uint64		gap;

	if (!b->have_run)
		return;
	gap = b->run_start - b->prev_end;
	if (b->nblocks == 0 || b->block_tokens >= AUDIENCE_BLOCK_TOKENS ||
		gap - 1 > (PG_UINT64_MAX >> 1))
	{
		uint8		e[AUDIENCE_DIR_ENTRY_SIZE];
		uint32		offset;
		uint32		zero = 0;

		builder_close_block(b);
		if (b->tokens.len > (int) (PG_UINT32_MAX >> 2))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("audience too large")));
		offset = (uint32) b->tokens.len;
		memcpy(e, &b->run_start, 8);
		memcpy(e + 8, &offset, 4);
		memcpy(e + 12, &zero, 4);
		appendBinaryStringInfo(&b->dir, (char *) e, sizeof(e));
		b->nblocks++;
		b->block_tokens = 0;
		b->prev_end = b->run_start - 1;
		gap = 1;
	}
	enlargeStringInfo(&b->tokens, 20);
	if (b->run_end > b->run_start)
	{
		write_varbyte(&b->tokens, ((gap - 1) << 1) | 1);
		write_varbyte(&b->tokens, b->run_end - b->run_start - 1);
	}
	else
		write_varbyte(&b->tokens, (gap - 1) << 1);
	b->block_tokens++;
	b->prev_end = b->run_end;
	b->have_run = false;
}

/* Add the keys start..end (start greater than every key added before). */
void
audience_builder_add_range(AudienceBuilder *b, uint64 start, uint64 end)
{
	uint64		n = end - start + 1;

	Assert(start <= end);
	if (n == 0 || n > (uint64) (PG_INT64_MAX - b->count))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("audience too large"),
				 errdetail("An audience holds at most %lld members.", (long long) PG_INT64_MAX)));
	if (b->have_run && b->run_end != PG_UINT64_MAX && start == b->run_end + 1)
		b->run_end = end;
	else
	{
		builder_flush(b);
		b->have_run = true;
		b->run_start = start;
		b->run_end = end;
	}
	b->count += (int64) n;
}

/* Assemble the serialised audience. */
struct varlena *
audience_builder_finish(AudienceBuilder *b)
{
	Size		size;
	struct varlena *a;
	uint8	   *d;

	builder_flush(b);
	builder_close_block(b);
	size = VARHDRSZ + AUDIENCE_HEADER_SIZE + (Size) b->dir.len + (Size) b->tokens.len;
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("audience too large"),
				 errdetail("Its encoding would take %zu bytes.", size)));
	a = (struct varlena *) palloc0(size);
	SET_VARSIZE(a, size);
	d = (uint8 *) VARDATA(a);
	d[0] = AUDIENCE_VERSION;
	memcpy(d + 4, &b->nblocks, 4);
	memcpy(d + 8, &b->count, 8);
	memcpy(d + AUDIENCE_HEADER_SIZE, b->dir.data, b->dir.len);
	memcpy(d + AUDIENCE_HEADER_SIZE + b->dir.len, b->tokens.data, b->tokens.len);
	pfree(b->dir.data);
	pfree(b->tokens.data);
	return a;
}

/* Raise the binary-input error for untrusted bytes that are not an audience. */
static void pg_attribute_noreturn()
audience_bad_binary(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary audience: %s", what),
			 errhint("Send the bytes produced by audience_send (format version %d).", AUDIENCE_VERSION)));
}

/* Read one varbyte integer of untrusted bytes. */
static inline uint64
read_varbyte_untrusted(const uint8 **pp, const uint8 *end)
{
	const uint8 *p = *pp;
	uint64		v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		c;

		if (p >= end)
			audience_bad_binary("truncated token");
		c = *p++;
		if (shift == 63 ? c > 1 : shift > 63)
			audience_bad_binary("token overflows 64 bits");
		v |= ((uint64) (c & 0x7F)) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
	}
	*pp = p;
	return v;
}

/*
 * Decode untrusted bytes with every check and return the canonical
 * encoding: the header, the directory (contiguous, never empty blocks of at
 * most AUDIENCE_BLOCK_TOKENS tokens), increasing members without overlap,
 * no trailing byte, and the member count of the header.
 */
struct varlena *
audience_validated_copy(const struct varlena *a)
{
	const uint8 *d = (const uint8 *) VARDATA_ANY(a);
	Size		len = VARSIZE_ANY_EXHDR(a);
	const uint8 *dir,
			   *tokens,
			   *end,
			   *p;
	AudienceBuilder b;
	uint64		last_end = 0;
	bool		have_last = false;
	uint32		nblocks,
				i;
	int64		count;

	if (len < AUDIENCE_HEADER_SIZE)
		audience_bad_binary("shorter than the header");
	if (d[0] != AUDIENCE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary audience: unknown format version %d", d[0]),
				 errhint("The value was written by a newer version of clientele.")));
	if (d[1] != 0 || d[2] != 0 || d[3] != 0)
		audience_bad_binary("reserved header bytes are not zero");
	nblocks = get_u32(d + 4);
	memcpy(&count, d + 8, sizeof(int64));
	if (count < 0)
		audience_bad_binary("negative member count");
	if ((Size) nblocks > (len - AUDIENCE_HEADER_SIZE) / AUDIENCE_DIR_ENTRY_SIZE)
		audience_bad_binary("block directory longer than the value");
	if ((nblocks == 0) != (count == 0))
		audience_bad_binary("member count does not match the blocks");
	dir = d + AUDIENCE_HEADER_SIZE;
	tokens = dir + (Size) nblocks * AUDIENCE_DIR_ENTRY_SIZE;
	end = d + len;
	audience_builder_init(&b);
	p = tokens;
	for (i = 0; i < nblocks; i++)
	{
		const uint8 *e = dir + (Size) i * AUDIENCE_DIR_ENTRY_SIZE;
		uint64		first = get_u64(e);
		uint32		ntokens = get_u32(e + 12);
		uint64		prev = first - 1;
		uint32		t;

		/* blocks are contiguous and never empty */
		if (get_u32(e + 8) != (uint32) (p - tokens) || ntokens == 0 ||
			ntokens > AUDIENCE_BLOCK_TOKENS)
			audience_bad_binary("bad block directory");
		CHECK_FOR_INTERRUPTS();
		for (t = 0; t < ntokens; t++)
		{
			uint64		v = read_varbyte_untrusted(&p, end);
			uint64		gap = (v >> 1) + 1;
			uint64		start,
						stop;

			if (t == 0 ? gap != 1 : gap > PG_UINT64_MAX - prev)
				audience_bad_binary("bad gap");
			start = prev + gap;
			stop = start;
			if (v & 1)
			{
				uint64		extra = read_varbyte_untrusted(&p, end);

				if (extra >= PG_UINT64_MAX - start)
					audience_bad_binary("run past the largest id");
				stop = start + extra + 1;
			}
			if (have_last && start <= last_end)
				audience_bad_binary("members out of order");
			if ((uint64) (stop - start) >= (uint64) (PG_INT64_MAX - b.count))
				audience_bad_binary("more members than the header says");
			audience_builder_add_range(&b, start, stop);
			last_end = prev = stop;
			have_last = true;
		}
	}
	if (p != end)
		audience_bad_binary("trailing bytes");
	if (b.count != count)
		audience_bad_binary("member count does not match the header");
	return audience_builder_finish(&b);
}

/*
 * Convert the fixed-width fields of an encoding between the machine's
 * byte order and little-endian, the byte order of the binary form (the
 * varbyte tokens have none).  A no-op on little-endian machines; len must
 * have been checked against the directory size.
 */
static void
audience_fix_byte_order(uint8 *d, Size len, bool to_native)
{
#ifdef WORDS_BIGENDIAN
	uint32		nblocks;
	uint32		i;
	uint32		u32;
	uint64		u64;

	if (len < AUDIENCE_HEADER_SIZE)
		return;
	memcpy(&u32, d + 4, 4);
	nblocks = to_native ? pg_bswap32(u32) : u32;
	u32 = pg_bswap32(u32);
	memcpy(d + 4, &u32, 4);
	memcpy(&u64, d + 8, 8);
	u64 = pg_bswap64(u64);
	memcpy(d + 8, &u64, 8);
	for (i = 0; i < nblocks && (Size) i < (len - AUDIENCE_HEADER_SIZE) / AUDIENCE_DIR_ENTRY_SIZE; i++)
	{
		uint8	   *e = d + AUDIENCE_HEADER_SIZE + (Size) i * AUDIENCE_DIR_ENTRY_SIZE;

		memcpy(&u64, e, 8);
		u64 = pg_bswap64(u64);
		memcpy(e, &u64, 8);
		memcpy(&u32, e + 8, 4);
		u32 = pg_bswap32(u32);
		memcpy(e + 8, &u32, 4);
		memcpy(&u32, e + 12, 4);
		u32 = pg_bswap32(u32);
		memcpy(e + 12, &u32, 4);
	}
#else
	(void) d;
	(void) len;
	(void) to_native;
#endif
}

/* ---------------------------------------------------------------------
 * Text and binary I/O
 * ---------------------------------------------------------------------
 */

typedef struct KeyRange
{
	uint64		start;
	uint64		end;
} KeyRange;

/* qsort comparator of key ranges by start. */
static int
keyrange_cmp(const void *a, const void *b)
{
	const KeyRange *x = a;
	const KeyRange *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

/* Build an audience from ranges in any order, overlapping or not. */
static struct varlena *
audience_from_ranges(KeyRange *ranges, Size n)
{
	AudienceBuilder b;
	Size		i;
	bool		have = false;
	uint64		cur_start = 0,
				cur_end = 0;

	if (n > 1)
		qsort(ranges, n, sizeof(KeyRange), keyrange_cmp);
	audience_builder_init(&b);
	for (i = 0; i < n; i++)
	{
		if (have && (ranges[i].start <= cur_end ||
					 (cur_end != PG_UINT64_MAX && ranges[i].start == cur_end + 1)))
		{
			if (ranges[i].end > cur_end)
				cur_end = ranges[i].end;
			continue;
		}
		if (have)
			audience_builder_add_range(&b, cur_start, cur_end);
		cur_start = ranges[i].start;
		cur_end = ranges[i].end;
		have = true;
	}
	if (have)
		audience_builder_add_range(&b, cur_start, cur_end);
	return audience_builder_finish(&b);
}

/* Raise the text-input syntax error at position p of s. */
static void pg_attribute_noreturn()
audience_syntax_error(const char *s, const char *p, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type audience: \"%s\"", s),
			 errdetail("Expected %s at character %d.", expected, (int) (p - s) + 1),
			 errhint("Write ids and ranges between braces, such as '{1,5,10..20}'.")));
}

/* Parse a signed 64-bit integer at *pp. */
static int64
parse_id(const char *s, const char **pp)
{
	const char *p = *pp;
	bool		neg = false;
	uint64		v = 0;
	const char *digits;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	digits = p;
	while (*p >= '0' && *p <= '9')
	{
		uint64		d = (uint64) (*p - '0');

		if (v > (PG_UINT64_MAX - d) / 10)
			goto out_of_range;
		v = v * 10 + d;
		p++;
	}
	if (p == digits)
		audience_syntax_error(s, p, "an id");
	if ((!neg && v > (uint64) PG_INT64_MAX) || (neg && v > (uint64) PG_INT64_MAX + 1))
		goto out_of_range;
	*pp = p;
	return neg ? (int64) (0 - v) : (int64) v;

out_of_range:
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value \"%.*s\" is out of range for an audience member",
					(int) strspn(*pp, "+-0123456789"), *pp),
			 errdetail("Members are bigint ids.")));
}

/* Skip white space. */
static inline const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Text input: '{1,2,5..9}' in any order, duplicates and overlaps allowed. */
Datum
clientele_audience_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);
	const char *p = skip_space(s);
	KeyRange   *ranges;
	Size		n = 0,
				cap = 64;

	if (*p != '{')
		audience_syntax_error(s, p, "\"{\"");
	p = skip_space(p + 1);
	ranges = palloc(cap * sizeof(KeyRange));
	if (*p != '}')
	{
		for (;;)
		{
			int64		lo,
						hi;

			lo = parse_id(s, &p);
			p = skip_space(p);
			hi = lo;
			if (p[0] == '.' && p[1] == '.')
			{
				p = skip_space(p + 2);
				hi = parse_id(s, &p);
				p = skip_space(p);
				if (hi < lo)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid input syntax for type audience: \"%s\"", s),
							 errdetail("Range %lld..%lld is empty.", (long long) lo, (long long) hi),
							 errhint("Write a range from its smallest id to its largest.")));
			}
			if (n == cap)
			{
				cap *= 2;
				ranges = repalloc_huge(ranges, cap * sizeof(KeyRange));
			}
			ranges[n].start = audience_key(lo);
			ranges[n].end = audience_key(hi);
			n++;
			if (*p == ',')
			{
				p = skip_space(p + 1);
				continue;
			}
			if (*p == '}')
				break;
			audience_syntax_error(s, p, "\",\", \"..\" or \"}\"");
		}
	}
	p = skip_space(p + 1);
	if (*p != '\0')
		audience_syntax_error(s, p, "the end of the value");
	PG_RETURN_POINTER(audience_from_ranges(ranges, n));
}

static inline bool reader_next_run(AudienceReader *r, uint64 *start, uint64 *end);

/* Append one range of members: lo..hi for three or more, else the ids. */
static void
append_range(StringInfo buf, uint64 lo, uint64 hi, bool first)
{
	if (!first)
		appendStringInfoChar(buf, ',');
	if (hi - lo >= 2)
		appendStringInfo(buf, INT64_FORMAT ".." INT64_FORMAT, audience_id(lo), audience_id(hi));
	else if (hi == lo)
		appendStringInfo(buf, INT64_FORMAT, audience_id(lo));
	else
		appendStringInfo(buf, INT64_FORMAT "," INT64_FORMAT, audience_id(lo), audience_id(hi));
}

/*
 * Text output: sorted ids, runs of three or more as lo..hi.  Walks the
 * tokens (runs), not the members, so a run of any length costs one step.
 */
Datum
clientele_audience_out(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_AUDIENCE_P(0);
	AudienceReader r;
	StringInfoData buf;
	uint64		start,
				end;
	bool		have = false;
	uint64		lo = 0,
				hi = 0;
	bool		first = true;
	uint32		steps = 0;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	audience_reader_init(&r, a);
	while (reader_next_run(&r, &start, &end))
	{
		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (have && hi != PG_UINT64_MAX && start == hi + 1)
		{
			hi = end;			/* adjacent tokens: one range */
			continue;
		}
		if (have)
		{
			append_range(&buf, lo, hi, first);
			first = false;
		}
		have = true;
		lo = start;
		hi = end;
	}
	if (have)
		append_range(&buf, lo, hi, first);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* Binary input: the little-endian encoding, validated and re-encoded. */
Datum
clientele_audience_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			len = msg->len - msg->cursor;
	struct varlena *raw = palloc(VARHDRSZ + len);

	SET_VARSIZE(raw, VARHDRSZ + len);
	pq_copymsgbytes(msg, VARDATA(raw), len);
	audience_fix_byte_order((uint8 *) VARDATA(raw), len, true);
	PG_RETURN_POINTER(audience_validated_copy(raw));
}

/* Binary output: the encoding, its fixed-width fields little-endian. */
Datum
clientele_audience_send(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_AUDIENCE_P(0);
	StringInfoData buf;
	Size		len = VARSIZE_ANY_EXHDR(a);

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(a), len);
	audience_fix_byte_order((uint8 *) buf.data + VARHDRSZ, len, false);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* audience(bigint[]): the set of the array's non-NULL elements. */
Datum
clientele_audience_from_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	Size		m = 0;
	KeyRange   *ranges;

	deconstruct_array(arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	ranges = palloc(Max(n, 1) * sizeof(KeyRange));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			continue;
		ranges[m].start = ranges[m].end = audience_key(DatumGetInt64(elems[i]));
		m++;
	}
	PG_RETURN_POINTER(audience_from_ranges(ranges, m));
}

/* cardinality(audience): number of members. */
Datum
clientele_audience_cardinality(PG_FUNCTION_ARGS)
{
	struct varlena *a = (struct varlena *) PG_DETOAST_DATUM_SLICE(PG_GETARG_DATUM(0), 0,
																  AUDIENCE_HEADER_SIZE);

	PG_RETURN_INT64(audience_count(a));
}

/* storage_bytes(audience): size of the serialised value. */
Datum
clientele_audience_storage_bytes(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_AUDIENCE_P(0);

	PG_RETURN_INT32(VARSIZE_ANY(a));
}

/* ---------------------------------------------------------------------
 * Set algebra: one merge pass over both operands
 * ---------------------------------------------------------------------
 */

typedef enum AudienceSetOp
{
	AUD_UNION,
	AUD_INTERSECT,
	AUD_EXCEPT
} AudienceSetOp;

/* Return the next token as the range [*start, *end]; false at the end. */
static inline bool
reader_next_run(AudienceReader *r, uint64 *start, uint64 *end)
{
	uint64		k;

	Assert(r->run_left == 0);
	if (!audience_reader_next_slow(r, &k))
		return false;
	*start = k;
	*end = k + r->run_left;
	r->prev = *end;
	r->run_left = 0;
	return true;
}

/*
 * Merge two audiences with a set operation.  The merge walks tokens, that
 * is ranges of consecutive ids, not ids: its cost is the number of runs,
 * and an audience of a million consecutive customers is one step.
 */
static struct varlena *
audience_setop(const struct varlena *a, const struct varlena *b, AudienceSetOp op)
{
	AudienceReader ra,
				rb;
	AudienceBuilder out;
	uint64		as = 0,
				ae = 0,
				bs = 0,
				be = 0;
	bool		ha,
				hb;
	uint32		steps = 0;

	audience_reader_init(&ra, a);
	audience_reader_init(&rb, b);
	audience_builder_init(&out);
	ha = reader_next_run(&ra, &as, &ae);
	hb = reader_next_run(&rb, &bs, &be);
	if (op == AUD_INTERSECT)
	{
		while (ha && hb)
		{
			uint64		lo = Max(as, bs),
						hi = Min(ae, be);

			if ((++steps & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (lo <= hi)
				audience_builder_add_range(&out, lo, hi);
			if (ae < be)
				ha = reader_next_run(&ra, &as, &ae);
			else if (be < ae)
				hb = reader_next_run(&rb, &bs, &be);
			else
			{
				ha = reader_next_run(&ra, &as, &ae);
				hb = reader_next_run(&rb, &bs, &be);
			}
		}
	}
	else if (op == AUD_EXCEPT)
	{
		/* [as, ae] is what is left of a's current range */
		while (ha)
		{
			if ((++steps & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (!hb || ae < bs)
			{
				audience_builder_add_range(&out, as, ae);
				ha = reader_next_run(&ra, &as, &ae);
			}
			else if (be < as)
				hb = reader_next_run(&rb, &bs, &be);
			else
			{
				/* they overlap: keep the part of a before b, cut the rest */
				if (as < bs)
					audience_builder_add_range(&out, as, bs - 1);
				if (ae <= be)
					ha = reader_next_run(&ra, &as, &ae);
				else
				{
					as = be + 1;
					hb = reader_next_run(&rb, &bs, &be);
				}
			}
		}
	}
	else
	{
		/* union: take ranges by start, coalescing overlaps */
		bool		have = false;
		uint64		cs = 0,
					ce = 0;

		while (ha || hb)
		{
			uint64		s,
						e;

			if ((++steps & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (ha && (!hb || as <= bs))
			{
				s = as;
				e = ae;
				ha = reader_next_run(&ra, &as, &ae);
			}
			else
			{
				s = bs;
				e = be;
				hb = reader_next_run(&rb, &bs, &be);
			}
			if (have && (s <= ce || (ce != PG_UINT64_MAX && s == ce + 1)))
			{
				if (e > ce)
					ce = e;
				continue;
			}
			if (have)
				audience_builder_add_range(&out, cs, ce);
			cs = s;
			ce = e;
			have = true;
		}
		if (have)
			audience_builder_add_range(&out, cs, ce);
	}
	return audience_builder_finish(&out);
}

/* The union of two serialised audiences (for the aggregates). */
struct varlena *
audience_union_of(const struct varlena *a, const struct varlena *b)
{
	return audience_setop(a, b, AUD_UNION);
}

/* a | b */
Datum
clientele_audience_union(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(audience_setop(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1), AUD_UNION));
}

/* a & b */
Datum
clientele_audience_intersect(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(audience_setop(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1), AUD_INTERSECT));
}

/* a - b */
Datum
clientele_audience_except(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(audience_setop(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1), AUD_EXCEPT));
}

/* Is key a member?  Binary search of the directory, then one block. */
static bool
audience_has_key(const struct varlena *a, uint64 key)
{
	AudienceReader r;
	uint32		lo,
				hi;
	uint64		k;

	audience_reader_init(&r, a);
	if (r.nblocks == 0 || get_u64(r.dir) > key)
		return false;
	/* the last block whose first key is <= key */
	lo = 0;
	hi = r.nblocks - 1;
	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo + 1) / 2;

		if (get_u64(r.dir + (Size) mid * AUDIENCE_DIR_ENTRY_SIZE) <= key)
			lo = mid;
		else
			hi = mid - 1;
	}
	r.block = lo;
	reader_open_block(&r);
	while (r.tokens_left > 0)
	{
		if (!audience_reader_next_slow(&r, &k))
			break;
		if (k == key)
			return true;
		if (k > key)
			return false;
		if (r.run_left > 0)
		{
			if (key - k <= r.run_left)
				return true;
			r.prev = k + r.run_left;
			r.run_left = 0;
		}
	}
	return false;
}

/* a @> id */
Datum
clientele_audience_contains_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_has_key(PG_GETARG_AUDIENCE_P(0), audience_key(PG_GETARG_INT64(1))));
}

/* id <@ a */
Datum
clientele_audience_id_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_has_key(PG_GETARG_AUDIENCE_P(1), audience_key(PG_GETARG_INT64(0))));
}

/* Is every member of b a member of a?  Each run of b must lie in one run of a. */
static bool
audience_is_superset(const struct varlena *a, const struct varlena *b)
{
	AudienceReader ra,
				rb;
	uint64		as = 0,
				ae = 0,
				bs = 0,
				be = 0;
	bool		ha;
	uint32		steps = 0;

	if (audience_count(b) > audience_count(a))
		return false;
	audience_reader_init(&ra, a);
	audience_reader_init(&rb, b);
	ha = reader_next_run(&ra, &as, &ae);
	while (reader_next_run(&rb, &bs, &be))
	{
		if ((++steps & 0xFFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		while (ha && ae < bs)
			ha = reader_next_run(&ra, &as, &ae);
		if (!ha || as > bs || ae < be)
			return false;
	}
	return true;
}

/* a @> b */
Datum
clientele_audience_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_is_superset(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)));
}

/* a <@ b */
Datum
clientele_audience_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_is_superset(PG_GETARG_AUDIENCE_P(1), PG_GETARG_AUDIENCE_P(0)));
}

/* a && b: do they share a member? */
Datum
clientele_audience_overlaps(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_AUDIENCE_P(0);
	struct varlena *b = PG_GETARG_AUDIENCE_P(1);
	AudienceReader ra,
				rb;
	uint64		as = 0,
				ae = 0,
				bs = 0,
				be = 0;
	bool		ha,
				hb;
	uint32		steps = 0;

	audience_reader_init(&ra, a);
	audience_reader_init(&rb, b);
	ha = reader_next_run(&ra, &as, &ae);
	hb = reader_next_run(&rb, &bs, &be);
	while (ha && hb)
	{
		if ((++steps & 0xFFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (Max(as, bs) <= Min(ae, be))
			PG_RETURN_BOOL(true);
		if (ae < be)
			ha = reader_next_run(&ra, &as, &ae);
		else
			hb = reader_next_run(&rb, &bs, &be);
	}
	PG_RETURN_BOOL(false);
}

/* audience_members(a): one row per member id, in increasing order. */
Datum
clientele_audience_members(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	AudienceReader *r;
	uint64		key;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		r = palloc(sizeof(AudienceReader));
		/* the detoasted copy lives as long as the reader */
		audience_reader_init(r, PG_GETARG_AUDIENCE_P(0));
		funcctx->user_fctx = r;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	r = funcctx->user_fctx;
	if (audience_reader_next(r, &key))
		SRF_RETURN_NEXT(funcctx, Int64GetDatum(audience_id(key)));
	SRF_RETURN_DONE(funcctx);
}

/* Compare the sorted member sequences lexicographically. */
static int
audience_compare(const struct varlena *a, const struct varlena *b)
{
	AudienceReader ra,
				rb;
	uint64		x = 0,
				y = 0;
	uint32		steps = 0;

	if (VARSIZE_ANY(a) == VARSIZE_ANY(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0)
		return 0;
	audience_reader_init(&ra, a);
	audience_reader_init(&rb, b);
	for (;;)
	{
		bool		hx = audience_reader_next(&ra, &x);
		bool		hy = audience_reader_next(&rb, &y);

		if ((++steps & 0xFFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (!hx || !hy)
			return hx == hy ? 0 : (hx ? 1 : -1);
		if (x != y)
			return x < y ? -1 : 1;
	}
}

/* Equality of canonical encodings. */
static bool
audience_equal(const struct varlena *a, const struct varlena *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* btree support: -1, 0 or 1. */
Datum
clientele_audience_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(audience_compare(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)));
}

/* a = b */
Datum
clientele_audience_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_equal(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)));
}

/* a <> b */
Datum
clientele_audience_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!audience_equal(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)));
}

/* a < b */
Datum
clientele_audience_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_compare(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)) < 0);
}

/* a <= b */
Datum
clientele_audience_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_compare(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)) <= 0);
}

/* a > b */
Datum
clientele_audience_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_compare(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)) > 0);
}

/* a >= b */
Datum
clientele_audience_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(audience_compare(PG_GETARG_AUDIENCE_P(0), PG_GETARG_AUDIENCE_P(1)) >= 0);
}

/* hash support: hash of the canonical bytes. */
Datum
clientele_audience_hash(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_AUDIENCE_P(0);

	return hash_any((const unsigned char *) VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a));
}

/* Extended hash support, with a seed. */
Datum
clientele_audience_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *a = PG_GETARG_AUDIENCE_P(0);

	return hash_any_extended((const unsigned char *) VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
							 PG_GETARG_INT64(1));
}
