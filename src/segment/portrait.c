/*
 * portrait.c — the portrait of a segment: which attribute values are over-
 * or under-represented in it compared with the whole population.
 *
 * clientele.portrait(in_segment, attributes) is an aggregate over one row
 * per customer: in_segment says whether the customer belongs to the
 * segment, attributes is a JSON object of their attributes (typically
 * to_jsonb(c) - 'customer_id' for a row c of a customers table).  For every
 * (attribute, value) pair it counts the customers of the segment (k) and
 * of the population (n_v) that have it; with S customers in the segment
 * and N in all, each pair gets
 *   segment_share = k / S, population_share = n_v / N,
 *   lift = segment_share / population_share,
 * and the two-proportion z statistic comparing the segment with the rest
 * of the population (the customers outside it):
 *   p1 = k / S, p2 = (n_v - k) / (N - S), pooled p = n_v / N,
 *   z = (p1 - p2) / sqrt(p (1 - p) (1/S + 1/(N - S))),
 * with its two-sided p-value erfc(|z| / sqrt 2).  z^2 is Pearson's
 * chi-square statistic of the 2x2 table (in the segment or not, has the
 * value or not), so the test is the chi-square test of independence; it
 * is undefined (NULL) when the segment is empty or is everyone, or when
 * every customer or none has the value.  The result is an array of
 * clientele.portrait_line sorted by interest: z descending (the most
 * significantly over-represented values first, the most under-represented
 * last), NULL z at the end, then attribute and value.
 *
 * Values.  JSON strings are taken as they are, numbers and booleans in
 * their JSON text, nested arrays and objects as their JSON text, and JSON
 * null as a SQL NULL value (missing data can be a trait of a segment).
 * Rows whose in_segment is NULL are skipped; a NULL attributes object
 * counts the customer in S and N but adds no value.  Numeric attributes
 * with many distinct values should be binned first (width_bucket): the
 * state holds at most 100,000 distinct pairs.
 *
 * The state, clientele.portrait_state.  So that Citus can distribute the
 * aggregate (it prints each shard's partial state with the state type's
 * output function and reads it back on the coordinator with its input
 * function), the state is a real type with an exact text form, not
 * `internal`.  While rows arrive it is a read-write expanded object
 * (utils/expandeddatum.h): a PortraitState header in a memory context of
 * its own, a child of the aggregate context, holding a hash table
 * (simplehash) of pairs with their two counts.  nodeAgg (and Citus, which
 * mirrors it) keeps such a state without copying it and passes it back to
 * the next call, which updates the table in place, so a row costs what it
 * cost with an `internal` state.  The combine function adds the right
 * state's pairs to the left one (a new state in the aggregate context when
 * the left is NULL or not its own read-write object; the right one is only
 * read).
 *
 * The flat form, written when the state leaves its process (a parallel
 * worker's or a shard's partial state) and cached in the object until the
 * next change: version byte (PORTRAIT_FORMAT_VERSION), S, N and the pair
 * count as int64, then per pair: int32 attribute length, attribute bytes,
 * a byte 1 when there is a value (0 for JSON null), int32 value length and
 * value bytes when there is one, int64 k, int64 n_v.  Integers are
 * big-endian (network order), so the binary form (send/recv, the flat
 * bytes) is the same on every machine.  Pairs are sorted by attribute, then
 * null value first, then value (bytewise, a prefix first), which makes the
 * form canonical: equal states have equal bytes and equal texts.
 *
 * The text form is a JSON object, exact:
 *   {"version": 1, "segment": S, "population": N,
 *    "pairs": [[attribute, value or null, k, n_v], ...]}
 * with the pairs in the same order.  Input and receive check everything
 * (version, types, integers without fraction or exponent overflow, counts
 * 0 <= k <= n_v, 1 <= n_v, k <= S, n_v - k <= N - S, S <= N, at most
 * PORTRAIT_MAX_PAIRS pairs, strictly increasing pairs, valid encoding and
 * no NUL byte in the strings), with 22P02 for text that is not such an
 * object, 22023 for impossible contents and 22P03 for bad binary input.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(clientele_portrait_trans);
PG_FUNCTION_INFO_V1(clientele_portrait_combine);
PG_FUNCTION_INFO_V1(clientele_portrait_final);
PG_FUNCTION_INFO_V1(clientele_portrait_state_in);
PG_FUNCTION_INFO_V1(clientele_portrait_state_out);
PG_FUNCTION_INFO_V1(clientele_portrait_state_recv);
PG_FUNCTION_INFO_V1(clientele_portrait_state_send);

#define PORTRAIT_MAX_PAIRS	100000
#define PORTRAIT_FORMAT_VERSION 1

/* A pair's key: int32 attribute length, attribute, a null flag byte, value. */
typedef struct PairKey
{
	const char *data;
	int32		len;
} PairKey;

