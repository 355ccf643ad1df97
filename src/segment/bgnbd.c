/*
 * bgnbd.c — the BG/NBD model of repeat buying (Fader, Hardie and Lee 2005,
 * "Counting your customers the easy way"): maximum-likelihood fit as an
 * aggregate, probability of being alive, expected purchases.
 *
 * The model.  While active, a customer buys as a Poisson process of rate
 * lambda ~ Gamma(r, alpha) (shape r, rate alpha); after each repeat
 * purchase they leave for good with probability p ~ Beta(a, b).  A
 * customer is summarised by x (repeat purchases), t_x (time of the last
 * one, from the first purchase) and T (time from the first purchase to
 * the end of the observation).  Their likelihood is
 *   L = B(a, b+x)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
 *     + [x > 0] B(a+1, b+x-1)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))
 * and in logarithms, with A = log G(r+x) - log G(r) + r log alpha
 *   + log G(a+b) + log G(b+x) - log G(b) - log G(a+b+x) (a function of x
 * alone), log L = A + log(e^L3 + [x > 0] e^L4), L3 = -(r+x) log(alpha+T),
 * L4 = log a - log(b+x-1) - (r+x) log(alpha+t_x), summed by log-sum-exp.
 *
 * The fit.  clientele.bgnbd_fit(x, t_x, T) collects the customers (see
 * custrows.c: identical customers merged, sorted by x), then minimises the
 * negative mean log-likelihood over (log r, log alpha, log a, log b) by
 * BFGS (optim.c) with the analytic gradient: the terms of A and their
 * derivatives (digamma values) are computed once per distinct x, the
 * mixture weights w3 = e^L3 / (e^L3 + e^L4), w4 = 1 - w3 give the
 * derivatives of the log-sum-exp part per customer.  One iteration is one
 * pass over the distinct customers with two logarithms, an exponential
 * and a log1p each.  The start is r = 1, a = 1, b = 1 and alpha = mean T
 * / mean x (purchase rates of the right order).  The result is a
 * clientele.bgnbd_model: r, alpha, a, b, the log-likelihood (the sum over
 * customers, comparable with published values), the number of customers,
 * the BFGS iterations and whether it converged.
 *
 * Predictions (all from the paper):
 *   P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
 *   E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1)
 *       [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
 *       * P(alive)   (the denominator above)
 *   E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
 * evaluated in logarithms (the power and log|2F1| are added before
 * exponentiating, so heavy buyers with x in the hundreds do not overflow).
 * At a = 1 the formulas have a removable singularity: within 1e-6 of it
 * the value is the mean of those at a (1 +- 1e-6), exact to about 1e-10.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "clv.h"

PG_FUNCTION_INFO_V1(clientele_bgnbd_trans);
PG_FUNCTION_INFO_V1(clientele_bgnbd_final);
PG_FUNCTION_INFO_V1(clientele_bgnbd);
PG_FUNCTION_INFO_V1(clientele_bgnbd_loglik);
PG_FUNCTION_INFO_V1(clientele_p_alive);
PG_FUNCTION_INFO_V1(clientele_expected_purchases);
PG_FUNCTION_INFO_V1(clientele_expected_purchases_new);

#define BGNBD_MAX_ITERATIONS 500

typedef struct BgnbdParams
{
	double		r,
				alpha,
				a,
				b;
} BgnbdParams;

/* The distinct customers, grouped by x, as the objective reads them. */
typedef struct BgnbdFit
{
	const CustomerRows *rows;
	int64	   *group_start;	/* ngroups + 1 offsets into rows */
	double	   *group_weight;	/* customers per group */
	int64		ngroups;
	double		customers;
} BgnbdFit;

/* Read field attno (1-based) of a model composite as a positive finite double. */
double
clv_model_param(HeapTupleHeader model, int attno, const char *name)
{
	bool		isnull;
	Datum		d = GetAttributeByNum(model, attno, &isnull);
	double		v;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model parameter %s is NULL", name)));
	v = DatumGetFloat8(d);
	if (!(v > 0.0) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model parameter %s must be positive and finite, not %g", name, v)));
	return v;
}

/* The four parameters of a clientele.bgnbd_model argument. */
static BgnbdParams
read_params(HeapTupleHeader model)
{
	BgnbdParams p;

	p.r = clv_model_param(model, 1, "r");
	p.alpha = clv_model_param(model, 2, "alpha");
	p.a = clv_model_param(model, 3, "a");
	p.b = clv_model_param(model, 4, "b");
	return p;
}

/* Check one customer's (x, t_x, T); returns x. */
static int32
check_customer(double x, double t_x, double t_cal)
{
	int32		ix = clv_check_count(x, "x");

	if (!(t_cal >= 0.0) || isinf(t_cal))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customer age T must be a non-negative finite time, not %g", t_cal)));
	if (!(t_x >= 0.0) || t_x > t_cal)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time of last purchase t_x = %g is not between 0 and T = %g", t_x, t_cal)));
	if (ix > 0 && t_x == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customer with %d repeat purchases has t_x = 0", ix),
				 errhint("t_x is the time of the last repeat purchase, counted from the first purchase.")));
	return ix;
}

