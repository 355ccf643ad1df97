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
 * The state, clientele.kmeans_points.  It is a base type, not internal,
 * so that Citus can distribute both aggregates: its workers print their
 * states with the type's output function and the coordinator reads them
 * back and combines them.  While rows arrive it is a read-write expanded
 * object (utils/expandeddatum.h): the transition function updates it in
 * place and returns the same pointer, and nodeAgg (like Citus) keeps an
 * object whose memory context is a child of the aggregate context without
 * copying it, so a row costs what it cost with an internal state.  Its
 * arrays grow in that context by repalloc, which a flat varlena updated in
 * place could not do without moving (nodeAgg would then free the old value
 * and copy the new one).  The object is flattened only to leave the
 * aggregate (a Partial Aggregate's output, or the output functions): a
 * header, the keys, the rows, in storage order.
 *
 * The text form, version 1, exact:
 *   sample/1 size=100 seed=1 dim=2 seen=3 rows=3 ...
 *   kmeans/1 k=2 max_iterations=100 tolerance=0.0001 seed=0 dim=2 seen=3 rows=3 ...
 * followed by one "key:x1,x2,..." per kept row, the key in 16 hexadecimal
 * digits and the features in the shortest form that reads back to the
 * same double (whatever extra_float_digits says).  The keys are carried,
 * not recomputed, because the hash reads the features' bytes and so
 * depends on the byte order of the machine that saw the row; text does not.
 * The binary form (send and receive) has the same fields in network byte
 * order.  Input and receive check the version, the parameters as the
 * transition functions do (size >= 1, 1 <= k <= 10000, max_iterations >= 1,
 * tolerance >= 0 and not NaN), the dimension, the counts (rows =
 * min(seen, size), every row seen for kmeans()), finite features, and that
 * the text holds exactly the rows announced; a sample's heap is rebuilt.
 * Syntax errors are 22P02 (22P03 in binary), bad values 22023.  Two states
 * combine only if their parameters are the same.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "kmeans.h"

PG_FUNCTION_INFO_V1(clientele_kmeans_sample_trans);
PG_FUNCTION_INFO_V1(clientele_kmeans_all_trans);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_combine);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_in);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_out);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_recv);
PG_FUNCTION_INFO_V1(clientele_kmeans_points_send);
PG_FUNCTION_INFO_V1(clientele_kmeans_sample_final);
PG_FUNCTION_INFO_V1(clientele_kmeans_all_final);

#define KMEANS_DEFAULT_MAX_ITERATIONS	100
#define KMEANS_DEFAULT_TOLERANCE		1e-4

#define POINTS_VERSION	1

typedef struct KMeansPoints
{
	ExpandedObjectHeader hdr;	/* first: the object is its header */
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

/* The flat form; uint64 keys[n] and float8 points[n * dim] follow. */
typedef struct KMeansPointsFlat
{
	int32		vl_len_;
	int32		version;
	int32		dim;
	int32		k;
	int32		max_iterations;
	int32		padding;
	float8		tolerance;
	int64		capacity;
	int64		n;
	int64		seen;
	int64		seed;
} KMeansPointsFlat;

#define FLAT_KEYS(f)	((uint64 *) ((char *) (f) + sizeof(KMeansPointsFlat)))
#define FLAT_POINTS(f)	((float8 *) (FLAT_KEYS(f) + (f)->n))

static Size points_get_flat_size(ExpandedObjectHeader *eohptr);
static void points_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods points_methods = {
	points_get_flat_size,
	points_flatten_into
};

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

/* A new empty state in its own context under parent. */
static KMeansPoints *
points_create(MemoryContext parent, int64 capacity, int64 seed)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "clientele kmeans_points", ALLOCSET_START_SMALL_SIZES);
	KMeansPoints *p = MemoryContextAllocZero(cxt, sizeof(KMeansPoints));

	EOH_init_header(&p->hdr, &points_methods, cxt);
	p->capacity = capacity;
	p->seed = seed;
	/* small first allocations, grown by repalloc_huge in the same context */
	p->keys = MemoryContextAlloc(cxt, sizeof(uint64));
	p->points = MemoryContextAlloc(cxt, sizeof(float8));
	p->allocated = 0;
	return p;
}