typedef struct PairEntry
{
	PairKey		key;
	uint32		hash;
	char		status;
	int64		in_segment;
	int64		total;
} PairEntry;

#define SH_PREFIX pairtab
#define SH_ELEMENT_TYPE PairEntry
#define SH_KEY_TYPE PairKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).data, (k).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) (a)->hash
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct PortraitState
{
	ExpandedObjectHeader hdr;	/* the state is an expanded object in memory */
	int64		segment;		/* S */
	int64		population;		/* N */
	int64		pairs;
	pairtab_hash *tab;
	MemoryContext cxt;			/* hdr.eoh_context: table, keys, scratch */
	StringInfoData scratch;
	struct varlena *flat;		/* cached flat form, NULL when stale */
} PortraitState;

/* One pair's attribute and value (value NULL for JSON null), as views. */
typedef struct PairView
{
	const char *attr;
	int32		attrlen;
	const char *value;
	int32		valuelen;
} PairView;

static Size portrait_get_flat_size(ExpandedObjectHeader *eohptr);
static void portrait_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods portrait_methods = {
	portrait_get_flat_size,
	portrait_flatten_into
};

/* A new empty state: an expanded object in a child context of parent. */
static PortraitState *
portrait_new(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "portrait state", ALLOCSET_DEFAULT_SIZES);
	PortraitState *s = MemoryContextAllocZero(cxt, sizeof(PortraitState));
	MemoryContext old = MemoryContextSwitchTo(cxt);

	EOH_init_header(&s->hdr, &portrait_methods, cxt);
	s->cxt = cxt;
	s->tab = pairtab_create(cxt, 256, NULL);
	initStringInfo(&s->scratch);
	MemoryContextSwitchTo(old);
	return s;
}

/* Drop the cached flat form of a state about to change. */
static inline void
portrait_changed(PortraitState *s)
{
	if (unlikely(s->flat != NULL))
	{
		pfree(s->flat);
		s->flat = NULL;
	}
}

/* Add counts to the pair whose key is (data, len), copying the key when new. */
static void
portrait_add(PortraitState *s, const char *data, int32 len, int64 in_segment, int64 total)
{
	PairKey		k = {data, len};
	bool		found;
	PairEntry  *e = pairtab_insert(s->tab, k, &found);

	if (!found)
	{
		char	   *copy;

		if (++s->pairs > PORTRAIT_MAX_PAIRS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("segment portrait has more than %d distinct attribute values", PORTRAIT_MAX_PAIRS),
					 errhint("Bin numeric attributes (width_bucket) and leave identifiers out of the attributes.")));
		copy = MemoryContextAlloc(s->cxt, len);
		memcpy(copy, data, len);
		e->key.data = copy;
		e->key.len = len;
		e->in_segment = 0;
		e->total = 0;
	}
	e->in_segment += in_segment;
	e->total += total;
}

/* Build the key of (attribute, value) in s->scratch; value NULL for JSON null. */
static void
make_key(PortraitState *s, const char *attr, int attrlen, const char *value, int valuelen)
{
	StringInfo	b = &s->scratch;
	int32		l = attrlen;

	resetStringInfo(b);
	appendBinaryStringInfo(b, (char *) &l, sizeof(int32));
	appendBinaryStringInfo(b, attr, attrlen);
	appendStringInfoChar(b, value ? 1 : 0);
	if (value)
		appendBinaryStringInfo(b, value, valuelen);
}