/* ---- the aggregate ---------------------------------------------------- */

/* Transition: append one customer (rows with a NULL are skipped). */
Datum
clientele_bgnbd_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CustomerRows *s;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bgnbd_fit transition function called outside an aggregate")));
	s = clv_rows_transition_state(fcinfo, aggcxt, CLV_KIND_BGNBD);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		s->skipped++;
	else
	{
		double		x = PG_GETARG_FLOAT8(1),
					t_x = PG_GETARG_FLOAT8(2),
					t_cal = PG_GETARG_FLOAT8(3);
		int32		ix = check_customer(x, t_x, t_cal);

		clv_rows_add(s, ix, ix == 0 ? 0.0 : t_x, t_cal, 1);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
}

/* Negative mean log-likelihood at th = log(r, alpha, a, b), and its gradient. */
static double
bgnbd_objective(const double *th, double *grad, void *arg)
{
	const BgnbdFit *fit = arg;
	const CustomerRow *rows = fit->rows->rows;
	double		r = exp(th[0]),
				alpha = exp(th[1]),
				a = exp(th[2]),
				b = exp(th[3]);
	double		log_alpha = th[1],
				log_a = th[2],
				lg_r = lgamma(r),
				lg_b = lgamma(b),
				lg_ab = lgamma(a + b),
				psi_r = clv_digamma(r),
				psi_b = clv_digamma(b),
				psi_ab = clv_digamma(a + b);
	double		ll = 0.0,
				g_r = 0.0,
				g_alpha = 0.0,
				g_a = 0.0,
				g_b = 0.0;
	int64		k,
				i;

	for (k = 0; k < fit->ngroups; k++)
	{
		int64		lo = fit->group_start[k],
					hi = fit->group_start[k + 1];
		int32		x = rows[lo].x;
		double		w = fit->group_weight[k],
					rx = r + x,
					psi_abx = clv_digamma(a + b + x);

		ll += w * (lgamma(rx) - lg_r + r * log_alpha + lg_ab + lgamma(b + x) - lg_b - lgamma(a + b + x));
		g_r += w * (clv_digamma(rx) - psi_r + log_alpha);
		g_alpha += w * r / alpha;
		g_a += w * (psi_ab - psi_abx);
		g_b += w * (psi_ab + clv_digamma(b + x) - psi_b - psi_abx);
		if (x == 0)
		{
			for (i = lo; i < hi; i++)
			{
				double		wi = rows[i].weight,
							lT = log(alpha + rows[i].v);

				ll -= wi * rx * lT;
				g_r -= wi * lT;
				g_alpha -= wi * rx / (alpha + rows[i].v);
			}
		}
		else
		{
			double		lab = log_a - log(b + x - 1);

			for (i = lo; i < hi; i++)
			{
				double		wi = rows[i].weight,
							aT = alpha + rows[i].v,
							at = alpha + rows[i].u,
							lT = log(aT),
							lt = log(at),
							L3 = -rx * lT,
							L4 = lab - rx * lt,
							e = exp(-fabs(L3 - L4)),
							w3,
							w4;

				if (L3 >= L4)
				{
					ll += wi * (L3 + log1p(e));
					w3 = 1.0 / (1.0 + e);
					w4 = e * w3;
				}
				else
				{
					ll += wi * (L4 + log1p(e));
					w4 = 1.0 / (1.0 + e);
					w3 = e * w4;
				}
				g_r -= wi * (w3 * lT + w4 * lt);
				g_alpha -= wi * rx * (w3 / aT + w4 / at);
				g_a += wi * w4 / a;
				g_b -= wi * w4 / (b + x - 1);
			}
		}
	}
	/* minimise -ll / n, in log-parameters (chain rule: d/dlog r = r d/dr) */
	grad[0] = -g_r * r / fit->customers;
	grad[1] = -g_alpha * alpha / fit->customers;
	grad[2] = -g_a * a / fit->customers;
	grad[3] = -g_b * b / fit->customers;
	return -ll / fit->customers;
}