/* Give dst the parameters of src (not its rows). */
static void
points_copy_params(KMeansPoints *dst, const KMeansPoints *src)
{
	dst->capacity = src->capacity;
	dst->seed = src->seed;
	dst->k = src->k;
	dst->max_iterations = src->max_iterations;
	dst->tolerance = src->tolerance;
}

/* A copy of a state (rows in the same order) in its own context under parent. */
static KMeansPoints *
points_copy(MemoryContext parent, const KMeansPoints *src)
{
	KMeansPoints *p = points_create(parent, src->capacity, src->seed);
	Size		cells = (Size) src->n * src->dim;

	points_copy_params(p, src);
	p->dim = src->dim;
	p->seen = src->seen;
	p->n = src->n;
	p->allocated = src->n;
	p->keys = MemoryContextAllocHuge(p->hdr.eoh_context, Max(src->n, 1) * sizeof(uint64));
	p->points = MemoryContextAllocHuge(p->hdr.eoh_context, Max(cells, 1) * sizeof(float8));
	memcpy(p->keys, src->keys, src->n * sizeof(uint64));
	memcpy(p->points, src->points, cells * sizeof(float8));
	return p;
}

/* Bytes of the flat form of n rows of dim features. */
static Size
points_flat_size(int64 n, int dim)
{
	Size		per_row = sizeof(uint64) + (Size) dim * sizeof(float8);

	if (n < 0 || (Size) n > (MaxAllocSize - sizeof(KMeansPointsFlat)) / per_row)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for a kmeans_points value: " INT64_FORMAT " of %d features", n, dim),
				 errdetail("The state leaves the aggregate (to a parallel leader or a Citus coordinator) as one value of at most 1 GB."),
				 errhint("Use clientele.kmeans_table(), whose memory does not grow with the rows, or a smaller sample.")));
	return sizeof(KMeansPointsFlat) + (Size) n * per_row;
}

/* Flat size of the expanded state. */
static Size
points_get_flat_size(ExpandedObjectHeader *eohptr)
{
	KMeansPoints *p = (KMeansPoints *) eohptr;

	return points_flat_size(p->n, p->dim);
}

/* Write the flat form: header, keys, rows, in storage order (a sample stays a heap). */
static void
points_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	KMeansPoints *p = (KMeansPoints *) eohptr;
	KMeansPointsFlat *f = result;

	Assert(allocated_size == points_flat_size(p->n, p->dim));
	memset(f, 0, sizeof(KMeansPointsFlat));
	SET_VARSIZE(f, allocated_size);
	f->version = POINTS_VERSION;
	f->dim = p->dim;
	f->k = p->k;
	f->max_iterations = p->max_iterations;
	f->tolerance = p->tolerance;
	f->capacity = p->capacity;
	f->n = p->n;
	f->seen = p->seen;
	f->seed = p->seed;
	memcpy(FLAT_KEYS(f), p->keys, p->n * sizeof(uint64));
	memcpy(FLAT_POINTS(f), p->points, (Size) p->n * p->dim * sizeof(float8));
}

/*
 * A read-only view of a state datum: the object itself when expanded, else
 * the arrays of the flat value (checked, and copied only if misaligned).
 */
