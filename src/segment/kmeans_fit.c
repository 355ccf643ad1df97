/*
 * kmeans_fit.c — k-means on points held in memory: k-means++ seeding, Lloyd
 * iterations, the silhouette, and the scan over k that helps choosing it.
 *
 * Seeding (k-means++, Arthur and Vassilvitskii 2007): the first centroid is
 * a point drawn uniformly; each next one is a point drawn with probability
 * proportional to its squared distance to the nearest centroid chosen so
 * far.  Spread-out seeds make Lloyd converge faster and to better optima
 * than uniform seeds, with an expected inertia within O(log k) of the
 * optimum.  The draws come from PostgreSQL's seeded generator (pg_prng,
 * xoroshiro128**), so a seed gives the same centroids on every platform; the
 * points are always taken in a canonical order (see kmeans_sample.c) so the
 * result does not depend on the scan order either.  When every remaining
 * point coincides with a centroid (fewer distinct points than k), the next
 * seed is drawn uniformly and some clusters stay empty.  Cost: O(n k dim).
 *
 * Lloyd: assign, then update through kmeans_lloyd_update() (kmeans_step.c),
 * the same arithmetic as the parallel step aggregate, until the largest
 * centroid move is at most the tolerance or max_iterations updates are done.
 *
 * Silhouette (Rousseeuw 1987) of a point i in cluster A: a = mean distance
 * to the other points of A, b = smallest mean distance to the points of
 * another cluster, s = (b - a) / max(a, b), 0 for a point alone in its
 * cluster; the score is the mean of s over the points, in [-1, 1], higher
 * for tight, well-separated clusters.  It needs all pairwise distances,
 * O(n^2 dim), so it is computed on a sample (kmeans_sample()).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "kmeans.h"

PG_FUNCTION_INFO_V1(clientele_kmeans_seed);
PG_FUNCTION_INFO_V1(clientele_kmeans_fit);
PG_FUNCTION_INFO_V1(clientele_kmeans_silhouette);
PG_FUNCTION_INFO_V1(clientele_kmeans_choose_k);

/* Check the arguments of a fit. */
void
kmeans_check_fit_args(int k, int64 rows, int max_iterations, float8 tolerance)
{
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
	if (rows < k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k (%d) is greater than the number of rows (" INT64_FORMAT ")", k, rows),
				 errhint("Ask for at most as many clusters as there are rows.")));
	if (max_iterations < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iterations must be at least 1, not %d", max_iterations)));
	if (isnan(tolerance) || tolerance < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tolerance must be a number >= 0")));
}

/* k-means++ seeds of n points (row-major) into centroids[k * dim]. */
void
kmeans_plusplus(const float8 *points, int64 n, int dim, int k, uint64 seed, float8 *centroids)
{
	pg_prng_state rng;
	float8	   *d2 = palloc_extended((Size) n * sizeof(float8), MCXT_ALLOC_HUGE);
	int64		first;
	int64		i;
	int			c;

	pg_prng_seed(&rng, seed);
	first = (int64) pg_prng_uint64_range(&rng, 0, (uint64) (n - 1));
	memcpy(centroids, points + (Size) first * dim, dim * sizeof(float8));
	for (i = 0; i < n; i++)
		d2[i] = kmeans_dist2(points + (Size) i * dim, centroids, dim);
	for (c = 1; c < k; c++)
	{
		float8		total = 0;
		int64		pick = n - 1;
		float8	   *cc = centroids + (Size) c * dim;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < n; i++)
			total += d2[i];
		if (total > 0)
		{
			float8		r = pg_prng_double(&rng) * total;
			float8		acc = 0;

			for (i = 0; i < n; i++)
			{
				acc += d2[i];
				if (acc > r && d2[i] > 0)
				{
					pick = i;
					break;
				}
			}
			/* rounding can leave r at the very end: take the last distinct point */
			if (i == n)
				for (pick = n - 1; pick > 0 && d2[pick] == 0; pick--)
					;
		}
		else
			pick = (int64) pg_prng_uint64_range(&rng, 0, (uint64) (n - 1));
		memcpy(cc, points + (Size) pick * dim, dim * sizeof(float8));
		for (i = 0; i < n; i++)
		{
			float8		d = kmeans_dist2(points + (Size) i * dim, cc, dim);

			if (d < d2[i])
				d2[i] = d;
		}
	}
	pfree(d2);
}

