/*
 * kmeans_scale.c — feature standardisation for k-means:
 * clientele.feature_stats(features) computes the mean and standard
 * deviation of every dimension in one parallel pass, and
 * clientele.standardize() / unstandardize() apply them to rows.
 *
 * k-means measures Euclidean distance, so a feature in euros would drown a
 * feature in visits; z-scores, (x - mean) / stddev, put every feature on
 * the same footing.
 *
 * The aggregate state is a float8[] {n, mean[1..d], m2[1..d]} (m2 is the sum
 * of squared deviations from the running mean): a plain array with an exact
 * text form, so Citus can ship it.  Rows are added with Welford's update,
 * which avoids the cancellation of sum(x^2) - n mean^2, and partial states
 * are combined with Chan, Golub and LeVeque's pairwise formula:
 *   n = na + nb, delta = mean_b - mean_a,
 *   mean = mean_a + delta nb / n,  m2 = m2_a + m2_b + delta^2 na nb / n.
 * The standard deviation is the population one, sqrt(m2 / n), as in
 * scikit-learn's StandardScaler; a constant feature (stddev 0) standardises
 * to 0.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "kmeans.h"

PG_FUNCTION_INFO_V1(clientele_feature_stats_accum);
PG_FUNCTION_INFO_V1(clientele_feature_stats_combine);
PG_FUNCTION_INFO_V1(clientele_feature_stats_final);
PG_FUNCTION_INFO_V1(clientele_standardize);
PG_FUNCTION_INFO_V1(clientele_standardize_scaling);
PG_FUNCTION_INFO_V1(clientele_unstandardize_scaling);

/* Elements of a state array, checked: *dim receives d (0 for the empty state). */
static float8 *
stats_state(ArrayType *a, int *dim)
{
	int			n = ARR_NDIM(a) == 1 ? ARR_DIMS(a)[0] : -1;

	if (n < 1 || n % 2 != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid feature_stats state"),
				 errdetail("Expected a float8 array {n, mean[1..d], m2[1..d]} without NULLs.")));
	*dim = (n - 1) / 2;
	return (float8 *) ARR_DATA_PTR(a);
}

/* A new state array of d dimensions, zeroed. */
static ArrayType *
stats_new(int dim)
{
	int			n = 1 + 2 * dim;
	Datum	   *d = palloc(n * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(0.0);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* A state we may modify: in place inside an aggregate, else a copy. */
static ArrayType *
stats_writable(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

/* Transition: Welford's update with one row. */
Datum
clientele_feature_stats_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *a = stats_writable(fcinfo, 0);
	int			dim,
				xdim,
				i;
	float8	   *st = stats_state(a, &dim);
	const float8 *x = kmeans_features(PG_GETARG_ARRAYTYPE_P(1), dim, &xdim);
	float8		n;

	if (dim == 0)
	{
		kmeans_check_k_dim(1, xdim);
		a = stats_new(xdim);
		st = stats_state(a, &dim);
	}
	n = st[0] + 1;
	st[0] = n;
	for (i = 0; i < dim; i++)
	{
		float8		delta = x[i] - st[1 + i];

		st[1 + i] += delta / n;
		st[1 + dim + i] += delta * (x[i] - st[1 + i]);
	}
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Combine: the pairwise formula of Chan, Golub and LeVeque. */
Datum
clientele_feature_stats_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = stats_writable(fcinfo, 0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	int			da,
				db,
				i;
	float8	   *x = stats_state(a, &da);
	float8	   *y = stats_state(b, &db);
	float8		na = x[0],
				nb = y[0],
				n = na + nb;

	if (nb == 0)
		PG_RETURN_ARRAYTYPE_P(a);
	if (na == 0)
		PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P_COPY(1));
	if (da != db)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature array has %d dimensions, expected %d", db, da),
				 errdetail("Every row must have as many features as the first row.")));
	for (i = 0; i < da; i++)
	{
		float8		delta = y[1 + i] - x[1 + i];

		x[1 + i] += delta * nb / n;
		x[1 + da + i] += y[1 + da + i] + delta * delta * na * nb / n;
	}
	x[0] = n;
	PG_RETURN_ARRAYTYPE_P(a);
}