static const KMeansPoints *
points_view(Datum d, KMeansPoints *view)
{
	KMeansPointsFlat *f;
	Size		len;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &points_methods)
			return (KMeansPoints *) eoh;
	}
	f = (KMeansPointsFlat *) PG_DETOAST_DATUM(d);
	len = VARSIZE(f);
	if (len < sizeof(KMeansPointsFlat) || f->version != POINTS_VERSION || f->dim < 0 ||
		f->dim > KMEANS_MAX_DIM || f->n < 0 ||
		(Size) f->n > (len - sizeof(KMeansPointsFlat)) / (sizeof(uint64) + (Size) f->dim * sizeof(float8)) ||
		len != sizeof(KMeansPointsFlat) + (Size) f->n * (sizeof(uint64) + (Size) f->dim * sizeof(float8)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted kmeans_points value of %zu bytes", len)));
	if ((uintptr_t) f % sizeof(float8) != 0)
	{
		KMeansPointsFlat *copy = palloc_extended(len, MCXT_ALLOC_HUGE);

		memcpy(copy, f, len);
		f = copy;
	}
	memset(view, 0, sizeof(KMeansPoints));
	view->dim = f->dim;
	view->k = f->k;
	view->max_iterations = f->max_iterations;
	view->tolerance = f->tolerance;
	view->capacity = f->capacity;
	view->n = f->n;
	view->allocated = f->n;
	view->seen = f->seen;
	view->seed = f->seed;
	view->keys = FLAT_KEYS(f);
	view->points = FLAT_POINTS(f);
	return view;
}

/* Check and add one feature row. */
static void
points_add_row(KMeansPoints *p, ArrayType *a)
{
	int			dim;
	const float8 *x = kmeans_features(a, p->dim, &dim);

	if (p->dim == 0)
	{
		if (dim > KMEANS_MAX_DIM)
			kmeans_check_k_dim(1, dim);
		p->dim = dim;
	}
	p->seen++;
	points_add(p, hash_bytes_extended((const unsigned char *) x, dim * sizeof(float8),
									  (uint64) p->seed), x);
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

/*
 * The state argument of a transition or combine function, to update in
 * place: the read-write object nodeAgg passes back, NULL, or a copy in the
 * aggregate context of any other value.
 */
static KMeansPoints *
points_transition_state(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	Datum		d;
	KMeansPoints view;

	if (PG_ARGISNULL(0))
		return NULL;
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) && DatumGetEOHP(d)->eoh_methods == &points_methods)
		return (KMeansPoints *) DatumGetEOHP(d);
	return points_copy(aggcxt, points_view(d, &view));
}

/* Transition of kmeans_sample(features, size, seed). */
Datum
clientele_kmeans_sample_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = points_agg_context(fcinfo, "kmeans_sample_trans");
	KMeansPoints *p = points_transition_state(fcinfo, aggcxt);

	if (p == NULL)
	{
		int32		size = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2);

		if (size < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sample size must be at least 1")));
		p = points_create(aggcxt, size, PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3));
	}
	else if (p->capacity < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a kmeans() state cannot be used as a kmeans_sample() state")));
	if (!PG_ARGISNULL(1))
		points_add_row(p, PG_GETARG_ARRAYTYPE_P(1));
	PG_RETURN_DATUM(EOHPGetRWDatum(&p->hdr));
}

/* Transition of kmeans(features, k [, max_iterations, tolerance, seed]). */
Datum
clientele_kmeans_all_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = points_agg_context(fcinfo, "kmeans_trans");
	KMeansPoints *p = points_transition_state(fcinfo, aggcxt);

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
	else if (p->capacity >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a kmeans_sample() state cannot be used as a kmeans() state")));
	if (!PG_ARGISNULL(1))
		points_add_row(p, PG_GETARG_ARRAYTYPE_P(1));
	if ((p->seen & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	PG_RETURN_DATUM(EOHPGetRWDatum(&p->hdr));
}

/* The parameters of a state, for error messages. */
static char *
points_describe(const KMeansPoints *p)
{
	if (p->capacity >= 0)
		return psprintf("kmeans_sample(size " INT64_FORMAT ", seed " INT64_FORMAT ")", p->capacity, p->seed);
	return psprintf("kmeans(k %d, max_iterations %d, tolerance %g, seed " INT64_FORMAT ")",
					p->k, p->max_iterations, p->tolerance, p->seed);
}

/* Combine: push the right state's rows into the left (a copy when the left is NULL). */
Datum
clientele_kmeans_points_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = points_agg_context(fcinfo, "kmeans_points_combine");
	KMeansPoints view;
	const KMeansPoints *b;
	KMeansPoints *a;
	int64		i;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = points_view(PG_GETARG_DATUM(1), &view);
	a = points_transition_state(fcinfo, aggcxt);
	if (a == NULL)
	{
		/* copy into the aggregate context */
		a = points_copy(aggcxt, b);
		PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
	}
	if (a->capacity != b->capacity || a->seed != b->seed || a->k != b->k ||
		a->max_iterations != b->max_iterations || a->tolerance != b->tolerance)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine k-means states of different parameters"),
				 errdetail("%s and %s.", points_describe(a), points_describe(b))));
	if (a->dim == 0)
		a->dim = b->dim;
	else if (b->dim != 0 && a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature array has %d dimensions, expected %d", b->dim, a->dim),
				 errdetail("Every row must have as many features as the first row.")));
	if (b->seen > PG_INT64_MAX - a->seen)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("too many rows seen for one k-means state")));
	for (i = 0; i < b->n; i++)
	{
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		points_add(a, b->keys[i], b->points + i * b->dim);
	}
	a->seen += b->seen;
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* ---- text and binary forms ------------------------------------------- */