/* Group sorted rows by x: offsets and weights. */
static void
group_rows(const CustomerRows *s, BgnbdFit *fit)
{
	int64		i,
				k = 0;

	fit->rows = s;
	fit->group_start = palloc(sizeof(int64) * (s->n + 1));
	fit->group_weight = palloc0(sizeof(double) * (s->n + 1));
	fit->customers = 0.0;
	for (i = 0; i < s->n; i++)
	{
		if (i == 0 || s->rows[i].x != s->rows[i - 1].x)
			fit->group_start[k++] = i;
		fit->group_weight[k - 1] += s->rows[i].weight;
		fit->customers += s->rows[i].weight;
	}
	fit->group_start[k] = s->n;
	fit->ngroups = k;
}

/* Form a model tuple of the function's declared result type (parameters, then the fit). */
Datum
clv_model_datum(FunctionCallInfo fcinfo, const double *params, int nparams,
				double loglik, bool has_fit, double customers, int iterations, bool converged)
{
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning a model called in a context that cannot accept it")));
	tupdesc = BlessTupleDesc(tupdesc);
	for (i = 0; i < nparams; i++)
		values[i] = Float8GetDatum(params[i]);
	values[nparams] = Float8GetDatum(loglik);
	values[nparams + 1] = Int64GetDatum((int64) customers);
	values[nparams + 2] = Int32GetDatum(iterations);
	values[nparams + 3] = BoolGetDatum(converged);
	if (!has_fit)
		for (i = nparams; i < nparams + 4; i++)
			nulls[i] = true;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* Final: the maximum-likelihood BG/NBD model, or NULL without customers. */
Datum
clientele_bgnbd_final(PG_FUNCTION_ARGS)
{
	CustomerRows *s;
	BgnbdFit	fit;
	double		th[4],
				sum_x = 0.0,
				sum_T = 0.0,
				params[4];
	ClvOptimResult res;
	int64		i;

	/*
	 * Also callable on a state value outside the aggregate (as a Citus
	 * coordinator does).  The rows come sorted and merged: compacting an
	 * expanded state in place does not change the multiset of customers, so
	 * the final function may run more than once on a state (shared by two
	 * identical aggregate calls, or in a window) and later transitions may
	 * still append rows.
	 */
	s = clv_rows_final_state(fcinfo, CLV_KIND_BGNBD);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	group_rows(s, &fit);
	for (i = 0; i < s->n; i++)
	{
		sum_x += (double) s->rows[i].x * s->rows[i].weight;
		sum_T += s->rows[i].v * s->rows[i].weight;
	}
	th[0] = 0.0;
	th[1] = log(Max(sum_T, 1e-6) / Max(sum_x, 1e-2 * fit.customers));
	th[2] = 0.0;
	th[3] = 0.0;
	res = clv_minimise(bgnbd_objective, &fit, th, 4, BGNBD_MAX_ITERATIONS);
	/* without any repeat purchase the likelihood grows without bound as r -> 0 */
	if (sum_x == 0.0)
		res.converged = false;
	for (i = 0; i < 4; i++)
		params[i] = exp(th[i]);
	pfree(fit.group_start);
	pfree(fit.group_weight);
	PG_RETURN_DATUM(clv_model_datum(fcinfo, params, 4, -res.value * fit.customers, true,
								fit.customers, res.iterations, res.converged));
}

/* ---- the model and its predictions ------------------------------------ */

/* clientele.bgnbd(r, alpha, a, b): a model with given parameters. */
Datum
clientele_bgnbd(PG_FUNCTION_ARGS)
{
	double		params[4];
	const char *names[4] = {"r", "alpha", "a", "b"};
	int			i;

	for (i = 0; i < 4; i++)
	{
		params[i] = PG_GETARG_FLOAT8(i);
		if (!(params[i] > 0.0) || isinf(params[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model parameter %s must be positive and finite, not %g", names[i], params[i])));
	}
	PG_RETURN_DATUM(clv_model_datum(fcinfo, params, 4, 0.0, false, 0, 0, false));
}

/* log of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x): the odds of having left. */
static double
log_dropout_odds(const BgnbdParams *p, int32 x, double t_x, double t_cal)
{
	return log(p->a) - log(p->b + x - 1) + (p->r + x) * (log(p->alpha + t_cal) - log(p->alpha + t_x));
}

/* clientele.bgnbd_loglik(model, x, t_x, T): one customer's log-likelihood. */
Datum
clientele_bgnbd_loglik(PG_FUNCTION_ARGS)
{
	BgnbdParams p = read_params(PG_GETARG_HEAPTUPLEHEADER(0));
	double		t_x = PG_GETARG_FLOAT8(2),
				t_cal = PG_GETARG_FLOAT8(3);
	int32		x = check_customer(PG_GETARG_FLOAT8(1), t_x, t_cal);
	double		rx = p.r + x,
				A,
				L3,
				ll;

	A = lgamma(rx) - lgamma(p.r) + p.r * log(p.alpha) + lgamma(p.a + p.b) + lgamma(p.b + x) -
		lgamma(p.b) - lgamma(p.a + p.b + x);
	L3 = -rx * log(p.alpha + t_cal);
	if (x == 0)
		ll = A + L3;
	else
	{
		double		L4 = log(p.a) - log(p.b + x - 1) - rx * log(p.alpha + t_x),
					hi = Max(L3, L4);

		ll = A + hi + log1p(exp(-fabs(L3 - L4)));
	}
	PG_RETURN_FLOAT8(ll);
}

/* clientele.p_alive(model, x, t_x, T): probability the customer is still active. */
Datum
clientele_p_alive(PG_FUNCTION_ARGS)
{
	BgnbdParams p = read_params(PG_GETARG_HEAPTUPLEHEADER(0));
	double		t_x = PG_GETARG_FLOAT8(2),
				t_cal = PG_GETARG_FLOAT8(3);
	int32		x = check_customer(PG_GETARG_FLOAT8(1), t_x, t_cal);

	if (x == 0)
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8(1.0 / (1.0 + exp(log_dropout_odds(&p, x, t_x, t_cal))));
}

/* 2F1 in logs, raising an error when it cannot be evaluated. */
static void
hyp2f1_or_error(double a, double b, double c, double z, double *logabs, int *sign)
{
	if (!clv_hyp2f1_log(a, b, c, z, logabs, sign))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("hypergeometric function 2F1(%g, %g; %g; %g) could not be evaluated", a, b, c, z),
				 errhint("The horizon is too long for the customer's age; use a shorter horizon.")));
}

/* (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...)] at a given a != 1. */
static double
expected_alive_part(const BgnbdParams *p, double a, int32 x, double t_cal, double t)
{
	double		rx = p->r + x,
				logF,
				lp;
	int			sign;

	hyp2f1_or_error(rx, p->b + x, a + p->b + x - 1, t / (p->alpha + t_cal + t), &logF, &sign);
	/* with positive parameters and 0 <= z < 1 every term of the series is positive */
	Assert(sign > 0);
	lp = rx * (log(p->alpha + t_cal) - log(p->alpha + t_cal + t)) + logF;
	return (a + p->b + x - 1) / (a - 1) * -expm1(lp);
}

/* The same, through the removable singularity at a = 1. */
static double
expected_part(const BgnbdParams *p, int32 x, double t_cal, double t)
{
	if (fabs(p->a - 1.0) < 1e-6)
		return 0.5 * (expected_alive_part(p, 1.0 - 1e-6, x, t_cal, t) +
					  expected_alive_part(p, 1.0 + 1e-6, x, t_cal, t));
	return expected_alive_part(p, p->a, x, t_cal, t);
}

/* Check a horizon. */
static double
check_horizon(double t)
{
	if (!(t >= 0.0) || isinf(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon t must be a non-negative finite time, not %g", t)));
	return t;
}

/* Conditional expected purchases in (T, T + t] (shared with clv.c). */
double
clv_bgnbd_expected(HeapTupleHeader model, double t, double xd, double t_x, double t_cal)
{
	BgnbdParams p = read_params(model);
	int32		x = check_customer(xd, t_x, t_cal);
	double		part;

	check_horizon(t);
	if (t == 0.0)
		return 0.0;
	part = expected_part(&p, x, t_cal, t);
	if (x == 0)
		return part;
	return part / (1.0 + exp(log_dropout_odds(&p, x, t_x, t_cal)));
}

/* clientele.expected_purchases(model, t, x, t_x, T): purchases expected in the next t. */
Datum
clientele_expected_purchases(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(clv_bgnbd_expected(PG_GETARG_HEAPTUPLEHEADER(0), PG_GETARG_FLOAT8(1),
										PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4)));
}

/* clientele.expected_purchases(model, t): repeat purchases of a new customer in t. */
Datum
clientele_expected_purchases_new(PG_FUNCTION_ARGS)
{
	BgnbdParams p = read_params(PG_GETARG_HEAPTUPLEHEADER(0));
	double		t = check_horizon(PG_GETARG_FLOAT8(1));

	if (t == 0.0)
		PG_RETURN_FLOAT8(0.0);
	PG_RETURN_FLOAT8(expected_part(&p, 0, 0.0, t));
}