/* The attribute and value of a pair's key. */
static void
pair_view(const PairEntry *e, PairView *v)
{
	memcpy(&v->attrlen, e->key.data, sizeof(int32));
	v->attr = e->key.data + 4;
	if (e->key.data[4 + v->attrlen])
	{
		v->value = e->key.data + 5 + v->attrlen;
		v->valuelen = e->key.len - 5 - v->attrlen;
	}
	else
	{
		v->value = NULL;
		v->valuelen = 0;
	}
}

/* Bytewise comparison, a prefix first. */
static int
bytes_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* The order of the flat form: attribute, then null value first, then value. */
static int
pair_view_cmp(const PairView *a, const PairView *b)
{
	int			c = bytes_cmp(a->attr, a->attrlen, b->attr, b->attrlen);

	if (c != 0)
		return c;
	if ((a->value == NULL) != (b->value == NULL))
		return a->value == NULL ? -1 : 1;
	if (a->value == NULL)
		return 0;
	return bytes_cmp(a->value, a->valuelen, b->value, b->valuelen);
}

/* qsort comparator of pair entries in the order of the flat form. */
static int
entry_flat_cmp(const void *pa, const void *pb)
{
	PairView	a,
				b;

	pair_view(*(PairEntry *const *) pa, &a);
	pair_view(*(PairEntry *const *) pb, &b);
	return pair_view_cmp(&a, &b);
}

/* Append one pair in the flat layout. */
static void
flat_append_pair(StringInfo buf, const PairView *v, int64 k, int64 n)
{
	pq_sendint32(buf, v->attrlen);
	pq_sendbytes(buf, v->attr, v->attrlen);
	pq_sendbyte(buf, v->value != NULL ? 1 : 0);
	if (v->value != NULL)
	{
		pq_sendint32(buf, v->valuelen);
		pq_sendbytes(buf, v->value, v->valuelen);
	}
	pq_sendint64(buf, k);
	pq_sendint64(buf, n);
}

/* Start a flat value in buf: varlena header room, version, S, N, pair count. */
static void
flat_begin(StringInfo buf, int64 segment, int64 population, int64 pairs)
{
	initStringInfo(buf);
	appendStringInfoSpaces(buf, VARHDRSZ);
	pq_sendbyte(buf, PORTRAIT_FORMAT_VERSION);
	pq_sendint64(buf, segment);
	pq_sendint64(buf, population);
	pq_sendint64(buf, pairs);
}

/* The flat form of a state, built into its context when missing. */
static struct varlena *
portrait_flat(PortraitState *s)
{
	if (s->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(s->cxt);
		PairEntry **entries = palloc(sizeof(PairEntry *) * Max(s->pairs, 1));
		pairtab_iterator iter;
		PairEntry  *e;
		StringInfoData buf;
		int64		n = 0,
					i;

		pairtab_start_iterate(s->tab, &iter);
		while ((e = pairtab_iterate(s->tab, &iter)) != NULL)
			entries[n++] = e;
		Assert(n == s->pairs);
		qsort(entries, n, sizeof(PairEntry *), entry_flat_cmp);
		flat_begin(&buf, s->segment, s->population, n);
		for (i = 0; i < n; i++)
		{
			PairView	v;

			pair_view(entries[i], &v);
			flat_append_pair(&buf, &v, entries[i]->in_segment, entries[i]->total);
		}
		SET_VARSIZE(buf.data, buf.len);
		s->flat = (struct varlena *) buf.data;
		pfree(entries);
		MemoryContextSwitchTo(old);
	}
	return s->flat;
}

/* Expanded-object method: size of the flat form. */
static Size
portrait_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(portrait_flat((PortraitState *) eohptr));
}