/* Check the parameters and counts of a state read from outside (22023). */
static void
points_check_values(const KMeansPoints *p)
{
	const char *problem = NULL;
	Size		i,
				cells = (Size) p->n * p->dim;

	if (p->capacity < -1 || p->capacity == 0 || p->capacity > PG_INT32_MAX)
		problem = "a sample size below 1";
	else if (p->capacity < 0 && (p->k < 1 || p->k > KMEANS_MAX_K))
		problem = psprintf("k outside [1, %d]", KMEANS_MAX_K);
	else if (p->capacity < 0 && p->max_iterations < 1)
		problem = "max_iterations below 1";
	else if (p->capacity < 0 && (isnan(p->tolerance) || p->tolerance < 0))
		problem = "a tolerance that is not a number >= 0";
	else if (p->capacity > 0 && (p->k != 0 || p->max_iterations != 0 ||
								 p->tolerance != 0.0 || signbit(p->tolerance)))
		problem = "k-means parameters in a sample (k, max_iterations and tolerance must be 0)";
	else if (p->dim < 0 || p->dim > KMEANS_MAX_DIM)
		problem = psprintf("a dimension outside [0, %d]", KMEANS_MAX_DIM);
	else if (p->seen < 0 || p->n < 0)
		problem = "a negative count";
	else if ((p->dim == 0) != (p->seen == 0))
		problem = "rows without a dimension, or a dimension without rows";
	else if (p->n != (p->capacity < 0 ? p->seen : Min(p->seen, p->capacity)))
		problem = p->capacity < 0 ? "rows different from the rows seen" : "rows different from min(seen, size)";
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid kmeans_points value: %s", problem)));
	for (i = 0; p->points != NULL && i < cells; i++)
		if (!isfinite(p->points[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid kmeans_points value: feature %d of row " INT64_FORMAT " is not finite",
							(int) (i % p->dim) + 1, (int64) (i / p->dim) + 1)));
}

/* Make a sample's rows a max-heap again (they may come in any order). */
static void
points_heapify(KMeansPoints *p)
{
	float8	   *tmp = palloc(Max(p->dim, 1) * sizeof(float8));
	int64		i;

	if (p->capacity < 0)
		return;
	for (i = p->n / 2 - 1; i >= 0; i--)
		points_sift_down(p, i, tmp);
	pfree(tmp);
}

/* The flat value of a state built here (by input or receive). */
static Datum
points_flat_datum(KMeansPoints *p)
{
	Size		size = EOH_get_flat_size(&p->hdr);
	void	   *flat = palloc_extended(size, MCXT_ALLOC_HUGE);

	EOH_flatten_into(&p->hdr, flat, size);
	return PointerGetDatum(flat);
}

/* Append a double in its shortest exact form. */
static void
points_append_float8(StringInfo buf, float8 v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN + 1];

	if (isinf(v))
		appendStringInfoString(buf, v > 0 ? "Infinity" : "-Infinity");
	else
	{
		double_to_shortest_decimal_buf(v, tmp);
		appendStringInfoString(buf, tmp);
	}
}

