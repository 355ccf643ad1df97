/*
 * kmeans_sample.c — aggregates that gather feature rows in memory:
 * clientele.kmeans_sample(features, size, seed), a seeded uniform sample of
 * the rows as a float8[][], and clientele.kmeans(features, k, ...), k-means
 * fitted in memory on every row.
 *
 * The sample must be the same whatever the scan order and however the rows
 * are split between parallel workers, otherwise a seed would not pin the
 * clustering down.  So the sample is a bottom-m sketch: every row gets a
 * key, a 64-bit hash of its feature bytes mixed with the seed, and the
 * sample is the m rows with the smallest keys (ties broken by the bytes).
 * A state keeps its m smallest in a max-heap (O(log m) a row), two states
 * combine by pushing one into the other, and the final function sorts the
 * kept rows by key: a canonical order, so the seeding that reads them is
 * reproducible too.  The hash makes the choice of rows uniform; identical
 * rows share a key and are kept or dropped together, which keeps each value
 * in proportion to its multiplicity, only in clumps.
 *
 * kmeans() keeps every row the same way (with no size limit) and runs
 * kmeans_fit_points() on them in that canonical order, so a serial and a
 * parallel aggregate give the same model.  Its memory is the rows
 * themselves (8 bytes per feature plus 8 per row); for tables that do not
 * fit, kmeans_table() iterates the bounded-memory kmeans_step() instead.
 *
 * The internal states travel between processes in a binary form validated
 * on arrival (lengths, counts and dimensions).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "kmeans.h"

PG_FUNCTION_INFO_V1(clientele_kmeans_sample_trans);
PG_FUNCTION_INFO_V1(clientele_kmeans_all_trans);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_combine);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_serialize);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_deserialize);
PG_FUNCTION_INFO_V1(clientele_kmeans_sample_final);
PG_FUNCTION_INFO_V1(clientele_kmeans_all_final);

#define KMEANS_DEFAULT_MAX_ITERATIONS	100
#define KMEANS_DEFAULT_TOLERANCE		1e-4

typedef struct KMeansPoints
{
	int32		dim;			/* 0 until the first row */
	int32		k;				/* kmeans(): parameters, from the first row */
	int32		max_iterations;
	int32		padding;
	float8		tolerance;
	int64		capacity;		/* rows kept at most; -1: all */
	int64		n;				/* rows kept */
	int64		allocated;		/* slots allocated */
	int64		seen;			/* rows seen */
	int64		seed;
	uint64	   *keys;
	float8	   *points;			/* n * dim */
} KMeansPoints;

#define POINTS_HEADER_SIZE	(4 * sizeof(int32) + sizeof(float8) + 5 * sizeof(int64))

/* Order of kept rows: key, then bytes. */
static inline int
points_cmp(const KMeansPoints *p, uint64 ka, const float8 *a, uint64 kb, const float8 *b)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return memcmp(a, b, p->dim * sizeof(float8));
}

/* Swap kept rows i and j. */
static void
points_swap(KMeansPoints *p, int64 i, int64 j, float8 *tmp)
{
	uint64		k = p->keys[i];
	Size		w = p->dim * sizeof(float8);

	p->keys[i] = p->keys[j];
	p->keys[j] = k;
	memcpy(tmp, p->points + i * p->dim, w);
	memcpy(p->points + i * p->dim, p->points + j * p->dim, w);
	memcpy(p->points + j * p->dim, tmp, w);
}

/* Restore the max-heap below slot i. */
static void
points_sift_down(KMeansPoints *p, int64 i, float8 *tmp)
{
	for (;;)
	{
		int64		l = 2 * i + 1,
					r = l + 1,
					big = i;

		if (l < p->n && points_cmp(p, p->keys[l], p->points + l * p->dim,
								   p->keys[big], p->points + big * p->dim) > 0)
			big = l;
		if (r < p->n && points_cmp(p, p->keys[r], p->points + r * p->dim,
								   p->keys[big], p->points + big * p->dim) > 0)
			big = r;
		if (big == i)
			return;
		points_swap(p, i, big, tmp);
		i = big;
	}
}

