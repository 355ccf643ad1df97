/*
 * offer_logit.c — logistic regression trained by an aggregate.
 *
 * Maximum likelihood for P(y = 1 | x) = 1 / (1 + exp(-x'β)) by Newton's
 * method, which for the logistic model is iteratively reweighted least
 * squares (IRLS).  At the current β every row contributes
 *
 *   μ = σ(x'β),  w = μ(1 - μ),
 *   H += w · x x'          (the Fisher information X'WX)
 *   g += (y - μ) · x       (the score X'(y - μ))
 *   ℓ += y log μ + (1 - y) log(1 - μ)
 *
 * and the step is β' = β + H⁻¹ g (equivalently the weighted least-squares
 * solution of X'WX β' = X'Wz with z = Xβ + (y - μ)/w).  These are sums, so
 * one Newton step is one aggregate over the rows — logit_step(x, y, β) —
 * with a combine function that adds partial sums, and it runs in parallel
 * workers.  The driver clientele.logistic_regression() (SQL) repeats the
 * step until the largest change of a coefficient is below a tolerance.
 * Standard errors are √diag(H⁻¹) at the final β, as in every statistics
 * package.
 *
 * H is symmetric positive definite unless the design is rank deficient;
 * it is factored by Cholesky, and a non-positive pivot is reported as a
 * singular design (collinear columns, or a column that is constant).
 * y may be fractional in [0, 1] (a response rate with weights folded in).
 *
 * The state is a float8[]: [p, n, ℓ, β(p), H(p·p), g(p)], exact in text.
 * The final value is a float8[] of 2p + 3 elements:
 *   [β'(p), se(p), ℓ(β), n, max |β' - β|].
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(clientele_logit_step_accum);
PG_FUNCTION_INFO_V1(clientele_logit_step_combine);
PG_FUNCTION_INFO_V1(clientele_logit_step_final);
PG_FUNCTION_INFO_V1(clientele_logit_predict);

#define LOGIT_MAX_P 200

/* A 1-D float8 array of n elements. */
static ArrayType *
new_float8_array(int n)
{
	ArrayType  *a = (ArrayType *) palloc0(ARR_OVERHEAD_NONULLS(1) + n * sizeof(float8));

	SET_VARSIZE(a, ARR_OVERHEAD_NONULLS(1) + n * sizeof(float8));
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

/* The elements of a 1-D float8 array without NULLs, or an error naming it. */
static float8 *
float8_elements(ArrayType *a, int *n, const char *what)
{
	if (ARR_NDIM(a) > 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional float8 array without NULLs", what)));
	*n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	return (float8 *) ARR_DATA_PTR(a);
}

/* Check a state array and return its elements and p. */
static float8 *
state_check(ArrayType *a, int *p)
{
	int			n;
	float8	   *v = float8_elements(a, &n, "logit_step state");

	if (n < 1 || v[0] != floor(v[0]) || v[0] < 1 || v[0] > LOGIT_MAX_P ||
		n != 3 + 2 * (int) v[0] + (int) v[0] * (int) v[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid logit_step state")));
	*p = (int) v[0];
	return v;
}

/* Reject a non-finite number in a row. */
static void
check_finite(double v, const char *what)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite, not %g", what, v)));
}

/* Aggregate transition logit_step(x, y, beta): add one row's contribution. */
Datum
clientele_logit_step_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ArrayType  *state;
	float8	   *v,
			   *x,
			   *beta,
			   *h,
			   *g;
	int			p,
				nx,
				nb,
				i,
				j;
	double		y,
				eta = 0,
				mu,
				w;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("logit_step_accum called in non-aggregate context")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));	/* incomplete rows are skipped */
	}
	x = float8_elements(PG_GETARG_ARRAYTYPE_P(1), &nx, "x");
	y = PG_GETARG_FLOAT8(2);
	beta = float8_elements(PG_GETARG_ARRAYTYPE_P(3), &nb, "beta");
	if (!(y >= 0.0 && y <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("response y must be in [0, 1], not %g", y)));
	if (PG_ARGISNULL(0))
	{
		MemoryContext old;

		if (nx < 1 || nx > LOGIT_MAX_P)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x must have 1 to %d elements, not %d", LOGIT_MAX_P, nx)));
		old = MemoryContextSwitchTo(aggcontext);
		state = new_float8_array(3 + 2 * nx + nx * nx);
		MemoryContextSwitchTo(old);
		v = (float8 *) ARR_DATA_PTR(state);
		v[0] = nx;
		if (nb != nx)
			goto bad_beta;
		for (i = 0; i < nx; i++)
		{
			check_finite(beta[i], "a coefficient");
			v[3 + i] = beta[i];
		}
	}
	else
		state = PG_GETARG_ARRAYTYPE_P(0);	/* our own state: updated in place */
	v = state_check(state, &p);
	if (nx != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("every x must have %d elements, got %d", p, nx)));
	if (nb != p)
		goto bad_beta;
	h = v + 3 + p;
	g = h + p * p;
	for (i = 0; i < p; i++)
	{
		check_finite(x[i], "x");
		eta += x[i] * v[3 + i];
	}
	mu = 1.0 / (1.0 + exp(-eta));
	w = mu * (1.0 - mu);
	for (i = 0; i < p; i++)
	{
		for (j = 0; j <= i; j++)
			h[i * p + j] += w * x[i] * x[j];
		g[i] += (y - mu) * x[i];
	}
	v[1] += 1;
	/* log-likelihood in a form that does not overflow for large |eta| */
	v[2] += y * eta - (eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta)));
	PG_RETURN_ARRAYTYPE_P(state);
