/*
 * custrows.c — clientele.clv_rows, the state of the lifetime-value fitting
 * aggregates bgnbd_fit() and gammagamma_fit(): one row per distinct
 * customer, with a weight counting the identical customers merged into it.
 *
 * What is kept.  The BG/NBD likelihood has no small sufficient statistics:
 * every customer contributes a term in (x, t_x, T), so the state keeps the
 * multiset of those triples (Gamma-Gamma: of the pairs (x, m_x)).  That is
 * also the loss-free summary: two customers with the same triple contribute
 * the same term, so they become one row of weight 2.  Each row takes 24
 * bytes (x and the weight as int32, two float8).  Sorting the rows by x,
 * then the times, merges identical ones and groups the rows by x, so the
 * terms of the likelihood that depend only on x (log-Gamma and digamma
 * values) are computed once per distinct x and per iteration.  The rows are
 * merged when the fit starts, whenever the state is written out (a smaller
 * state to send), and also while rows arrive: when the array is full it is
 * compacted first (from 1,024 rows on) and only grows if that did not
 * free a good part of it.  Data recorded by week or by day has many
 * identical customers (every one-time buyer of the same week is the same
 * row) and then stays small; when a compaction frees less than an eighth
 * of the array the data are mostly distinct, and the state stops trying
 * until the fit.
 *
 * The transition: a read-write expanded object.  A state is a base type
 * (Citus distributes only aggregates whose state has text input and output
 * functions), but copying a varlena of all the rows on every row would make
 * the aggregate quadratic.  PostgreSQL's answer is the expanded object
 * (utils/expandeddatum.h): the transition function receives a read-write
 * pointer to the object, appends to it in place and returns the same
 * pointer, and nodeAgg (like Citus's worker_partial_agg) keeps an object
 * whose memory context is a child of the aggregate context without copying
 * it.  So the first call creates the object in its own context under the
 * aggregate context; the rows live in a huge-allocation array of that
 * context, which doubles as it grows (tens of millions of customers fit if
 * work memory allows).  A flat in-place varlena was the alternative; it
 * cannot grow without moving, and nodeAgg frees the old value and copies
 * the new one whenever the pointer changes.  The object is flattened only
 * when it must leave the aggregate: a Partial Aggregate's output to the
 * leader, or the text and binary output functions.
 *
 * The flat form (stored and sent between processes): a varlena header, the
 * kind (1 BG/NBD, 2 Gamma-Gamma), the number of rows, the skipped input
 * rows, then the rows, sorted and merged.
 *
 * The text form, version 1, exact and readable:
 *   bgnbd/1 rows=3 skipped=1 (0,0,30)*12 (2,8.5,30) (3,7,30)*2
 *   gammagamma/1 rows=2 skipped=0 (2,12.5)*3 (3,8)
 * a row is (x,t_x,T) or (x,m_x), followed by *weight when more than one
 * customer has it.  Doubles are written in their shortest form that reads
 * back to the same double (the Ryu algorithm of PostgreSQL's float8 output),
 * whatever extra_float_digits says, so a state leaves and comes back bit for
 * bit; text does not depend on byte order.  The binary form (send and
 * receive) is a version byte, the kind byte, the two counts as int64, then
 * per row x and the weight as int32 and the two doubles, all in network
 * byte order.  Input and receive check everything a transition would have
 * checked: the version and kind, the row count against the rows present,
 * whole non-negative counts, finite times with 0 <= t_x <= T (t_x = 0
 * exactly when x = 0), positive finite amounts, weights of at least 1.
 * Syntax errors are 22P02 (22P03 in binary), bad values 22023.
 *
 * Combining appends one state's rows to the other's (a copy in the
 * aggregate context when the left one is NULL); the two must be of the
 * same kind.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "clv.h"

PG_FUNCTION_INFO_V1(clientele_clv_rows_in);
PG_FUNCTION_INFO_V1(clientele_clv_rows_out);
PG_FUNCTION_INFO_V1(clientele_clv_rows_recv);
PG_FUNCTION_INFO_V1(clientele_clv_rows_send);
PG_FUNCTION_INFO_V1(clientele_clv_rows_combine);

#define CLV_ROWS_VERSION 1
#define ROW_WIRE_SIZE (4 + 4 + 8 + 8)
#define FIRST_CAPACITY 64			/* small: GROUP BY may fit many states */
#define COMPACT_MIN_ROWS 1024		/* merge while adding from this size on */