/* Expanded-object method: write the flat form. */
static void
portrait_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	struct varlena *flat = portrait_flat((PortraitState *) eohptr);

	Assert(allocated_size == VARSIZE(flat));
	memcpy(result, flat, allocated_size);
}

/* Report an invalid state with the given SQLSTATE. */
static void pg_attribute_noreturn()
bad_state(int sqlstate, const char *why)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid segment portrait state"),
			 errdetail("%s", why)));
}

/* Reader of flat bytes, checking each length against the bytes left. */
typedef struct FlatReader
{
	const uint8 *p;
	const uint8 *end;
	int			sqlstate;
} FlatReader;

/* Take n bytes; an error when fewer are left. */
static const uint8 *
flat_take(FlatReader *r, Size n, const char *what)
{
	const uint8 *p = r->p;

	if ((Size) (r->end - r->p) < n)
		bad_state(r->sqlstate, what);
	r->p += n;
	return p;
}

/* A big-endian int64. */
static int64
flat_int64(FlatReader *r, const char *what)
{
	uint64		v;

	memcpy(&v, flat_take(r, 8, what), 8);
	return (int64) pg_ntoh64(v);
}

/* A big-endian int32. */
static int32
flat_int32(FlatReader *r, const char *what)
{
	uint32		v;

	memcpy(&v, flat_take(r, 4, what), 4);
	return (int32) pg_ntoh32(v);
}

/* A length-prefixed string, checked for NUL bytes and the database encoding. */
static const char *
flat_string(FlatReader *r, int32 *len, const char *what)
{
	const char *str;

	*len = flat_int32(r, what);
	if (*len < 0)
		bad_state(r->sqlstate, "A string length is negative.");
	str = (const char *) flat_take(r, *len, what);
	if (memchr(str, '\0', *len) != NULL || !pg_verifymbstr(str, *len, true))
		bad_state(r->sqlstate, "A string has a NUL byte or is not in the database encoding.");
	return str;
}

typedef void (*PairVisitor) (void *arg, const PairView *v, int64 k, int64 n);

/*
 * Check flat bytes completely (errors with the given SQLSTATE) and hand each
 * pair to visit (when not NULL); returns S, N and the pair count.
 */
static void
portrait_read_flat(const char *data, Size len, int sqlstate, int64 *segment, int64 *population,
				   int64 *pairs, PairVisitor visit, void *arg)
{
	FlatReader	r = {(const uint8 *) data, (const uint8 *) data + len, sqlstate};
	PairView	prev = {0};
	int64		S,
				N,
				npairs,
				i;
	uint8		version;

	version = *flat_take(&r, 1, "The value is empty.");
	if (version != PORTRAIT_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("invalid segment portrait state"),
				 errdetail("Unknown format version %d (this clientele writes version %d).",
						   version, PORTRAIT_FORMAT_VERSION)));
	S = flat_int64(&r, "The header is truncated.");
	N = flat_int64(&r, "The header is truncated.");
	npairs = flat_int64(&r, "The header is truncated.");
	if (S < 0 || N < S)
		bad_state(sqlstate, "Impossible counts: 0 <= segment <= population does not hold.");
	if (npairs < 0 || npairs > PORTRAIT_MAX_PAIRS)
		bad_state(sqlstate, "Impossible number of pairs.");
	for (i = 0; i < npairs; i++)
	{
		PairView	v;
		uint8		has_value;
		int64		k,
					n;

		v.attr = flat_string(&r, &v.attrlen, "A pair is truncated.");
		has_value = *flat_take(&r, 1, "A pair is truncated.");
		if (has_value > 1)
			bad_state(sqlstate, "A value flag is neither 0 nor 1.");
		v.value = NULL;
		v.valuelen = 0;
		if (has_value)
			v.value = flat_string(&r, &v.valuelen, "A pair is truncated.");
		k = flat_int64(&r, "A pair is truncated.");
		n = flat_int64(&r, "A pair is truncated.");
		if (k < 0 || n < 1 || k > n || k > S || n - k > N - S)
			bad_state(sqlstate, "Impossible pair counts: 0 <= k <= n_v, 1 <= n_v, k <= segment and n_v - k <= population - segment must hold.");
		if (i > 0 && pair_view_cmp(&prev, &v) >= 0)
			bad_state(sqlstate, "Pairs are out of order or repeated (the order: attribute, then a null value first, then value, bytewise).");
		if (visit)
			visit(arg, &v, k, n);
		prev = v;
	}
	if (r.p != r.end)
		bad_state(sqlstate, "Trailing bytes.");
	*segment = S;
	*population = N;
	*pairs = npairs;
}