/* Add one row (key, x) to the kept rows. */
static void
points_add(KMeansPoints *p, uint64 key, const float8 *x)
{
	float8		tmp[KMEANS_ROW_BUFFER];
	float8	   *swap = p->dim <= KMEANS_ROW_BUFFER ? tmp : palloc(p->dim * sizeof(float8));

	if (p->capacity < 0 || p->n < p->capacity)
	{
		int64		i;

		if (p->n == p->allocated)
		{
			int64		grow = Max(64, p->allocated * 2);

			if (p->capacity >= 0)
				grow = Min(grow, p->capacity);
			p->keys = repalloc_huge(p->keys, grow * sizeof(uint64));
			p->points = repalloc_huge(p->points, (Size) grow * p->dim * sizeof(float8));
			p->allocated = grow;
		}
		i = p->n++;
		p->keys[i] = key;
		memcpy(p->points + i * p->dim, x, p->dim * sizeof(float8));
		/* a sample is a max-heap; "all rows" is sorted at the end */
		if (p->capacity >= 0)
		{
			while (i > 0)
			{
				int64		parent = (i - 1) / 2;

				if (points_cmp(p, p->keys[parent], p->points + parent * p->dim,
							   p->keys[i], p->points + i * p->dim) >= 0)
					break;
				points_swap(p, i, parent, swap);
				i = parent;
			}
		}
	}
	else if (points_cmp(p, key, x, p->keys[0], p->points) < 0)
	{
		p->keys[0] = key;
		memcpy(p->points, x, p->dim * sizeof(float8));
		points_sift_down(p, 0, swap);
	}
	if (swap != tmp)
		pfree(swap);
}

/* A new empty state in the aggregate context. */
static KMeansPoints *
points_create(MemoryContext aggcxt, int64 capacity, int64 seed)
{
	KMeansPoints *p = MemoryContextAllocZero(aggcxt, sizeof(KMeansPoints));

	p->capacity = capacity;
	p->seed = seed;
	/* small first allocations, grown by repalloc_huge in the same context */
	p->keys = MemoryContextAlloc(aggcxt, sizeof(uint64));
	p->points = MemoryContextAlloc(aggcxt, sizeof(float8));
	p->allocated = 0;
	return p;
}

/* Check and add one feature row. */
static void
points_add_row(KMeansPoints *p, ArrayType *a, MemoryContext aggcxt)
{
	int			dim;
	const float8 *x = kmeans_features(a, p->dim, &dim);
	MemoryContext old;

	if (p->dim == 0)
	{
		if (dim > KMEANS_MAX_DIM)
			kmeans_check_k_dim(1, dim);
		p->dim = dim;
	}
	p->seen++;
	old = MemoryContextSwitchTo(aggcxt);
	points_add(p, hash_bytes_extended((const unsigned char *) x, dim * sizeof(float8),
									  (uint64) p->seed), x);
	MemoryContextSwitchTo(old);
}

/* Return the aggregate context or raise an error outside an aggregate. */
static MemoryContext
points_agg_context(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fn)));
	return aggcxt;
}

/* Transition of kmeans_sample(features, size, seed). */
Datum
clientele_kmeans_sample_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = points_agg_context(fcinfo, "kmeans_sample_trans");
	KMeansPoints *p = PG_ARGISNULL(0) ? NULL : (KMeansPoints *) PG_GETARG_POINTER(0);

	if (p == NULL)
	{
		int32		size = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);

		if (size < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sample size must be at least 1")));
		p = points_create(aggcxt, size, PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3));
	}
	if (!PG_ARGISNULL(1))
		points_add_row(p, PG_GETARG_ARRAYTYPE_P(1), aggcxt);
	PG_RETURN_POINTER(p);
}