/* The flat form; CustomerRow rows[n] follow (8-byte aligned). */
typedef struct ClvRowsFlat
{
	int32		vl_len_;
	int32		kind;
	int64		n;
	int64		skipped;
} ClvRowsFlat;

#define FLAT_ROWS(f) ((CustomerRow *) ((char *) (f) + sizeof(ClvRowsFlat)))

static Size rows_get_flat_size(ExpandedObjectHeader *eohptr);
static void rows_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods rows_methods = {
	rows_get_flat_size,
	rows_flatten_into
};

/* The name of a kind, as in the text form. */
static const char *
kind_name(int kind)
{
	return kind == CLV_KIND_BGNBD ? "bgnbd" : "gammagamma";
}

/* A new empty state in its own context under parent. */
CustomerRows *
clv_rows_new(MemoryContext parent, int kind)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "clientele clv_rows", ALLOCSET_START_SMALL_SIZES);
	CustomerRows *s = MemoryContextAllocZero(cxt, sizeof(CustomerRows));

	EOH_init_header(&s->hdr, &rows_methods, cxt);
	s->kind = kind;
	s->compacting = true;
	return s;
}

/* Make room for extra more rows. */
static void
rows_reserve(CustomerRows *s, int64 extra)
{
	int64		need = s->n + extra;
	int64		cap;

	if (need <= s->cap)
		return;
	cap = Max(s->cap * 2, FIRST_CAPACITY);
	while (cap < need)
		cap *= 2;
	if ((Size) cap * sizeof(CustomerRow) >= MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many customers for one lifetime-value fit"),
				 errdetail("The fit keeps %zu bytes per distinct customer.", sizeof(CustomerRow))));
	if (s->rows == NULL)
		s->rows = MemoryContextAllocHuge(s->hdr.eoh_context, cap * sizeof(CustomerRow));
	else
		s->rows = repalloc_huge(s->rows, cap * sizeof(CustomerRow));
	s->cap = cap;
}

/* Append one customer (merging identical rows first when the array is full). */
void
clv_rows_add(CustomerRows *s, int32 x, double u, double v, int32 weight)
{
	CustomerRow *r;

	if (s->n == s->cap && s->compacting && s->n >= COMPACT_MIN_ROWS)
	{
		int64		before = s->n;

		clv_rows_compact(s);
		if (s->n > before - before / 8)
			s->compacting = false;	/* mostly distinct: wait for the fit */
	}
	rows_reserve(s, 1);
	r = &s->rows[s->n++];
	r->x = x;
	r->u = u + 0.0;				/* -0 and 0 are one customer: one bit pattern */
	r->v = v + 0.0;
	r->weight = weight;
}

/* Append n rows. */
static void
rows_append(CustomerRows *dst, const CustomerRow *rows, int64 n)
{
	if (n > 0)
	{
		rows_reserve(dst, n);
		memcpy(dst->rows + dst->n, rows, n * sizeof(CustomerRow));
		dst->n += n;
	}
}

/* Order rows by x, then u, then v. */
static int
row_cmp(const void *pa, const void *pb)
{
	const CustomerRow *a = pa,
			   *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->u != b->u)
		return a->u < b->u ? -1 : 1;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return 0;
}

/*
 * Sort n rows and merge identical ones in place; returns the new count.  The
 * weights of identical rows add up; a sum beyond INT32_MAX fills rows of
 * INT32_MAX and carries the rest, so the result depends only on the multiset
 * of customers (the canonical form every output writes and every input
 * reads), and compacting it again changes nothing.
 */
static int64
rows_compact(CustomerRow *rows, int64 n)
{
	int64		i,
				out = 0;

	if (n <= 1)
		return n;
	qsort(rows, n, sizeof(CustomerRow), row_cmp);
	for (i = 1; i < n; i++)
	{
		CustomerRow *last = &rows[out];

		if (row_cmp(last, &rows[i]) == 0)
		{
			int64		sum = (int64) last->weight + rows[i].weight;

			if (sum <= PG_INT32_MAX)
				last->weight = (int32) sum;
			else
			{
				last->weight = PG_INT32_MAX;
				rows[++out] = rows[i];
				rows[out].weight = (int32) (sum - PG_INT32_MAX);
			}
		}
		else
			rows[++out] = rows[i];
	}
	return out + 1;
}