/* kmeans_points text output. */
Datum
clientele_kmeans_points_out(PG_FUNCTION_ARGS)
{
	KMeansPoints view;
	const KMeansPoints *p = points_view(PG_GETARG_DATUM(0), &view);
	StringInfoData buf;
	int64		i;
	int			j;

	initStringInfo(&buf);
	if (p->capacity >= 0)
		appendStringInfo(&buf, "sample/%d size=" INT64_FORMAT, POINTS_VERSION, p->capacity);
	else
	{
		appendStringInfo(&buf, "kmeans/%d k=%d max_iterations=%d tolerance=", POINTS_VERSION, p->k,
						 p->max_iterations);
		points_append_float8(&buf, p->tolerance);
	}
	appendStringInfo(&buf, " seed=" INT64_FORMAT " dim=%d seen=" INT64_FORMAT " rows=" INT64_FORMAT,
					 p->seed, p->dim, p->seen, p->n);
	for (i = 0; i < p->n; i++)
	{
		const float8 *x = p->points + i * p->dim;

		appendStringInfo(&buf, " %016llx:", (unsigned long long) p->keys[i]);
		for (j = 0; j < p->dim; j++)
		{
			if (j > 0)
				appendStringInfoChar(&buf, ',');
			points_append_float8(&buf, x[j]);
		}
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_CSTRING(buf.data);
}

/* A state of a checked header's size (read by input or receive), its rows to fill. */
static KMeansPoints *
points_from_header(const KMeansPoints *h)
{
	KMeansPoints *p = points_create(CurrentMemoryContext, h->capacity, h->seed);
	Size		cells = (Size) h->n * h->dim;

	points_copy_params(p, h);
	p->dim = h->dim;
	p->seen = h->seen;
	p->n = h->n;
	p->allocated = h->n;
	p->keys = MemoryContextAllocHuge(p->hdr.eoh_context, Max(h->n, 1) * sizeof(uint64));
	p->points = MemoryContextAllocHuge(p->hdr.eoh_context, Max(cells, 1) * sizeof(float8));
	return p;
}

typedef struct PointsParser
{
	const char *s;				/* the whole input */
	const char *p;				/* next character */
} PointsParser;

/* Raise the syntax error of the text form. */
static void pg_attribute_noreturn()
points_parse_error(PointsParser *ps, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type kmeans_points: \"%.100s%s\"", ps->s,
					strlen(ps->s) > 100 ? "..." : ""),
			 errdetail("Expected %s at character %d.", expected, (int) (ps->p - ps->s) + 1)));
}

/* Skip white space, then take the literal word if it is there. */
static bool
points_parse_take(PointsParser *ps, const char *word)
{
	size_t		len = strlen(word);

	while (isspace((unsigned char) *ps->p))
		ps->p++;
	if (strncmp(ps->p, word, len) != 0)
		return false;
	ps->p += len;
	return true;
}

/* Require the literal word. */
static void
points_parse_expect(PointsParser *ps, const char *word)
{
	if (!points_parse_take(ps, word))
		points_parse_error(ps, psprintf("\"%s\"", word));
}

/* A decimal integer (optionally negative) that fits int64. */
static int64
points_parse_int(PointsParser *ps, const char *what)
{
	char	   *end;
	long long	v;

	if (!isdigit((unsigned char) ps->p[0]) && !(ps->p[0] == '-' && isdigit((unsigned char) ps->p[1])))
		points_parse_error(ps, psprintf("%s (a whole number)", what));
	errno = 0;
	v = strtoll(ps->p, &end, 10);
	if (errno != 0)
		points_parse_error(ps, psprintf("%s (a whole number that fits in 64 bits)", what));
	ps->p = end;
	return (int64) v;
}

/* A double (NaN and infinities included: the checks come later). */
static float8
points_parse_float(PointsParser *ps)
{
	char	   *end;
	float8		v;
	bool		have_error = false;

	if (*ps->p == '\0' || *ps->p == ',' || isspace((unsigned char) *ps->p))
		points_parse_error(ps, "a number");
	v = float8in_internal_opt_error((char *) ps->p, &end, "kmeans_points", ps->s, &have_error);
	if (have_error || end == ps->p)
		points_parse_error(ps, "a number");
	/* float8in skips trailing spaces: give back the separator */
	while (end > ps->p && isspace((unsigned char) end[-1]))
		end--;
	ps->p = end;
	return v;
}