/* Transition of kmeans(features, k [, max_iterations, tolerance, seed]). */
Datum
clientele_kmeans_all_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = points_agg_context(fcinfo, "kmeans_trans");
	KMeansPoints *p = PG_ARGISNULL(0) ? NULL : (KMeansPoints *) PG_GETARG_POINTER(0);

	if (p == NULL)
	{
		int			k,
					max_iterations = KMEANS_DEFAULT_MAX_ITERATIONS;
		float8		tolerance = KMEANS_DEFAULT_TOLERANCE;
		int64		seed = 0;

		if (PG_ARGISNULL(2) || (PG_NARGS() > 3 && (PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5))))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("kmeans() parameters must not be NULL")));
		k = PG_GETARG_INT32(2);
		if (PG_NARGS() > 3)
		{
			max_iterations = PG_GETARG_INT32(3);
			tolerance = PG_GETARG_FLOAT8(4);
			seed = PG_GETARG_INT64(5);
		}
		/* every check but the row count, which is known at the end */
		kmeans_check_fit_args(k, PG_INT64_MAX, max_iterations, tolerance);
		kmeans_check_k_dim(k, 1);
		p = points_create(aggcxt, -1, seed);
		p->k = k;
		p->max_iterations = max_iterations;
		p->tolerance = tolerance;
	}
	if (!PG_ARGISNULL(1))
		points_add_row(p, PG_GETARG_ARRAYTYPE_P(1), aggcxt);
	if ((p->seen & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	PG_RETURN_POINTER(p);
}

/* Combine: push the right state's rows into the left (a copy when the left is NULL). */
Datum
clientele_kmeans_points_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = points_agg_context(fcinfo, "kmeans_points_combine");
	KMeansPoints *a = PG_ARGISNULL(0) ? NULL : (KMeansPoints *) PG_GETARG_POINTER(0);
	KMeansPoints *b = PG_ARGISNULL(1) ? NULL : (KMeansPoints *) PG_GETARG_POINTER(1);
	MemoryContext old;
	int64		i;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = points_create(aggcxt, b->capacity, b->seed);
		a->k = b->k;
		a->max_iterations = b->max_iterations;
		a->tolerance = b->tolerance;
	}
	if (a->dim == 0)
		a->dim = b->dim;
	else if (b->dim != 0 && a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature array has %d dimensions, expected %d", b->dim, a->dim),
				 errdetail("Every row must have as many features as the first row.")));
	old = MemoryContextSwitchTo(aggcxt);
	for (i = 0; i < b->n; i++)
	{
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		points_add(a, b->keys[i], b->points + i * b->dim);
	}
	MemoryContextSwitchTo(old);
	a->seen += b->seen;
	PG_RETURN_POINTER(a);
}

/* Serialize: header, keys, points. */
Datum
clientele_kmeans_points_serialize(PG_FUNCTION_ARGS)
{
	KMeansPoints *p = (KMeansPoints *) PG_GETARG_POINTER(0);
	Size		size = VARHDRSZ + POINTS_HEADER_SIZE + (Size) p->n * sizeof(uint64) +
		(Size) p->n * p->dim * sizeof(float8);
	bytea	   *out;
	char	   *d;

	points_agg_context(fcinfo, "kmeans_points_serialize");
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for kmeans() in parallel: " INT64_FORMAT, p->n),
				 errhint("Use clientele.kmeans_table(), whose memory does not grow with the rows.")));
	out = palloc(size);
	SET_VARSIZE(out, size);
	d = VARDATA(out);
	memcpy(d, &p->dim, POINTS_HEADER_SIZE);
	d += POINTS_HEADER_SIZE;
	memcpy(d, p->keys, p->n * sizeof(uint64));
	d += p->n * sizeof(uint64);
	memcpy(d, p->points, (Size) p->n * p->dim * sizeof(float8));
	PG_RETURN_BYTEA_P(out);
}