/*
 * Sort the state's rows and merge identical ones (weights add up).  The
 * multiset of customers does not change, so this may run on any state at
 * any time, and more rows may be appended afterwards.
 */
void
clv_rows_compact(CustomerRows *s)
{
	if (s->sorted == s->n)
		return;
	s->n = rows_compact(s->rows, s->n);
	s->sorted = s->n;
}

/* Canonical form of a flat value read from text or binary: -0 as 0, rows compacted, size shrunk. */
static void
flat_compact(ClvRowsFlat *f)
{
	CustomerRow *rows = FLAT_ROWS(f);
	int64		i;

	for (i = 0; i < f->n; i++)
	{
		rows[i].u += 0.0;		/* -0 and 0 are one customer: one bit pattern */
		rows[i].v += 0.0;
	}
	f->n = rows_compact(rows, f->n);
	SET_VARSIZE(f, sizeof(ClvRowsFlat) + (Size) f->n * sizeof(CustomerRow));
}

/* Flat size (compacting first: the smallest state to send). */
static Size
rows_get_flat_size(ExpandedObjectHeader *eohptr)
{
	CustomerRows *s = (CustomerRows *) eohptr;
	Size		size;

	clv_rows_compact(s);
	size = sizeof(ClvRowsFlat) + (Size) s->n * sizeof(CustomerRow);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("lifetime-value aggregate state of " INT64_FORMAT " distinct customers is too large to leave the aggregate",
						s->n),
				 errdetail("A clv_rows value holds at most %zu customers.",
						   (MaxAllocSize - sizeof(ClvRowsFlat)) / sizeof(CustomerRow)),
				 errhint("Fit without parallel workers, or on fewer distinct customers (rounded times merge).")));
	return size;
}

/* Write the flat form. */
static void
rows_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CustomerRows *s = (CustomerRows *) eohptr;
	ClvRowsFlat *f = result;

	Assert(allocated_size == sizeof(ClvRowsFlat) + (Size) s->n * sizeof(CustomerRow));
	memset(f, 0, sizeof(ClvRowsFlat));
	SET_VARSIZE(f, allocated_size);
	f->kind = s->kind;
	f->n = s->n;
	f->skipped = s->skipped;
	if (s->n > 0)
		memcpy(FLAT_ROWS(f), s->rows, s->n * sizeof(CustomerRow));
}

/* A detoasted flat value, its length checked. */
static ClvRowsFlat *
flat_checked(Datum d)
{
	ClvRowsFlat *f = (ClvRowsFlat *) PG_DETOAST_DATUM(d);
	Size		len = VARSIZE(f);

	if (len < sizeof(ClvRowsFlat) || (f->kind != CLV_KIND_BGNBD && f->kind != CLV_KIND_GAMMAGAMMA) ||
		f->n < 0 || f->skipped < 0 ||
		(Size) f->n > (len - sizeof(ClvRowsFlat)) / sizeof(CustomerRow) ||
		len != sizeof(ClvRowsFlat) + (Size) f->n * sizeof(CustomerRow))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted clv_rows value of %zu bytes", len)));
	return f;
}

/* The state a datum holds: the object itself if expanded, else a copy under parent. */
static CustomerRows *
rows_from_datum(Datum d, MemoryContext parent)
{
	ClvRowsFlat *f;
	CustomerRows *s;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &rows_methods)
			return (CustomerRows *) eoh;
	}
	f = flat_checked(d);
	s = clv_rows_new(parent, f->kind);
	s->skipped = f->skipped;
	rows_append(s, FLAT_ROWS(f), f->n);
	return s;
}