bad_beta:
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("beta must have as many elements as x (%d), got %d", nx, nb),
			 errhint("Start from an array of zeros: array_fill(0::float8, ARRAY[p]).")));
	PG_RETURN_NULL();
}

/* Combine: add two partial sums (the coefficients must agree). */
Datum
clientele_logit_step_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ArrayType  *a,
			   *b;
	float8	   *x,
			   *y;
	int			p,
				q,
				i,
				n;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("logit_step_combine called in non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ARRAYTYPE_P(1);
	y = state_check(b, &q);
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		a = (ArrayType *) palloc(VARSIZE(b));
		memcpy(a, b, VARSIZE(b));
		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	x = state_check(a, &p);
	if (p != q)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine logit_step states of %d and %d coefficients", p, q)));
	for (i = 0; i < p; i++)
		if (x[3 + i] != y[3 + i])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("cannot combine logit_step states taken at different coefficients")));
	n = 3 + 2 * p + p * p;
	x[1] += y[1];
	x[2] += y[2];
	for (i = 3 + p; i < n; i++)
		x[i] += y[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Factor the lower triangle of h (p×p) in place into L with h = L L'. */
static bool
cholesky(double *h, int p)
{
	int			i,
				j,
				k;

	for (j = 0; j < p; j++)
	{
		double		d = h[j * p + j];

		for (k = 0; k < j; k++)
			d -= h[j * p + k] * h[j * p + k];
		if (!(d > 1e-12 * (fabs(h[j * p + j]) + 1e-300)))
			return false;
		h[j * p + j] = sqrt(d);
		for (i = j + 1; i < p; i++)
		{
			double		s = h[i * p + j];

			for (k = 0; k < j; k++)
				s -= h[i * p + k] * h[j * p + k];
			h[i * p + j] = s / h[j * p + j];
		}
	}
	return true;
}

/* Solve L L' x = b in place (b becomes x). */
static void
cholesky_solve(const double *l, int p, double *b)
{
	int			i,
				k;

	for (i = 0; i < p; i++)
	{
		for (k = 0; k < i; k++)
			b[i] -= l[i * p + k] * b[k];
		b[i] /= l[i * p + i];
	}
	for (i = p - 1; i >= 0; i--)
	{
		for (k = i + 1; k < p; k++)
			b[i] -= l[k * p + i] * b[k];
		b[i] /= l[i * p + i];
	}
}

/* Final: [β + H⁻¹g (p), √diag(H⁻¹) (p), ℓ, n, max |step|]. */
Datum
clientele_logit_step_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *out;
	float8	   *v,
			   *o,
			   *l,
			   *e;
	int			p,
				i;
	double		maxstep = 0;

	v = state_check(state, &p);
	l = palloc(sizeof(double) * p * p);
	memcpy(l, v + 3 + p, sizeof(double) * p * p);
	if (!cholesky(l, p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logistic regression design is singular"),
				 errdetail("The information matrix X'WX is not positive definite (%g rows, %d columns).", v[1], p),
				 errhint("Remove collinear or constant columns of x, or check for perfectly separated data.")));
	out = new_float8_array(2 * p + 3);
	o = (float8 *) ARR_DATA_PTR(out);
	memcpy(o, v + 3 + p + p * p, sizeof(double) * p);	/* g */
	cholesky_solve(l, p, o);
	for (i = 0; i < p; i++)
	{
		maxstep = Max(maxstep, fabs(o[i]));
		o[i] += v[3 + i];
	}
	/* diag(H⁻¹): solve H e_i = unit vector, keep component i */
	e = palloc(sizeof(double) * p);
	for (i = 0; i < p; i++)
	{
		memset(e, 0, sizeof(double) * p);
		e[i] = 1.0;
		cholesky_solve(l, p, e);
		o[p + i] = sqrt(e[i]);
	}
	o[2 * p] = v[2];
	o[2 * p + 1] = v[1];
	o[2 * p + 2] = maxstep;
	PG_RETURN_ARRAYTYPE_P(out);
}

/* SQL: logit_predict(coefficients, x): σ(x'β). */
Datum
clientele_logit_predict(PG_FUNCTION_ARGS)
{
	int			nb,
				nx,
				i;
	float8	   *beta = float8_elements(PG_GETARG_ARRAYTYPE_P(0), &nb, "coefficients");
	float8	   *x = float8_elements(PG_GETARG_ARRAYTYPE_P(1), &nx, "x");
	double		eta = 0;

	if (nb != nx)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d elements but the model has %d coefficients", nx, nb)));
	for (i = 0; i < nb; i++)
		eta += beta[i] * x[i];
	if (isnan(eta))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x'β is not a number")));
	PG_RETURN_FLOAT8(1.0 / (1.0 + exp(-eta)));
}