/* An int64 header field that must fit in int32. */
static int32
points_parse_int32(PointsParser *ps, const char *what)
{
	int64		v = points_parse_int(ps, what);

	if (v < PG_INT32_MIN || v > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid kmeans_points value: %s " INT64_FORMAT " is out of range", what, v)));
	return (int32) v;
}

/* kmeans_points text input. */
Datum
clientele_kmeans_points_in(PG_FUNCTION_ARGS)
{
	PointsParser ps;
	KMeansPoints h;
	KMeansPoints *p;
	int64		version,
				i;
	int			j;

	memset(&h, 0, sizeof(h));
	ps.s = ps.p = PG_GETARG_CSTRING(0);
	if (points_parse_take(&ps, "sample/"))
	{
		if ((version = points_parse_int(&ps, "the version")) != POINTS_VERSION)
			goto bad_version;
		points_parse_expect(&ps, "size=");
		h.capacity = points_parse_int(&ps, "size");
		if (h.capacity < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid kmeans_points value: sample size must be at least 1")));
	}
	else if (points_parse_take(&ps, "kmeans/"))
	{
		if ((version = points_parse_int(&ps, "the version")) != POINTS_VERSION)
			goto bad_version;
		h.capacity = -1;
		points_parse_expect(&ps, "k=");
		h.k = points_parse_int32(&ps, "k");
		points_parse_expect(&ps, "max_iterations=");
		h.max_iterations = points_parse_int32(&ps, "max_iterations");
		points_parse_expect(&ps, "tolerance=");
		h.tolerance = points_parse_float(&ps);
	}
	else
		points_parse_error(&ps, "\"sample/\" or \"kmeans/\"");
	points_parse_expect(&ps, "seed=");
	h.seed = points_parse_int(&ps, "seed");
	points_parse_expect(&ps, "dim=");
	h.dim = points_parse_int32(&ps, "dim");
	points_parse_expect(&ps, "seen=");
	h.seen = points_parse_int(&ps, "seen");
	points_parse_expect(&ps, "rows=");
	h.n = points_parse_int(&ps, "rows");
	h.points = NULL;
	points_check_values(&h);	/* the header first: no features yet */
	/* a row takes at least 19 + 2 (dim - 1) characters: no more than the text holds */
	if (h.n > (int64) (strlen(ps.p) / (19 + 2 * (Size) (Max(h.dim, 1) - 1))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type kmeans_points: rows=" INT64_FORMAT " but the text is too short for them",
						h.n)));
	(void) points_flat_size(h.n, h.dim);
	p = points_from_header(&h);
	for (i = 0; i < h.n; i++)
	{
		uint64		key = 0;

		if (!isspace((unsigned char) *ps.p))
			points_parse_error(&ps, "a space");
		while (isspace((unsigned char) *ps.p))
			ps.p++;
		for (j = 0; j < 16; j++)
		{
			char		c = ps.p[0];
			int			digit;

			if (c >= '0' && c <= '9')
				digit = c - '0';
			else if (c >= 'a' && c <= 'f')
				digit = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				digit = c - 'A' + 10;
			else
				points_parse_error(&ps, "a key of 16 hexadecimal digits");
			key = (key << 4) | (uint64) digit;
			ps.p++;
		}
		p->keys[i] = key;
		if (*ps.p != ':')
			points_parse_error(&ps, "\":\" after the key");
		ps.p++;
		for (j = 0; j < h.dim; j++)
		{
			if (j > 0)
			{
				if (*ps.p != ',')
					points_parse_error(&ps, psprintf("\",\" (a row has %d features)", h.dim));
				ps.p++;
			}
			p->points[(Size) i * h.dim + j] = points_parse_float(&ps);
		}
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	while (isspace((unsigned char) *ps.p))
		ps.p++;
	if (*ps.p != '\0')
		points_parse_error(&ps, psprintf("the end of the value after " INT64_FORMAT " rows", h.n));
	points_check_values(p);
	points_heapify(p);
	PG_RETURN_DATUM(points_flat_datum(p));

bad_version:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("kmeans_points text form version " INT64_FORMAT " is not supported", version),
			 errhint("This version of clientele reads version %d.", POINTS_VERSION)));
}

