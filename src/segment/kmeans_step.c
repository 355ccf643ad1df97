/*
 * kmeans_step.c — one Lloyd iteration of k-means as a parallel aggregate:
 * clientele.kmeans_step(features, model) returns the next model.
 *
 * k-means looks for k centroids minimising the inertia, the sum over rows of
 * the squared Euclidean distance to the nearest centroid.  Lloyd's
 * algorithm alternates two steps until the centroids stop moving: assign
 * every row to its nearest centroid, then move every centroid to the mean
 * of its rows.  Both steps fit in one pass over the rows if the pass keeps,
 * per cluster, the count of its rows, the sum of their features and the sum
 * of their squared distances to the current centroid: these are sums, so
 * the pass is an aggregate whose partial states add up.  PostgreSQL's
 * parallel workers (or Citus shards, or postgres_fdw servers) each scan part
 * of the table, and the leader adds their states and moves the centroids.
 * The state is k * (dim + 2) numbers and the model, whatever the number of
 * rows: the memory of a pass does not grow with the table.
 *
 * The state is a kmeans_model value flagged partial (it carries the input
 * centroids, and the sums and squared distances after them), so it has an
 * exact text form and Citus can ship it between nodes.
 *
 * The update.  For cluster j with n_j rows, feature sum S_j and squared
 * distances D_j to its old centroid c_j, the new centroid is m_j = S_j / n_j
 * and, by the parallel-axis identity sum |x - c|^2 = sum |x - m|^2 + n |m - c|^2,
 * the inertia of the same assignment around the new centroids is
 * D_j - n_j |m_j - c_j|^2, computed without a second pass and without the
 * cancellation of the textbook sum |x|^2 - n |m|^2 (the old centroid is close
 * to the mean, so the subtraction is small).  A cluster that receives no row
 * keeps its centroid (and size 0).  The model records the largest centroid
 * move of the update (shift), which drivers compare with their tolerance,
 * and the number of updates made so far.
 *
 * Sums are added in scan order, so a parallel pass can differ from a serial
 * one in the last bits of the centroids (floating-point addition is not
 * associative); with integer-valued features both are exact and identical.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"

#include "kmeans.h"

PG_FUNCTION_INFO_V1(clientele_kmeans_step_accum);
PG_FUNCTION_INFO_V1(clientele_kmeans_step_combine);
PG_FUNCTION_INFO_V1(clientele_kmeans_step_final);

/* Move the centroids of a partial state; write the new model into out. */
void
kmeans_lloyd_update(const KMeansModel *partial, KMeansModel *out)
{
	int			k = partial->k;
	int			dim = partial->dim;
	const float8 *old = KM_CENTROIDS(partial);
	const float8 *sums = KM_SUMS(partial);
	const float8 *sse = KM_SSE(partial);
	float8	   *c = KM_CENTROIDS(out);
	float8		shift = 0;
	float8		inertia = 0;
	int			j,
				i;

	for (j = 0; j < k; j++)
	{
		int64		n = KM_SIZES(partial)[j];
		float8		move2 = 0;

		KM_SIZES(out)[j] = n;
		for (i = 0; i < dim; i++)
		{
			Size		at = (Size) j * dim + i;
			float8		v = n > 0 ? sums[at] / (float8) n : old[at];
			float8		d = v - old[at];

			c[at] = v;
			move2 += d * d;
		}
		if (n > 0)
			inertia += Max(0.0, sse[j] - (float8) n * move2);
		shift = Max(shift, sqrt(move2));
	}
	out->iterations = partial->iterations + 1;
	out->inertia = inertia;
	out->shift = shift;
}

/* Transition: assign one row to its nearest centroid and add it up. */
Datum
clientele_kmeans_step_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	KMeansModel *st;
	const float8 *x;
	int			dim;
	int			j,
				i;
	float8		d2;
	float8	   *sums;
	float8		buf[KMEANS_ROW_BUFFER];

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kmeans_step_accum called in non-aggregate context")));
	if (PG_ARGISNULL(0))
	{
		KMeansModel *m;

		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("kmeans_step() needs a model"),
					 errhint("Start from clientele.kmeans_seed() on a sample of the rows.")));
		m = kmeans_get_model(fcinfo, 2);
		st = kmeans_model_alloc(aggcxt, m->k, m->dim, true);
		memcpy(KM_CENTROIDS(st), KM_CENTROIDS(m), (Size) m->k * m->dim * sizeof(float8));
		st->iterations = m->iterations;
	}
	else
		st = (KMeansModel *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);

	x = kmeans_row(PG_GETARG_DATUM(1), st->dim, buf, &dim);
	j = kmeans_nearest(KM_CENTROIDS(st), st->k, dim, x, &d2);
	if (unlikely(isnan(d2) || isinf(d2)))
		kmeans_check_finite(x, dim);
	KM_SIZES(st)[j]++;
	KM_SSE(st)[j] += d2;
	sums = KM_SUMS(st) + (Size) j * dim;
	for (i = 0; i < dim; i++)
		sums[i] += x[i];
	PG_RETURN_POINTER(st);
}

/* Combine: add two partial states of the same model. */
Datum
clientele_kmeans_step_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	KMeansModel *a;
	KMeansModel *b;
	Size		cells;
	Size		i;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kmeans_step_combine called in non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_KMEANS_P(1);
	if (!(b->flags & KMEANS_PARTIAL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_step_combine needs partial states")));
	if (PG_ARGISNULL(0))
	{
		/* copy the right state into the aggregate context */
		a = MemoryContextAlloc(aggcxt, VARSIZE(b));
		memcpy(a, b, VARSIZE(b));
		PG_RETURN_POINTER(a);
	}
	a = (KMeansModel *) PG_GETARG_POINTER(0);
	cells = (Size) a->k * a->dim;
	if (a->k != b->k || a->dim != b->dim || a->iterations != b->iterations ||
		memcmp(KM_CENTROIDS(a), KM_CENTROIDS(b), cells * sizeof(float8)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine kmeans_step() states of different models"),
				 errhint("Every row of one kmeans_step() call must be given the same model.")));
	for (i = 0; i < (Size) a->k; i++)
	{
		KM_SIZES(a)[i] += KM_SIZES(b)[i];
		KM_SSE(a)[i] += KM_SSE(b)[i];
	}
	for (i = 0; i < cells; i++)
		KM_SUMS(a)[i] += KM_SUMS(b)[i];
	PG_RETURN_POINTER(a);
}

/* Final: the next model (NULL when no row was aggregated). */
Datum
clientele_kmeans_step_final(PG_FUNCTION_ARGS)
{
	KMeansModel *st;
	KMeansModel *out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = PG_GETARG_KMEANS_P(0);
	out = kmeans_model_alloc(CurrentMemoryContext, st->k, st->dim, false);
	kmeans_lloyd_update(st, out);
	PG_RETURN_POINTER(out);
}