/* Raise the error for a state of the wrong kind. */
static void
check_kind(const CustomerRows *s, int kind)
{
	if (s->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s_fit state cannot be used as a %s_fit state", kind_name(s->kind), kind_name(kind))));
}

/*
 * The state argument of a transition function, to update in place: the
 * read-write object nodeAgg passes back, a new one when it is NULL, or a
 * copy in the aggregate context of any other value.
 */
CustomerRows *
clv_rows_transition_state(FunctionCallInfo fcinfo, MemoryContext aggcxt, int kind)
{
	CustomerRows *s;
	Datum		d;

	if (PG_ARGISNULL(0))
		return clv_rows_new(aggcxt, kind);
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) && DatumGetEOHP(d)->eoh_methods == &rows_methods)
		s = (CustomerRows *) DatumGetEOHP(d);
	else
	{
		CustomerRows *src = rows_from_datum(d, CurrentMemoryContext);

		s = clv_rows_new(aggcxt, src->kind);
		s->skipped = src->skipped;
		rows_append(s, src->rows, src->n);
		s->sorted = src->sorted;
	}
	check_kind(s, kind);
	return s;
}

/*
 * The state argument of a final function (NULL when it is NULL), sorted and
 * merged: the object itself when expanded (compacting keeps its value), a
 * copy otherwise.
 */
CustomerRows *
clv_rows_final_state(FunctionCallInfo fcinfo, int kind)
{
	CustomerRows *s;

	if (PG_ARGISNULL(0))
		return NULL;
	s = rows_from_datum(PG_GETARG_DATUM(0), CurrentMemoryContext);
	check_kind(s, kind);
	clv_rows_compact(s);
	return s;
}

/* Combine two states of the same kind (shared by the BG/NBD and Gamma-Gamma aggregates). */
Datum
clientele_clv_rows_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CustomerRows *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("clv_rows_combine called outside an aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = rows_from_datum(PG_GETARG_DATUM(1), CurrentMemoryContext);
	/* a NULL left state: a new one in the aggregate context (a copy of b follows) */
	a = clv_rows_transition_state(fcinfo, aggcxt, b->kind);
	rows_append(a, b->rows, b->n);
	a->skipped += b->skipped;
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* Check a purchase count: finite, a non-negative integer that fits int32. */
int32
clv_check_count(double x, const char *what)
{
	if (!(x >= 0.0) || x > PG_INT32_MAX || x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a non-negative whole number of purchases, not %g", what, x)));
	return (int32) x;
}

/* ---- text and binary forms ------------------------------------------- */

/* Raise the error for a row that no transition could have produced. */
static void
check_row(int kind, const CustomerRow *r, int64 i)
{
	const char *problem = NULL;

	if (r->x < 0)
		problem = "a negative purchase count";
	else if (r->weight < 1)
		problem = "a weight below 1";
	else if (!isfinite(r->u) || !isfinite(r->v))
		problem = "a value that is not finite";
	else if (kind == CLV_KIND_BGNBD)
	{
		if (!(r->u >= 0.0) || r->u > r->v)
			problem = "t_x outside [0, T]";
		else if ((r->x == 0) != (r->u == 0.0))
			problem = "t_x = 0 with repeat purchases, or t_x > 0 without";
	}
	else
	{
		if (r->x == 0)
			problem = "x = 0 (such customers are skipped)";
		else if (!(r->u > 0.0))
			problem = "a mean amount that is not positive";
		else if (r->v != 0.0)
			problem = "a second value";
	}
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid clv_rows value: row " INT64_FORMAT " has %s", i + 1, problem)));
}

/* Append a double in its shortest exact form (always finite here). */
static void
append_float8(StringInfo buf, double v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN + 1];

	double_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

/* clv_rows text output. */
Datum
clientele_clv_rows_out(PG_FUNCTION_ARGS)
{
	CustomerRows *s = rows_from_datum(PG_GETARG_DATUM(0), CurrentMemoryContext);
	StringInfoData buf;
	int64		i;

	clv_rows_compact(s);
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s/%d rows=" INT64_FORMAT " skipped=" INT64_FORMAT,
					 kind_name(s->kind), CLV_ROWS_VERSION, s->n, s->skipped);
	for (i = 0; i < s->n; i++)
	{
		const CustomerRow *r = &s->rows[i];

		appendStringInfo(&buf, " (%d,", r->x);
		append_float8(&buf, r->u);
		if (s->kind == CLV_KIND_BGNBD)
		{
			appendStringInfoChar(&buf, ',');
			append_float8(&buf, r->v);
		}
		appendStringInfoChar(&buf, ')');
		if (r->weight > 1)
			appendStringInfo(&buf, "*%d", r->weight);
	}
	PG_RETURN_CSTRING(buf.data);
}

typedef struct RowsParser
{
	const char *s;				/* the whole input */
	const char *p;				/* next character */
} RowsParser;

/* Raise the syntax error of the text form. */
static void pg_attribute_noreturn()
parse_error(RowsParser *ps, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type clv_rows: \"%.100s%s\"", ps->s, strlen(ps->s) > 100 ? "..." : ""),
			 errdetail("Expected %s at character %d.", expected, (int) (ps->p - ps->s) + 1)));
}