/* Seed with k-means++, then run Lloyd; return the model. */
KMeansModel *
kmeans_fit_points(const float8 *points, int64 n, int dim, int k, int max_iterations,
				  float8 tolerance, uint64 seed)
{
	KMeansModel *partial;
	KMeansModel *out;
	Size		cells;
	int			it;

	kmeans_check_fit_args(k, n, max_iterations, tolerance);
	partial = kmeans_model_alloc(CurrentMemoryContext, k, dim, true);
	out = kmeans_model_alloc(CurrentMemoryContext, k, dim, false);
	cells = (Size) k * dim;
	kmeans_plusplus(points, n, dim, k, seed, KM_CENTROIDS(partial));
	for (it = 0; it < max_iterations; it++)
	{
		int64		i;

		CHECK_FOR_INTERRUPTS();
		memset(KM_SIZES(partial), 0, k * sizeof(int64));
		memset(KM_SUMS(partial), 0, (cells + k) * sizeof(float8));
		for (i = 0; i < n; i++)
		{
			const float8 *x = points + (Size) i * dim;
			float8		d2;
			int			j = kmeans_nearest(KM_CENTROIDS(partial), k, dim, x, &d2);
			float8	   *s = KM_SUMS(partial) + (Size) j * dim;
			int			f;

			KM_SIZES(partial)[j]++;
			KM_SSE(partial)[j] += d2;
			for (f = 0; f < dim; f++)
				s[f] += x[f];
			if ((i & 0xFFFF) == 0xFFFF)
				CHECK_FOR_INTERRUPTS();
		}
		kmeans_lloyd_update(partial, out);
		partial->iterations = out->iterations;
		memcpy(KM_CENTROIDS(partial), KM_CENTROIDS(out), cells * sizeof(float8));
		if (out->shift <= tolerance)
			break;
	}
	pfree(partial);
	return out;
}

/* The rows of a float8[n][dim] sample, checked; *n and *dim receive its shape. */
static const float8 *
sample_points(ArrayType *a, int64 *n, int *dim)
{
	const float8 *x;
	Size		cells,
				i;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("a sample must be float8[][]")));
	if (ARR_NDIM(a) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("a sample must be a two-dimensional array (one row per point), not %d-dimensional",
						ARR_NDIM(a)),
				 errhint("Take one with clientele.kmeans_sample(features, size, seed).")));
	if (ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a sample must not contain NULLs")));
	*n = ARR_DIMS(a)[0];
	*dim = ARR_DIMS(a)[1];
	cells = (Size) (*n) * (*dim);
	x = (const float8 *) ARR_DATA_PTR(a);
	for (i = 0; i < cells; i++)
		if (isnan(x[i]) || isinf(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature %d of sample row " INT64_FORMAT " is %s",
							(int) (i % *dim) + 1, (int64) (i / *dim) + 1, isnan(x[i]) ? "NaN" : "infinite"),
					 errdetail("k-means needs finite features.")));
	return x;
}

/* kmeans_seed(sample, k, seed): k-means++ centroids, before any Lloyd update. */
Datum
clientele_kmeans_seed(PG_FUNCTION_ARGS)
{
	int64		n;
	int			dim;
	const float8 *x = sample_points(PG_GETARG_ARRAYTYPE_P(0), &n, &dim);
	int			k = PG_GETARG_INT32(1);
	int64		seed = PG_GETARG_INT64(2);
	KMeansModel *m;

	kmeans_check_fit_args(k, n, 1, 0);
	m = kmeans_model_alloc(CurrentMemoryContext, k, dim, false);
	kmeans_plusplus(x, n, dim, k, (uint64) seed, KM_CENTROIDS(m));
	PG_RETURN_POINTER(m);
}

