/*
 * custrows.c — the state of the lifetime-value fitting aggregates: one row
 * per customer, merged when identical.
 *
 * The BG/NBD likelihood has no small sufficient statistics: every customer
 * contributes a term in (x, t_x, T).  The state therefore keeps the rows
 * themselves, 24 bytes each (x and a weight as int32, two float8), in an
 * array that doubles as it grows (allocated with the huge-allocation API,
 * so tens of millions of customers fit if work memory allows).  Before the
 * fit the array is sorted and identical rows are merged into one with a
 * weight: data recorded by day or by week has many (every one-time buyer
 * of the same week is the same row), and the likelihood costs one
 * evaluation per distinct row.  Sorting also groups the rows by x, so the
 * terms that depend only on x (log-Gamma and digamma values) are computed
 * once per distinct x and per iteration.
 *
 * Parallel and distributed aggregation: the combine function appends one
 * state to the other; serialize writes a version byte, the counts and the
 * rows in network byte order (pq_sendfloat8 keeps every bit of a float8),
 * and deserialize checks the version and that the length is exactly what
 * the counts announce before reading anything.
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/memutils.h"

#include "clv.h"

#define ROWS_FORMAT_VERSION 1
#define ROW_WIRE_SIZE (4 + 4 + 8 + 8)

/* A new empty state in cxt. */
CustomerRows *
clv_rows_new(MemoryContext cxt)
{
	CustomerRows *s = MemoryContextAllocZero(cxt, sizeof(CustomerRows));

	return s;
}

/* Make room for extra more rows. */
static void
rows_reserve(CustomerRows *s, MemoryContext cxt, int64 extra)
{
	int64		need = s->n + extra;
	int64		cap;

	if (need <= s->cap)
		return;
	cap = Max(s->cap * 2, 1024);
	while (cap < need)
		cap *= 2;
	if ((Size) cap * sizeof(CustomerRow) >= MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many customers for one lifetime-value fit"),
				 errdetail("The fit keeps %zu bytes per distinct customer.", sizeof(CustomerRow))));
	if (s->rows == NULL)
		s->rows = MemoryContextAllocHuge(cxt, cap * sizeof(CustomerRow));
	else
		s->rows = repalloc_huge(s->rows, cap * sizeof(CustomerRow));
	s->cap = cap;
}

/* Append one customer. */
void
clv_rows_add(CustomerRows *s, MemoryContext cxt, int32 x, double u, double v, int32 weight)
{
	CustomerRow *r;

	rows_reserve(s, cxt, 1);
	r = &s->rows[s->n++];
	r->x = x;
	r->u = u;
	r->v = v;
	r->weight = weight;
}

/* Append the rows of src to dst. */
void
clv_rows_merge(CustomerRows *dst, MemoryContext cxt, const CustomerRows *src)
{
	if (src->n > 0)
	{
		rows_reserve(dst, cxt, src->n);
		memcpy(dst->rows + dst->n, src->rows, src->n * sizeof(CustomerRow));
		dst->n += src->n;
	}
	dst->skipped += src->skipped;
}

/* The state as bytes: version, n, skipped, then the rows. */
bytea *
clv_rows_serialize(const CustomerRows *s)
{
	StringInfoData buf;
	int64		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, ROWS_FORMAT_VERSION);
	pq_sendint64(&buf, s->n);
	pq_sendint64(&buf, s->skipped);
	for (i = 0; i < s->n; i++)
	{
		pq_sendint32(&buf, s->rows[i].x);
		pq_sendint32(&buf, s->rows[i].weight);
		pq_sendfloat8(&buf, s->rows[i].u);
		pq_sendfloat8(&buf, s->rows[i].v);
	}
	return pq_endtypsend(&buf);
}

/* Read a state written by clv_rows_serialize, checking its length first. */
CustomerRows *
clv_rows_deserialize(bytea *b, MemoryContext cxt)
{
	StringInfoData buf;
	CustomerRows *s;
	int64		n,
				i;
	int			version;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 1 + 8 + 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid lifetime-value aggregate state: %d bytes", buf.len)));
	version = pq_getmsgbyte(&buf);
	n = pq_getmsgint64(&buf);
	if (version != ROWS_FORMAT_VERSION || n < 0 ||
		n > (buf.len - buf.cursor - 8) / ROW_WIRE_SIZE ||
		buf.len - buf.cursor - 8 != n * ROW_WIRE_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid lifetime-value aggregate state"),
				 errdetail("Version %d, %lld rows in %d bytes.", version, (long long) n, buf.len)));
	s = clv_rows_new(cxt);
	s->skipped = pq_getmsgint64(&buf);
	rows_reserve(s, cxt, n);
	for (i = 0; i < n; i++)
	{
		CustomerRow *r = &s->rows[i];

		r->x = pq_getmsgint(&buf, 4);
		r->weight = pq_getmsgint(&buf, 4);
		r->u = pq_getmsgfloat8(&buf);
		r->v = pq_getmsgfloat8(&buf);
	}
	s->n = n;
	pq_getmsgend(&buf);
	return s;
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

/* Sort the rows and merge identical ones (weights add up). */
void
clv_rows_compact(CustomerRows *s)
{
	int64		i,
				out = 0;

	if (s->n == 0)
		return;
	qsort(s->rows, s->n, sizeof(CustomerRow), row_cmp);
	for (i = 1; i < s->n; i++)
	{
		CustomerRow *last = &s->rows[out];

		if (row_cmp(last, &s->rows[i]) == 0 && (int64) last->weight + s->rows[i].weight <= PG_INT32_MAX)
			last->weight += s->rows[i].weight;
		else
			s->rows[++out] = s->rows[i];
	}
	s->n = out + 1;
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