/* Skip white space. */
static void
parse_space(RowsParser *ps)
{
	while (isspace((unsigned char) *ps->p))
		ps->p++;
}

/* Skip white space, then take the literal word if it is there. */
static bool
parse_take(RowsParser *ps, const char *word)
{
	size_t		len = strlen(word);

	parse_space(ps);
	if (strncmp(ps->p, word, len) != 0)
		return false;
	ps->p += len;
	return true;
}

/* Require the literal word. */
static void
parse_expect(RowsParser *ps, const char *word)
{
	if (!parse_take(ps, word))
		parse_error(ps, psprintf("\"%s\"", word));
}

/* A decimal integer (optionally negative) in int64; what names it in range errors. */
static int64
parse_int(RowsParser *ps, int64 lo, int64 hi, const char *what)
{
	char	   *end;
	long long	v;

	parse_space(ps);
	if (!isdigit((unsigned char) ps->p[0]) && !(ps->p[0] == '-' && isdigit((unsigned char) ps->p[1])))
		parse_error(ps, psprintf("%s (a whole number)", what));
	errno = 0;
	v = strtoll(ps->p, &end, 10);
	if (errno != 0 || v < lo || v > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid clv_rows value: %s must be between " INT64_FORMAT " and " INT64_FORMAT,
						what, lo, hi),
				 errdetail("Found \"%.*s\" at character %d.", (int) Min(end - ps->p, 40), ps->p,
						   (int) (ps->p - ps->s) + 1)));
	ps->p = end;
	return (int64) v;
}

/* A double (NaN and infinities are read, then refused by check_row). */
static double
parse_float(RowsParser *ps)
{
	char	   *end;
	double		v;
	bool		have_error = false;

	parse_space(ps);
	if (*ps->p == '\0' || *ps->p == ',' || *ps->p == ')')
		parse_error(ps, "a number");
	v = float8in_internal_opt_error((char *) ps->p, &end, "clv_rows", ps->s, &have_error);
	if (have_error || end == ps->p)
		parse_error(ps, "a number");
	ps->p = end;
	return v;
}

/* A flat value of n rows, its rows to fill. */
static ClvRowsFlat *
flat_alloc(int kind, int64 n, int64 skipped)
{
	Size		size;
	ClvRowsFlat *f;

	if (n < 0 || (Size) n > (MaxAllocSize - sizeof(ClvRowsFlat)) / sizeof(CustomerRow))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a clv_rows value holds at most %zu rows, not " INT64_FORMAT,
						(MaxAllocSize - sizeof(ClvRowsFlat)) / sizeof(CustomerRow), n)));
	size = sizeof(ClvRowsFlat) + (Size) n * sizeof(CustomerRow);
	f = palloc0(size);
	SET_VARSIZE(f, size);
	f->kind = kind;
	f->n = n;
	f->skipped = skipped;
	return f;
}