/* kmeans_fit(sample, k, max_iterations, tolerance, seed): k-means on an array. */
Datum
clientele_kmeans_fit(PG_FUNCTION_ARGS)
{
	int64		n;
	int			dim;
	const float8 *x = sample_points(PG_GETARG_ARRAYTYPE_P(0), &n, &dim);

	PG_RETURN_POINTER(kmeans_fit_points(x, n, dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2),
										PG_GETARG_FLOAT8(3), (uint64) PG_GETARG_INT64(4)));
}

/* Mean silhouette of n points labelled by their nearest centroid; NaN if < 2 clusters. */
static float8
silhouette(const KMeansModel *m, const float8 *x, int64 n)
{
	int			k = m->k;
	int			dim = m->dim;
	int		   *label = palloc_extended((Size) n * sizeof(int), MCXT_ALLOC_HUGE);
	int64	   *count = palloc0(k * sizeof(int64));
	float8	   *sum = palloc(k * sizeof(float8));
	float8		total = 0;
	int			nonempty = 0;
	int64		i,
				j;
	int			c;

	for (i = 0; i < n; i++)
	{
		float8		d2;

		label[i] = kmeans_nearest(KM_CENTROIDS(m), k, dim, x + (Size) i * dim, &d2);
		if (count[label[i]]++ == 0)
			nonempty++;
	}
	if (nonempty < 2)
		return get_float8_nan();
	for (i = 0; i < n; i++)
	{
		float8		a,
					b = get_float8_infinity();

		CHECK_FOR_INTERRUPTS();
		memset(sum, 0, k * sizeof(float8));
		for (j = 0; j < n; j++)
			if (j != i)
				sum[label[j]] += sqrt(kmeans_dist2(x + (Size) i * dim, x + (Size) j * dim, dim));
		if (count[label[i]] <= 1)
			continue;			/* s = 0 */
		a = sum[label[i]] / (float8) (count[label[i]] - 1);
		for (c = 0; c < k; c++)
			if (c != label[i] && count[c] > 0)
				b = Min(b, sum[c] / (float8) count[c]);
		if (Max(a, b) > 0)
			total += (b - a) / Max(a, b);
	}
	pfree(label);
	pfree(count);
	pfree(sum);
	return total / (float8) n;
}

/* kmeans_silhouette(model, sample): mean silhouette of the sample's points. */
Datum
clientele_kmeans_silhouette(PG_FUNCTION_ARGS)
{
	KMeansModel *m = kmeans_get_model(fcinfo, 0);
	int64		n;
	int			dim;
	const float8 *x = sample_points(PG_GETARG_ARRAYTYPE_P(1), &n, &dim);
	float8		s;

	if (dim != m->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sample rows have %d dimensions, the model has %d", dim, m->dim)));
	s = silhouette(m, x, n);
	if (isnan(s))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s);
}

/* kmeans_choose_k(sample, k_min, k_max, ...): inertia and silhouette for each k. */
Datum
clientele_kmeans_choose_k(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		n;
	int			dim;
	const float8 *x = sample_points(PG_GETARG_ARRAYTYPE_P(0), &n, &dim);
	int			k_min = PG_GETARG_INT32(1);
	int			k_max = PG_GETARG_INT32(2);
	int64		seed = PG_GETARG_INT64(3);
	int			max_iterations = PG_GETARG_INT32(4);
	float8		tolerance = PG_GETARG_FLOAT8(5);
	int			k;

	if (k_min < 1 || k_max < k_min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must range over 1 <= k_min <= k_max, not %d to %d", k_min, k_max)));
	kmeans_check_fit_args(k_max, n, max_iterations, tolerance);
	InitMaterializedSRF(fcinfo, 0);
	for (k = k_min; k <= k_max; k++)
	{
		KMeansModel *m = kmeans_fit_points(x, n, dim, k, max_iterations, tolerance, (uint64) seed);
		float8		s = silhouette(m, x, n);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, isnan(s)};

		values[0] = Int32GetDatum(k);
		values[1] = Float8GetDatum(m->inertia);
		values[2] = Int32GetDatum(m->iterations);
		values[3] = Float8GetDatum(isnan(s) ? 0 : s);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(m);
	}
	return (Datum) 0;
}