/* Visitor: add a pair to a state. */
static void
visit_add(void *arg, const PairView *v, int64 k, int64 n)
{
	PortraitState *s = arg;

	make_key(s, v->attr, v->attrlen, v->value, v->valuelen);
	portrait_add(s, s->scratch.data, s->scratch.len, k, n);
}

/* Add the counts of a flat state to s. */
static void
portrait_add_flat(PortraitState *s, const struct varlena *flat, int sqlstate)
{
	int64		S,
				N,
				pairs;

	portrait_read_flat(VARDATA_ANY(flat), VARSIZE_ANY_EXHDR(flat), sqlstate, &S, &N, &pairs,
					   visit_add, s);
	s->segment += S;
	s->population += N;
}

/* Add the counts of another in-memory state to s. */
static void
portrait_add_state(PortraitState *s, PortraitState *b)
{
	pairtab_iterator iter;
	PairEntry  *e;

	s->segment += b->segment;
	s->population += b->population;
	pairtab_start_iterate(b->tab, &iter);
	while ((e = pairtab_iterate(b->tab, &iter)) != NULL)
		portrait_add(s, e->key.data, e->key.len, e->in_segment, e->total);
}

/* The in-memory state behind a datum, or NULL when it is flat. */
static PortraitState *
portrait_of_datum(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	return eoh->eoh_methods == &portrait_methods ? (PortraitState *) eoh : NULL;
}

/*
 * The state argument 0 a function may change: its own read-write object,
 * else a new one in the aggregate context with the same counts.
 */
static PortraitState *
portrait_own_state(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	Datum		d = PG_GETARG_DATUM(0);
	PortraitState *s;
	PortraitState *copy;

	if (PG_ARGISNULL(0))
		return portrait_new(aggcxt);
	s = portrait_of_datum(d);
	if (s != NULL && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return s;
	copy = portrait_new(aggcxt);
	if (s != NULL)
		portrait_add_state(copy, s);
	else
		portrait_add_flat(copy, (struct varlena *) PG_DETOAST_DATUM(d), ERRCODE_DATA_CORRUPTED);
	return copy;
}

/* Transition: count one customer and each of their attribute values. */
Datum
clientele_portrait_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PortraitState *s;
	bool		in;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("portrait transition function called outside an aggregate")));
	s = portrait_own_state(fcinfo, aggcxt);
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
	portrait_changed(s);
	in = PG_GETARG_BOOL(1);
	s->population++;
	if (in)
		s->segment++;
	if (!PG_ARGISNULL(2))
	{
		Jsonb	   *jb = PG_GETARG_JSONB_P(2);
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;
		char	   *attr = NULL;
		int			attrlen = 0;

		if (!JB_ROOT_IS_OBJECT(jb))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("portrait attributes must be a JSON object"),
					 errhint("Pass to_jsonb(c) - 'customer_id' for a row c, or jsonb_build_object('city', city, ...).")));
		it = JsonbIteratorInit(&jb->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				attr = v.val.string.val;
				attrlen = v.val.string.len;
			}
			else if (tok == WJB_VALUE)
			{
				char	   *val = NULL;
				int			vlen = 0;

				switch (v.type)
				{
					case jbvNull:
						break;
					case jbvString:
						val = v.val.string.val;
						vlen = v.val.string.len;
						break;
					case jbvNumeric:
						val = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
						vlen = strlen(val);
						break;
					case jbvBool:
						val = v.val.boolean ? "true" : "false";
						vlen = strlen(val);
						break;
					default:
						val = JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
						vlen = strlen(val);
						break;
				}
				make_key(s, attr, attrlen, val, vlen);
				portrait_add(s, s->scratch.data, s->scratch.len, in ? 1 : 0, 1);
			}
		}
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
}