/* A float8[] datum of n values. */
static Datum
float8_array(const float8 *v, int n)
{
	Datum	   *d = palloc(n * sizeof(Datum));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
										   TYPALIGN_DOUBLE));
}

/* Final: (n, mean[], stddev[]); mean and stddev NULL over no rows. */
Datum
clientele_feature_stats_final(PG_FUNCTION_ARGS)
{
	int			dim,
				i;
	float8	   *st = stats_state(PG_GETARG_ARRAYTYPE_P(0), &dim);
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("feature_stats_final must return clientele.feature_scaling")));
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int64GetDatum((int64) st[0]);
	if (st[0] == 0)
		nulls[1] = nulls[2] = true;
	else
	{
		float8	   *sd = palloc(dim * sizeof(float8));

		for (i = 0; i < dim; i++)
			sd[i] = sqrt(Max(0.0, st[1 + dim + i]) / st[0]);
		values[1] = float8_array(st + 1, dim);
		values[2] = float8_array(sd, dim);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* The elements of a mean or stddev array of the given dimension. */
static const float8 *
scaling_vector(ArrayType *a, int dim, const char *what)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != dim || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must be a float8 array of %d elements without NULLs, like the features", what, dim)));
	return (const float8 *) ARR_DATA_PTR(a);
}

/* (x - mean) / stddev per element, or x * stddev + mean when inverse. */
static Datum
scale_row(ArrayType *features, ArrayType *mean_a, ArrayType *sd_a, bool inverse)
{
	int			dim,
				i;
	const float8 *x = kmeans_features(features, 0, &dim);
	const float8 *mean = scaling_vector(mean_a, dim, "mean");
	const float8 *sd = scaling_vector(sd_a, dim, "stddev");
	float8	   *out = palloc(dim * sizeof(float8));

	for (i = 0; i < dim; i++)
	{
		if (inverse)
			out[i] = x[i] * sd[i] + mean[i];
		else
			out[i] = sd[i] > 0 ? (x[i] - mean[i]) / sd[i] : 0.0;
	}
	return float8_array(out, dim);
}

/* standardize(features, mean, stddev) */
Datum
clientele_standardize(PG_FUNCTION_ARGS)
{
	return scale_row(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2), false);
}

/* The mean and stddev arrays of a feature_scaling record. */
static void
scaling_arrays(HeapTupleHeader rec, ArrayType **mean, ArrayType **sd)
{
	bool		mnull,
				snull;
	Datum		m = GetAttributeByNum(rec, 2, &mnull);
	Datum		s = GetAttributeByNum(rec, 3, &snull);

	if (mnull || snull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the feature scaling has no mean or stddev"),
				 errdetail("clientele.feature_stats() over no rows has none.")));
	*mean = DatumGetArrayTypeP(m);
	*sd = DatumGetArrayTypeP(s);
}

/* standardize(features, scaling) */
Datum
clientele_standardize_scaling(PG_FUNCTION_ARGS)
{
	ArrayType  *mean,
			   *sd;

	scaling_arrays(PG_GETARG_HEAPTUPLEHEADER(1), &mean, &sd);
	return scale_row(PG_GETARG_ARRAYTYPE_P(0), mean, sd, false);
}

/* unstandardize(features, scaling): back to the original units. */
Datum
clientele_unstandardize_scaling(PG_FUNCTION_ARGS)
{
	ArrayType  *mean,
			   *sd;

	scaling_arrays(PG_GETARG_HEAPTUPLEHEADER(1), &mean, &sd);
	return scale_row(PG_GETARG_ARRAYTYPE_P(0), mean, sd, true);
}