/* clv_rows text input. */
Datum
clientele_clv_rows_in(PG_FUNCTION_ARGS)
{
	RowsParser	ps;
	int			kind;
	int64		version,
				n,
				skipped,
				i;
	ClvRowsFlat *f;
	CustomerRow *rows;

	ps.s = ps.p = PG_GETARG_CSTRING(0);
	if (parse_take(&ps, "bgnbd/"))
		kind = CLV_KIND_BGNBD;
	else if (parse_take(&ps, "gammagamma/"))
		kind = CLV_KIND_GAMMAGAMMA;
	else
		parse_error(&ps, "\"bgnbd/\" or \"gammagamma/\"");
	version = parse_int(&ps, 0, PG_INT32_MAX, "the version");
	if (version != CLV_ROWS_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("clv_rows text form version " INT64_FORMAT " is not supported", version),
				 errhint("This version of clientele reads version %d.", CLV_ROWS_VERSION)));
	parse_expect(&ps, "rows=");
	n = parse_int(&ps, 0, PG_INT64_MAX, "rows");
	parse_expect(&ps, "skipped=");
	skipped = parse_int(&ps, 0, PG_INT64_MAX, "skipped");
	/* a row takes at least 6 characters: announce no more than the text holds */
	if (n > (int64) strlen(ps.p) / 6)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type clv_rows: rows=" INT64_FORMAT " but the text is too short for them", n)));
	f = flat_alloc(kind, n, skipped);
	rows = FLAT_ROWS(f);
	for (i = 0; i < n; i++)
	{
		CustomerRow *r = &rows[i];

		parse_expect(&ps, "(");
		r->x = (int32) parse_int(&ps, 0, PG_INT32_MAX, "x");
		parse_expect(&ps, ",");
		r->u = parse_float(&ps);
		if (kind == CLV_KIND_BGNBD)
		{
			parse_expect(&ps, ",");
			r->v = parse_float(&ps);
		}
		parse_expect(&ps, ")");
		r->weight = 1;
		if (*ps.p == '*')
		{
			ps.p++;
			r->weight = (int32) parse_int(&ps, 1, PG_INT32_MAX, "a weight");
		}
		check_row(kind, r, i);
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	parse_space(&ps);
	if (*ps.p == '(')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type clv_rows: more rows than rows=" INT64_FORMAT, n)));
	if (*ps.p != '\0')
		parse_error(&ps, "the end of the value");
	flat_compact(f);
	PG_RETURN_POINTER(f);
}

/* clv_rows binary output: version, kind, counts, rows, in network byte order. */
Datum
clientele_clv_rows_send(PG_FUNCTION_ARGS)
{
	CustomerRows *s = rows_from_datum(PG_GETARG_DATUM(0), CurrentMemoryContext);
	StringInfoData buf;
	int64		i;

	clv_rows_compact(s);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CLV_ROWS_VERSION);
	pq_sendbyte(&buf, s->kind);
	pq_sendint64(&buf, s->n);
	pq_sendint64(&buf, s->skipped);
	for (i = 0; i < s->n; i++)
	{
		pq_sendint32(&buf, s->rows[i].x);
		pq_sendint32(&buf, s->rows[i].weight);
		pq_sendfloat8(&buf, s->rows[i].u);
		pq_sendfloat8(&buf, s->rows[i].v);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* clv_rows binary input: the length checked before anything is read, then every row. */
Datum
clientele_clv_rows_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				kind;
	int64		n,
				skipped,
				i,
				left;
	ClvRowsFlat *f;
	CustomerRow *rows;

	if (msg->len - msg->cursor < 1 + 1 + 8 + 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary clv_rows value: %d bytes", msg->len - msg->cursor)));
	version = pq_getmsgbyte(msg);
	kind = pq_getmsgbyte(msg);
	n = pq_getmsgint64(msg);
	skipped = pq_getmsgint64(msg);
	left = msg->len - msg->cursor;
	if (version != CLV_ROWS_VERSION || (kind != CLV_KIND_BGNBD && kind != CLV_KIND_GAMMAGAMMA) ||
		n < 0 || n > left / ROW_WIRE_SIZE || left != n * ROW_WIRE_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary clv_rows value"),
				 errdetail("Version %d, kind %d, " INT64_FORMAT " rows in " INT64_FORMAT " bytes.",
						   version, kind, n, left)));
	if (skipped < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid clv_rows value: skipped must not be negative")));
	f = flat_alloc(kind, n, skipped);
	rows = FLAT_ROWS(f);
	for (i = 0; i < n; i++)
	{
		CustomerRow *r = &rows[i];

		r->x = pq_getmsgint(msg, 4);
		r->weight = pq_getmsgint(msg, 4);
		r->u = pq_getmsgfloat8(msg);
		r->v = pq_getmsgfloat8(msg);
		check_row(kind, r, i);
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	pq_getmsgend(msg);
	flat_compact(f);
	PG_RETURN_POINTER(f);
}