/*
 * Combine: add the pairs of the right state to the left one (a new state in
 * the aggregate context when the left is NULL or not its own); the right
 * state is only read.
 */
Datum
clientele_portrait_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PortraitState *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("portrait combine function called outside an aggregate")));
	if (PG_ARGISNULL(1) && PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = portrait_own_state(fcinfo, aggcxt);
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
	portrait_changed(a);
	b = portrait_of_datum(PG_GETARG_DATUM(1));
	if (b != NULL)
		portrait_add_state(a, b);
	else
		portrait_add_flat(a, (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1)),
						  ERRCODE_DATA_CORRUPTED);
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* ---------------------------------------------------------------------
 * clientele.portrait_state: text and binary I/O
 * ---------------------------------------------------------------------
 */

/* Visitor: write a pair as a JSON array. */
static void
visit_json(void *arg, const PairView *v, int64 k, int64 n)
{
	StringInfo	buf = arg;
	char	   *str;

	if (buf->data[buf->len - 1] != '[')
		appendStringInfoString(buf, ", ");
	appendStringInfoChar(buf, '[');
	str = pnstrdup(v->attr, v->attrlen);
	escape_json(buf, str);
	pfree(str);
	appendStringInfoString(buf, ", ");
	if (v->value != NULL)
	{
		str = pnstrdup(v->value, v->valuelen);
		escape_json(buf, str);
		pfree(str);
	}
	else
		appendStringInfoString(buf, "null");
	appendStringInfo(buf, ", " INT64_FORMAT ", " INT64_FORMAT "]", k, n);
}

/* Text output: the JSON object of the state, pairs in the canonical order. */
Datum
clientele_portrait_state_out(PG_FUNCTION_ARGS)
{
	struct varlena *flat = (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;
	StringInfoData pairs;
	int64		S,
				N,
				npairs;

	initStringInfo(&pairs);
	appendStringInfoChar(&pairs, '[');
	portrait_read_flat(VARDATA_ANY(flat), VARSIZE_ANY_EXHDR(flat), ERRCODE_DATA_CORRUPTED,
					   &S, &N, &npairs, visit_json, &pairs);
	appendStringInfoChar(&pairs, ']');
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"segment\": " INT64_FORMAT ", \"population\": " INT64_FORMAT
					 ", \"pairs\": %s}", PORTRAIT_FORMAT_VERSION, S, N, pairs.data);
	PG_RETURN_CSTRING(buf.data);
}

/* Raise the text-input error for a value that is not a portrait state. */
static void pg_attribute_noreturn()
state_syntax_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type portrait_state"),
			 errdetail("%s", what),
			 errhint("Write {\"version\": 1, \"segment\": S, \"population\": N, \"pairs\": [[attribute, value or null, k, n], ...]}.")));
}

/* A JSON number that must be a whole number in the int64 range. */
static int64
json_int64(const JsonbValue *v, const char *what)
{
	char	   *txt;
	const char *p;

	if (v == NULL || v->type != jbvNumeric)
		state_syntax_error(what);
	txt = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	p = txt + (*txt == '-');
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
		state_syntax_error(what);
	return pg_strtoint64(txt);
}

