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
 * The state is a hash table (simplehash) of pairs with their two counts;
 * the combine function adds tables, the serial form is a list of
 * (length-prefixed key, counts) that the deserializer checks byte by byte.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(clientele_portrait_trans);
PG_FUNCTION_INFO_V1(clientele_portrait_combine);
PG_FUNCTION_INFO_V1(clientele_portrait_serialize);
PG_FUNCTION_INFO_V1(clientele_portrait_deserialize);
PG_FUNCTION_INFO_V1(clientele_portrait_final);

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
	int64		segment;		/* S */
	int64		population;		/* N */
	int64		pairs;
	pairtab_hash *tab;
	MemoryContext cxt;
	StringInfoData scratch;
} PortraitState;

/* A new empty state in cxt. */
static PortraitState *
portrait_new(MemoryContext cxt)
{
	PortraitState *s = MemoryContextAllocZero(cxt, sizeof(PortraitState));
	MemoryContext old = MemoryContextSwitchTo(cxt);

	s->cxt = cxt;
	s->tab = pairtab_create(cxt, 256, NULL);
	initStringInfo(&s->scratch);
	MemoryContextSwitchTo(old);
	return s;
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
	s = PG_ARGISNULL(0) ? portrait_new(aggcxt) : (PortraitState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
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
	PG_RETURN_POINTER(s);
}

/* Combine: add the pairs of the right state to the left one. */
Datum
clientele_portrait_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	PortraitState *a,
			   *b;
	pairtab_iterator iter;
	PairEntry  *e;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("portrait combine function called outside an aggregate")));
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0));
	b = (PortraitState *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? portrait_new(aggcxt) : (PortraitState *) PG_GETARG_POINTER(0);
	a->segment += b->segment;
	a->population += b->population;
	pairtab_start_iterate(b->tab, &iter);
	while ((e = pairtab_iterate(b->tab, &iter)) != NULL)
		portrait_add(a, e->key.data, e->key.len, e->in_segment, e->total);
	PG_RETURN_POINTER(a);
}

/* Serialize: version, S, N, pair count, then each key (length-prefixed) with its counts. */
Datum
clientele_portrait_serialize(PG_FUNCTION_ARGS)
{
	PortraitState *s;
	StringInfoData buf;
	pairtab_iterator iter;
	PairEntry  *e;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("portrait serialize function called outside an aggregate")));
	s = (PortraitState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, PORTRAIT_FORMAT_VERSION);
	pq_sendint64(&buf, s->segment);
	pq_sendint64(&buf, s->population);
	pq_sendint64(&buf, s->pairs);
	pairtab_start_iterate(s->tab, &iter);
	while ((e = pairtab_iterate(s->tab, &iter)) != NULL)
	{
		pq_sendint32(&buf, e->key.len);
		pq_sendbytes(&buf, e->key.data, e->key.len);
		pq_sendint64(&buf, e->in_segment);
		pq_sendint64(&buf, e->total);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Report a corrupt serialized state. */
static void
bad_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid segment portrait state"),
			 errdetail("%s", why)));
}

/* Deserialize, checking every length against the bytes left. */
Datum
clientele_portrait_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bytea	   *b;
	StringInfoData buf;
	PortraitState *s;
	int64		pairs,
				i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("portrait deserialize function called outside an aggregate")));
	b = PG_GETARG_BYTEA_PP(0);
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 1 + 3 * 8)
		bad_state("too short");
	if (pq_getmsgbyte(&buf) != PORTRAIT_FORMAT_VERSION)
		bad_state("unknown version");
	s = portrait_new(aggcxt);
	s->segment = pq_getmsgint64(&buf);
	s->population = pq_getmsgint64(&buf);
	pairs = pq_getmsgint64(&buf);
	if (s->segment < 0 || s->population < s->segment || pairs < 0 || pairs > PORTRAIT_MAX_PAIRS)
		bad_state("impossible counts");
	for (i = 0; i < pairs; i++)
	{
		int32		len;
		const char *key;
		int64		in,
					total;

		if (buf.len - buf.cursor < 4)
			bad_state("truncated key length");
		len = pq_getmsgint(&buf, 4);
		if (len < 5 || len > buf.len - buf.cursor - 16)
			bad_state("bad key length");
		key = pq_getmsgbytes(&buf, len);
		in = pq_getmsgint64(&buf);
		total = pq_getmsgint64(&buf);
		if (in < 0 || total < in)
			bad_state("impossible pair counts");
		portrait_add(s, key, len, in, total);
	}
	if (buf.cursor != buf.len || s->pairs != pairs)
		bad_state("trailing bytes or duplicate keys");
	PG_RETURN_POINTER(s);
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

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("portrait final function called outside an aggregate")));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PortraitState *) PG_GETARG_POINTER(0);
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