/* Deserialize, checking every length. */
Datum
clientele_kmeans_points_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = points_agg_context(fcinfo, "kmeans_points_deserialize");
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *d = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	KMeansPoints h;
	KMeansPoints *p;

	if (len < POINTS_HEADER_SIZE)
		goto bad;
	memcpy(&h.dim, d, POINTS_HEADER_SIZE);
	if (h.dim < 0 || h.dim > KMEANS_MAX_DIM || h.n < 0 || h.seen < h.n ||
		(h.capacity >= 0 && h.n > h.capacity) || (h.dim == 0 && h.n > 0) ||
		(Size) h.n > (len - POINTS_HEADER_SIZE) / (sizeof(uint64) + Max(h.dim, 1) * sizeof(float8)) ||
		len != POINTS_HEADER_SIZE + (Size) h.n * (sizeof(uint64) + h.dim * sizeof(float8)))
		goto bad;
	p = points_create(aggcxt, h.capacity, h.seed);
	memcpy(&p->dim, d, POINTS_HEADER_SIZE);
	p->keys = MemoryContextAllocHuge(aggcxt, Max(h.n, 1) * sizeof(uint64));
	p->points = MemoryContextAllocHuge(aggcxt, Max((Size) h.n * h.dim, 1) * sizeof(float8));
	p->allocated = h.n;
	memcpy(p->keys, d + POINTS_HEADER_SIZE, h.n * sizeof(uint64));
	memcpy(p->points, d + POINTS_HEADER_SIZE + h.n * sizeof(uint64), (Size) h.n * h.dim * sizeof(float8));
	PG_RETURN_POINTER(p);

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid k-means aggregate state")));
}

/* qsort_arg comparator of row indexes in canonical order. */
static int
points_index_cmp(const void *a, const void *b, void *arg)
{
	const KMeansPoints *p = arg;
	int64		i = *(const int64 *) a;
	int64		j = *(const int64 *) b;

	return points_cmp(p, p->keys[i], p->points + i * p->dim, p->keys[j], p->points + j * p->dim);
}

/* The kept rows in their canonical order (key, then bytes), as a new array. */
static float8 *
points_sorted(KMeansPoints *p)
{
	int64	   *order = palloc_extended(Max(p->n, 1) * sizeof(int64), MCXT_ALLOC_HUGE);
	float8	   *out = palloc_extended(Max((Size) p->n * p->dim, 1) * sizeof(float8), MCXT_ALLOC_HUGE);
	int64		i;

	for (i = 0; i < p->n; i++)
		order[i] = i;
	qsort_arg(order, p->n, sizeof(int64), points_index_cmp, p);
	CHECK_FOR_INTERRUPTS();
	for (i = 0; i < p->n; i++)
		memcpy(out + i * p->dim, p->points + order[i] * p->dim, p->dim * sizeof(float8));
	pfree(order);
	return out;
}

/* Final of kmeans_sample(): float8[n][dim] in canonical order (NULL over no rows). */
Datum
clientele_kmeans_sample_final(PG_FUNCTION_ARGS)
{
	KMeansPoints *p;
	float8	   *x;
	Datum	   *d;
	int			dims[2];
	int			lbs[2] = {1, 1};
	Size		i,
				cells;

	points_agg_context(fcinfo, "kmeans_sample_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = (KMeansPoints *) PG_GETARG_POINTER(0);
	if (p->n == 0)
		PG_RETURN_NULL();
	x = points_sorted(p);
	cells = (Size) p->n * p->dim;
	d = palloc_extended(cells * sizeof(Datum), MCXT_ALLOC_HUGE);
	for (i = 0; i < cells; i++)
		d[i] = Float8GetDatum(x[i]);
	dims[0] = (int) p->n;
	dims[1] = p->dim;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* Final of kmeans(): fit on every row in canonical order (NULL over no rows). */
Datum
clientele_kmeans_all_final(PG_FUNCTION_ARGS)
{
	KMeansPoints *p;
	float8	   *x;

	points_agg_context(fcinfo, "kmeans_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = (KMeansPoints *) PG_GETARG_POINTER(0);
	if (p->n == 0)
		PG_RETURN_NULL();
	x = points_sorted(p);
	PG_RETURN_POINTER(kmeans_fit_points(x, p->n, p->dim, p->k, p->max_iterations, p->tolerance,
										(uint64) p->seed));
}