/* Text input: the JSON object, checked completely; returns the flat form. */
Datum
clientele_portrait_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	JsonbValue	tmp;
	JsonbValue *v;
	JsonbContainer *pairs;
	StringInfoData buf;
	int64		S,
				N,
				npairs,
				i;

	if (!JB_ROOT_IS_OBJECT(jb) || JsonContainerSize(&jb->root) != 4)
		state_syntax_error("Expected a JSON object with exactly the keys version, segment, population and pairs.");
	if (json_int64(getKeyJsonValueFromContainer(&jb->root, "version", 7, &tmp),
				   "The version must be an integer.") != PORTRAIT_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid segment portrait state"),
				 errdetail("Unknown format version (this clientele reads version %d).",
						   PORTRAIT_FORMAT_VERSION)));
	S = json_int64(getKeyJsonValueFromContainer(&jb->root, "segment", 7, &tmp),
				   "The segment must be an integer.");
	N = json_int64(getKeyJsonValueFromContainer(&jb->root, "population", 10, &tmp),
				   "The population must be an integer.");
	v = getKeyJsonValueFromContainer(&jb->root, "pairs", 5, &tmp);
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data))
		state_syntax_error("The pairs must be an array.");
	pairs = v->val.binary.data;
	npairs = JsonContainerSize(pairs);
	if (npairs > PORTRAIT_MAX_PAIRS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid segment portrait state"),
				 errdetail("More than %d pairs.", PORTRAIT_MAX_PAIRS)));
	flat_begin(&buf, S, N, npairs);
	for (i = 0; i < npairs; i++)
	{
		JsonbValue *pair = getIthJsonbValueFromContainer(pairs, (uint32) i);
		JsonbValue *attr,
				   *value;
		JsonbContainer *pc;
		PairView	pv;

		if (i % 1024 == 0)
			CHECK_FOR_INTERRUPTS();
		if (pair == NULL || pair->type != jbvBinary || !JsonContainerIsArray(pair->val.binary.data) ||
			JsonContainerIsScalar(pair->val.binary.data) || JsonContainerSize(pair->val.binary.data) != 4)
			state_syntax_error("Each pair must be an array [attribute, value or null, k, n].");
		pc = pair->val.binary.data;
		attr = getIthJsonbValueFromContainer(pc, 0);
		value = getIthJsonbValueFromContainer(pc, 1);
		if (attr->type != jbvString)
			state_syntax_error("A pair's attribute must be a string.");
		if (value->type != jbvString && value->type != jbvNull)
			state_syntax_error("A pair's value must be a string or null.");
		pv.attr = attr->val.string.val;
		pv.attrlen = attr->val.string.len;
		pv.value = value->type == jbvString ? value->val.string.val : NULL;
		pv.valuelen = value->type == jbvString ? value->val.string.len : 0;
		flat_append_pair(&buf, &pv,
						 json_int64(getIthJsonbValueFromContainer(pc, 2), "A pair's k must be an integer."),
						 json_int64(getIthJsonbValueFromContainer(pc, 3), "A pair's n must be an integer."));
	}
	SET_VARSIZE(buf.data, buf.len);
	/* the counts, the order and the strings, as for binary input */
	portrait_read_flat(buf.data + VARHDRSZ, buf.len - VARHDRSZ, ERRCODE_INVALID_PARAMETER_VALUE,
					   &S, &N, &npairs, NULL, NULL);
	PG_RETURN_POINTER(buf.data);
}

/* Binary input: the flat form, checked completely. */
Datum
clientele_portrait_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			len = msg->len - msg->cursor;
	struct varlena *raw = palloc(VARHDRSZ + len);
	int64		S,
				N,
				npairs;

	SET_VARSIZE(raw, VARHDRSZ + len);
	pq_copymsgbytes(msg, VARDATA(raw), len);
	portrait_read_flat(VARDATA(raw), len, ERRCODE_INVALID_BINARY_REPRESENTATION,
					   &S, &N, &npairs, NULL, NULL);
	PG_RETURN_POINTER(raw);
}

