/*
 * buzz.c — robust baselines for spike detection, and lead/lag correlation.
 *
 * Robust baseline.  A spike is judged against the recent past of the same
 * series: the trailing window's median m and median absolute deviation
 * MAD = median |x_i - m|.  The robust z-score of a new value x is
 * (x - m) / (1.4826 MAD), 1.4826 making MAD a consistent estimate of the
 * standard deviation of normal data; neither the median nor the MAD moves
 * much when the window itself holds a past spike, unlike a mean and a
 * standard deviation.  When more than half the window is one value the MAD
 * is 0, and the mean absolute deviation around the median times 1.2533 (its
 * normal-consistency factor) is used instead.  The aggregate's state is the
 * plain float8[] of the window's values, so it merges by concatenation and
 * has an exact text form.
 *
 * Lead/lag correlation.  For a leading series x (buzz) and a following
 * series y (sales), both indexed by the same buckets, the correlation at
 * lag L is Pearson's r over the pairs (x[t], y[t + L]) where both are not
 * NULL: L > 0 means x leads y by L buckets.  Its confidence interval comes
 * from Fisher's transformation: z = atanh(r) is nearly normal with standard
 * error 1/sqrt(n - 3), so the interval is tanh(z ± q / sqrt(n - 3)) with q
 * the normal quantile of the confidence level (computed with Acklam's
 * rational approximation, relative error below 1.2e-9).  The interval is
 * that of a lag chosen in advance; choosing the best of many lags makes it
 * optimistic.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(clientele_robust_baseline_final);
PG_FUNCTION_INFO_V1(clientele_lag_correlations);

/* Order doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* Median of a sorted array of n > 0 values. */
static double
sorted_median(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Final: (median, mad, mean_deviation, n) of the window's values. */
Datum
clientele_robust_baseline_final(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				k = 0;
	double	   *v,
			   *dev;
	double		median,
				meandev = 0;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		isnull[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("robust_baseline must return a row type")));
	tupdesc = BlessTupleDesc(tupdesc);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	v = palloc(sizeof(double) * Max(n, 1));
	for (i = 0; i < n; i++)
		if (!nulls[i] && !isnan(DatumGetFloat8(elems[i])))
			v[k++] = DatumGetFloat8(elems[i]);
	values[3] = Int32GetDatum(k);
	if (k == 0)
	{
		isnull[0] = isnull[1] = isnull[2] = true;
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, isnull)));
	}
	qsort(v, k, sizeof(double), cmp_double);
	median = sorted_median(v, k);
	dev = palloc(sizeof(double) * k);
	for (i = 0; i < k; i++)
	{
		dev[i] = fabs(v[i] - median);
		meandev += dev[i];
	}
	qsort(dev, k, sizeof(double), cmp_double);
	values[0] = Float8GetDatum(median);
	values[1] = Float8GetDatum(sorted_median(dev, k));
	values[2] = Float8GetDatum(meandev / k);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, isnull)));
}

/* Inverse of the standard normal CDF (Acklam's approximation), 0 < p < 1. */
static double
normal_quantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
	2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
	2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	double		q,
				r;

	if (p < 0.02425)
	{
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -normal_quantile(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* Read a float8[] series into values and a present flag per element. */
static int
read_series(ArrayType *a, double **v, bool **present)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("a series must be a one-dimensional array")));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	*v = palloc(sizeof(double) * Max(n, 1));
	*present = palloc(sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		(*present)[i] = !nulls[i] && !isnan(DatumGetFloat8(elems[i]));
		(*v)[i] = (*present)[i] ? DatumGetFloat8(elems[i]) : 0;
	}
	return n;
}

/* Largest lag accepted, in buckets (keeps lag arithmetic far from overflow). */
#define BUZZ_MAX_LAG 1000000

/* SQL: lag_correlations(leading, following, min_lag, max_lag, confidence). */
Datum
clientele_lag_correlations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double	   *x,
			   *y;
	bool	   *xp,
			   *yp;
	int			nx = read_series(PG_GETARG_ARRAYTYPE_P(0), &x, &xp);
	int			ny = read_series(PG_GETARG_ARRAYTYPE_P(1), &y, &yp);
	int			min_lag = PG_GETARG_INT32(2);
	int			max_lag = PG_GETARG_INT32(3);
	double		confidence = PG_GETARG_FLOAT8(4);
	double		q;
	int			lag;

	if (nx != ny)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the two series have %d and %d buckets", nx, ny),
				 errhint("Build both series over the same buckets (fill missing ones with 0 or NULL).")));
	/* 64-bit arithmetic: the bounds may be anywhere in the int range */
	if (min_lag > max_lag || (int64) max_lag - min_lag > 10000 ||
		min_lag < -BUZZ_MAX_LAG || max_lag > BUZZ_MAX_LAG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lag range [%d, %d] is invalid", min_lag, max_lag),
				 errhint("min_lag must not exceed max_lag, the range holds at most 10,001 lags, and lags lie within ±%d buckets.",
						 BUZZ_MAX_LAG)));
	if (!(confidence > 0 && confidence < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence must be between 0 and 1 (exclusive)")));
	q = normal_quantile(0.5 + confidence / 2);
	InitMaterializedSRF(fcinfo, 0);
	for (lag = min_lag; lag <= max_lag; lag++)
	{
		double		sx = 0,
					sy = 0,
					sxx = 0,
					syy = 0,
					sxy = 0,
					mx,
					my,
					vx,
					vy,
					r;
		int			n = 0,
					t;
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		/* two passes (means, then centred sums) for accuracy */
		for (t = Max(0, -lag); t < nx && t + lag < ny; t++)
			if (xp[t] && yp[t + lag])
			{
				sx += x[t];
				sy += y[t + lag];
				n++;
			}
		values[0] = Int32GetDatum(lag);
		values[4] = Int32GetDatum(n);
		if (n < 2)
		{
			nulls[1] = nulls[2] = nulls[3] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		mx = sx / n;
		my = sy / n;
		for (t = Max(0, -lag); t < nx && t + lag < ny; t++)
			if (xp[t] && yp[t + lag])
			{
				double		dx = x[t] - mx,
							dy = y[t + lag] - my;

				sxx += dx * dx;
				syy += dy * dy;
				sxy += dx * dy;
			}
		vx = sxx;
		vy = syy;
		if (vx <= 0 || vy <= 0)
			nulls[1] = nulls[2] = nulls[3] = true;	/* a constant series */
		else
		{
			r = sxy / sqrt(vx * vy);
			r = Max(-1.0, Min(1.0, r));
			values[1] = Float8GetDatum(r);
			if (n > 3)
			{
				double		z = atanh(r),
							se = 1.0 / sqrt((double) n - 3);

				values[2] = Float8GetDatum(tanh(z - q * se));
				values[3] = Float8GetDatum(tanh(z + q * se));
			}
			else
				nulls[2] = nulls[3] = true;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
