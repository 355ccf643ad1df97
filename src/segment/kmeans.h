/*
 * kmeans.h — k-means clustering on float8[] features: the model type, the
 * feature checks and the shared Lloyd arithmetic.  See kmeans_step.c for
 * the algorithm, kmeans_sample.c for the aggregates that gather rows and
 * kmeans_fit.c for seeding and fitting in memory.
 */
#ifndef CLIENTELE_KMEANS_H
#define CLIENTELE_KMEANS_H

#include "postgres.h"
#include "fmgr.h"
#include "common/pg_prng.h"
#include "utils/array.h"

/* Limits: k * dim float8 must stay far below MaxAllocSize. */
#define KMEANS_MAX_K		10000
#define KMEANS_MAX_DIM		10000
#define KMEANS_MAX_CELLS	(16 * 1024 * 1024)

#define KMEANS_ROW_BUFFER	64		/* features read without detoasting a copy */

#define KMEANS_PARTIAL		0x01	/* a kmeans_step() state: sums and sse follow */

/*
 * The kmeans_model varlena (8-byte aligned).  After the fixed part:
 *   int64  sizes[k]
 *   float8 centroids[k * dim]       row-major, cluster by cluster
 * and, for a partial step state (KMEANS_PARTIAL):
 *   float8 sums[k * dim]            sum of the features of each cluster's rows
 *   float8 sse[k]                   sum of squared distances to the input centroid
 */
typedef struct KMeansModel
{
	int32		vl_len_;
	int32		k;
	int32		dim;
	int32		iterations;		/* Lloyd updates done */
	int32		flags;
	int32		padding;
	float8		inertia;		/* within-cluster sum of squares (NaN: not measured) */
	float8		shift;			/* largest centroid move of the last update (NaN: none) */
} KMeansModel;

#define KM_SIZES(m)		((int64 *) ((char *) (m) + sizeof(KMeansModel)))
#define KM_CENTROIDS(m) ((float8 *) (KM_SIZES(m) + (m)->k))
#define KM_SUMS(m)		(KM_CENTROIDS(m) + (Size) (m)->k * (m)->dim)
#define KM_SSE(m)		(KM_SUMS(m) + (Size) (m)->k * (m)->dim)

#define DatumGetKMeansModelP(d) ((KMeansModel *) PG_DETOAST_DATUM(d))
#define PG_GETARG_KMEANS_P(n)	DatumGetKMeansModelP(PG_GETARG_DATUM(n))

/* kmeans_model.c */
extern Size kmeans_model_size(int k, int dim, bool partial);
extern KMeansModel *kmeans_model_alloc(MemoryContext cxt, int k, int dim, bool partial);
extern void kmeans_check_k_dim(int k, int dim);
extern KMeansModel *kmeans_get_model(FunctionCallInfo fcinfo, int argno);
extern const float8 *kmeans_features(ArrayType *a, int expected_dim, int *dim);
extern const float8 *kmeans_row(Datum d, int expected_dim, float8 *buf, int *dim);
extern void kmeans_check_finite(const float8 *x, int dim);
extern int	kmeans_nearest(const float8 *centroids, int k, int dim, const float8 *x, float8 *d2);

/* Squared Euclidean distance. */
static inline float8
kmeans_dist2(const float8 *a, const float8 *b, int dim)
{
	float8		s = 0;
	int			i;

	for (i = 0; i < dim; i++)
	{
		float8		d = a[i] - b[i];

		s += d * d;
	}
	return s;
}

/* kmeans_step.c: one Lloyd update from the statistics of an assignment pass. */
extern void kmeans_lloyd_update(const KMeansModel *partial, KMeansModel *out);

/* kmeans_fit.c: seeding and Lloyd's algorithm on points held in memory */
extern void kmeans_plusplus(const float8 *points, int64 n, int dim, int k, uint64 seed,
							float8 *centroids);
extern KMeansModel *kmeans_fit_points(const float8 *points, int64 n, int dim, int k,
									  int max_iterations, float8 tolerance, uint64 seed);
extern void kmeans_check_fit_args(int k, int64 rows, int max_iterations, float8 tolerance);

#endif							/* CLIENTELE_KMEANS_H */