/* Binary output: the flat form (big-endian integers). */
Datum
clientele_portrait_state_send(PG_FUNCTION_ARGS)
{
	struct varlena *flat = (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(flat), VARSIZE_ANY_EXHDR(flat));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

typedef struct PortraitLine
{
	const PairEntry *e;
	double		z;
	bool		has_z;
} PortraitLine;

/* Compare attribute then value of two pairs (NULL values last). */
static int
key_cmp(const PairEntry *a, const PairEntry *b)
{
	int			c = memcmp(a->key.data, b->key.data, Min(a->key.len, b->key.len));

	if (c != 0)
		return c;
	return a->key.len < b->key.len ? -1 : a->key.len > b->key.len ? 1 : 0;
}

/* Order lines by z descending, NULL z last, then attribute and value. */
static int
line_cmp(const void *pa, const void *pb)
{
	const PortraitLine *a = pa,
			   *b = pb;

	if (a->has_z != b->has_z)
		return a->has_z ? -1 : 1;
	if (a->has_z && a->z != b->z)
		return a->z > b->z ? -1 : 1;
	return key_cmp(a->e, b->e);
}

/* Final: the portrait lines, sorted by interest. */
Datum
clientele_portrait_final(PG_FUNCTION_ARGS)
{
	PortraitState *s;
	Oid			arraytype,
				elemtype;
	TupleDesc	desc;
	PortraitLine *lines;
	Datum	   *elems;
	pairtab_iterator iter;
	PairEntry  *e;
	int64		n = 0,
				i;
	double		S,
				N;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	/* callable outside an aggregate too: it only reads its argument */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = portrait_of_datum(PG_GETARG_DATUM(0));
	if (s == NULL)
	{
		s = portrait_new(CurrentMemoryContext);
		portrait_add_flat(s, (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0)),
						  ERRCODE_DATA_CORRUPTED);
	}
	if (s->population == 0)
		PG_RETURN_NULL();
	arraytype = get_fn_expr_rettype(fcinfo->flinfo);
	elemtype = get_element_type(arraytype);
	if (!OidIsValid(elemtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("portrait must return an array of clientele.portrait_line")));
	desc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	desc = BlessTupleDesc(desc);
	S = (double) s->segment;
	N = (double) s->population;
	lines = palloc(sizeof(PortraitLine) * Max(s->pairs, 1));
	pairtab_start_iterate(s->tab, &iter);
	while ((e = pairtab_iterate(s->tab, &iter)) != NULL)
	{
		PortraitLine *l = &lines[n++];
		double		k = (double) e->in_segment,
					nv = (double) e->total,
					pooled = nv / N;

		l->e = e;
		l->has_z = false;
		if (S > 0 && N - S > 0 && pooled > 0 && pooled < 1)
		{
			double		se = sqrt(pooled * (1.0 - pooled) * (1.0 / S + 1.0 / (N - S)));

			l->z = (k / S - (nv - k) / (N - S)) / se;
			l->has_z = true;
		}
	}
	qsort(lines, n, sizeof(PortraitLine), line_cmp);
	elems = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		const PairEntry *pe = lines[i].e;
		int32		attrlen;
		Datum		values[9];
		bool		nulls[9] = {0};
		double		k = (double) pe->in_segment,
					nv = (double) pe->total;

		memcpy(&attrlen, pe->key.data, sizeof(int32));
		values[0] = PointerGetDatum(cstring_to_text_with_len(pe->key.data + 4, attrlen));
		if (pe->key.data[4 + attrlen])
			values[1] = PointerGetDatum(cstring_to_text_with_len(pe->key.data + 5 + attrlen,
																 pe->key.len - 5 - attrlen));
		else
			nulls[1] = true;
		values[2] = Int64GetDatum(pe->in_segment);
		values[3] = Int64GetDatum(pe->total);
		if (S > 0)
		{
			values[4] = Float8GetDatum(k / S);
			values[6] = Float8GetDatum((k / S) / (nv / N));
		}
		else
			nulls[4] = nulls[6] = true;
		values[5] = Float8GetDatum(nv / N);
		if (lines[i].has_z)
		{
			values[7] = Float8GetDatum(lines[i].z);
			values[8] = Float8GetDatum(erfc(fabs(lines[i].z) / M_SQRT2));
		}
		else
			nulls[7] = nulls[8] = true;
		elems[i] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, (int) n, elemtype, typlen, typbyval, typalign));
}