/* kmeans_points binary output: the fields in network byte order. */
Datum
clientele_kmeans_points_send(PG_FUNCTION_ARGS)
{
	KMeansPoints view;
	const KMeansPoints *p = points_view(PG_GETARG_DATUM(0), &view);
	StringInfoData buf;
	Size		i,
				cells = (Size) p->n * p->dim;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, POINTS_VERSION);
	pq_sendint64(&buf, p->capacity);
	pq_sendint64(&buf, p->seed);
	pq_sendint32(&buf, p->k);
	pq_sendint32(&buf, p->max_iterations);
	pq_sendfloat8(&buf, p->tolerance);
	pq_sendint32(&buf, p->dim);
	pq_sendint64(&buf, p->seen);
	pq_sendint64(&buf, p->n);
	for (i = 0; i < (Size) p->n; i++)
		pq_sendint64(&buf, (int64) p->keys[i]);
	for (i = 0; i < cells; i++)
		pq_sendfloat8(&buf, p->points[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* kmeans_points binary input: the length checked before the rows are read. */
Datum
clientele_kmeans_points_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	KMeansPoints h;
	KMeansPoints *p;
	int			version;
	int64		left;
	Size		i,
				cells;

	memset(&h, 0, sizeof(h));
	if (msg->len - msg->cursor < 4 + 8 + 8 + 4 + 4 + 8 + 4 + 8 + 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary kmeans_points value: %d bytes", msg->len - msg->cursor)));
	version = pq_getmsgint(msg, 4);
	if (version != POINTS_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("binary kmeans_points version %d is not supported", version)));
	h.capacity = pq_getmsgint64(msg);
	h.seed = pq_getmsgint64(msg);
	h.k = pq_getmsgint(msg, 4);
	h.max_iterations = pq_getmsgint(msg, 4);
	h.tolerance = pq_getmsgfloat8(msg);
	h.dim = pq_getmsgint(msg, 4);
	h.seen = pq_getmsgint64(msg);
	h.n = pq_getmsgint64(msg);
	points_check_values(&h);
	left = msg->len - msg->cursor;
	if ((Size) h.n > (Size) left / (sizeof(uint64) + (Size) h.dim * sizeof(float8)) ||
		(Size) left != (Size) h.n * (sizeof(uint64) + (Size) h.dim * sizeof(float8)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary kmeans_points value: " INT64_FORMAT " rows of %d features in " INT64_FORMAT " bytes",
						h.n, h.dim, left)));
	p = points_from_header(&h);
	cells = (Size) h.n * h.dim;
	for (i = 0; i < (Size) h.n; i++)
		p->keys[i] = (uint64) pq_getmsgint64(msg);
	for (i = 0; i < cells; i++)
		p->points[i] = pq_getmsgfloat8(msg);
	pq_getmsgend(msg);
	points_check_values(p);
	points_heapify(p);
	PG_RETURN_DATUM(points_flat_datum(p));
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
points_sorted(const KMeansPoints *p)
{
	int64	   *order = palloc_extended(Max(p->n, 1) * sizeof(int64), MCXT_ALLOC_HUGE);
	float8	   *out = palloc_extended(Max((Size) p->n * p->dim, 1) * sizeof(float8), MCXT_ALLOC_HUGE);
	int64		i;

	for (i = 0; i < p->n; i++)
		order[i] = i;
	qsort_arg(order, p->n, sizeof(int64), points_index_cmp, unconstify(KMeansPoints *, p));
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
	KMeansPoints view;
	const KMeansPoints *p;
	float8	   *x;
	Datum	   *d;
	int			dims[2];
	int			lbs[2] = {1, 1};
	Size		i,
				cells;

	/* also callable on a state value outside the aggregate (a Citus coordinator) */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = points_view(PG_GETARG_DATUM(0), &view);
	if (p->capacity < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a kmeans() state is not a kmeans_sample() state")));
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
	KMeansPoints view;
	const KMeansPoints *p;
	float8	   *x;

	/* also callable on a state value outside the aggregate (a Citus coordinator) */
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = points_view(PG_GETARG_DATUM(0), &view);
	if (p->capacity >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a kmeans_sample() state is not a kmeans() state")));
	if (p->n == 0)
		PG_RETURN_NULL();
	x = points_sorted(p);
	PG_RETURN_POINTER(kmeans_fit_points(x, p->n, p->dim, p->k, p->max_iterations, p->tolerance,
										(uint64) p->seed));
}
