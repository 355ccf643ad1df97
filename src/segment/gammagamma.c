/*
 * gammagamma.c — the Gamma-Gamma model of spend per transaction (Fader,
 * Hardie and Lee 2005, "RFM and CLV"; Fader and Hardie's note "The
 * Gamma-Gamma model of monetary value"): maximum-likelihood fit as an
 * aggregate, and the expected spend of a customer.
 *
 * The model.  A customer's transaction amounts are Gamma(p, nu) (shape p,
 * rate nu), so their mean is p/nu; across customers nu ~ Gamma(q, gamma).
 * Observed: x transactions averaging m_x.  Then the average's density is
 *   f(m_x | x) = G(px+q) / (G(px) G(q)) gamma^q m_x^(px-1) x^(px)
 *                / (gamma + m_x x)^(px+q)
 * and the log-likelihood of a customer
 *   lgamma(px+q) - lgamma(px) - lgamma(q) + q log gamma
 *   + (px-1) log m_x + px log x - (px+q) log(gamma + m_x x).
 * Customers with x = 0 carry no information on spend and are skipped (the
 * model's customers count only those with x > 0); x is conventionally the
 * number of repeat purchases and m_x their mean, as in the BG/NBD summary
 * (any consistent choice works: x must be the number of amounts averaged).
 *
 * The fit.  clientele.gammagamma_fit(x, m_x) keeps the customers as
 * custrows.c does (merged when identical, sorted by x) and minimises the
 * negative mean log-likelihood over (log p, log q, log gamma) by BFGS with
 * the analytic gradient
 *   d/dp = x (psi(px+q) - psi(px) + log m_x + log x - log(gamma + m_x x))
 *   d/dq = psi(px+q) - psi(q) + log gamma - log(gamma + m_x x)
 *   d/dgamma = q/gamma - (px+q)/(gamma + m_x x),
 * the log-Gamma and digamma terms once per distinct x.  Start: p = 1,
 * q = 2, gamma = mean m_x (a population mean spend p gamma / (q-1) equal
 * to the observed one).
 *
 * Expected spend (the posterior mean of p/nu):
 *   E[M | x, m_x] = p (gamma + m_x x) / (px + q - 1),
 * a weighted mean of the population mean p gamma / (q-1) and of m_x; it
 * needs q > 1 (otherwise the population mean is infinite).
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "utils/builtins.h"

#include "clv.h"

PG_FUNCTION_INFO_V1(clientele_gammagamma_trans);
PG_FUNCTION_INFO_V1(clientele_gammagamma_final);
PG_FUNCTION_INFO_V1(clientele_gammagamma);
PG_FUNCTION_INFO_V1(clientele_gammagamma_loglik);
PG_FUNCTION_INFO_V1(clientele_expected_spend);

#define GG_MAX_ITERATIONS 500

typedef struct GammaGammaFit
{
	const CustomerRows *rows;
	double	   *log_m;			/* log m_x per row */
	double	   *log_x;			/* log x per row */
	double		customers;
} GammaGammaFit;

/* Check a mean amount. */
static void
check_mean_amount(int32 x, double m_x)
{
	if (x > 0 && (!(m_x > 0.0) || isinf(m_x)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mean transaction value m_x must be positive and finite, not %g", m_x),
				 errhint("Leave out customers whose transactions are free or refunds.")));
}

/* Transition: append one customer with x > 0 (others and NULLs are skipped). */
Datum
clientele_gammagamma_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CustomerRows *s;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gammagamma_fit transition function called outside an aggregate")));
	s = clv_rows_transition_state(fcinfo, aggcxt, CLV_KIND_GAMMAGAMMA);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		s->skipped++;
	else
	{
		int32		x = clv_check_count(PG_GETARG_FLOAT8(1), "x");
		double		m_x = PG_GETARG_FLOAT8(2);

		check_mean_amount(x, m_x);
		if (x == 0)
			s->skipped++;
		else
			clv_rows_add(s, x, m_x, 0.0, 1);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&s->hdr));
}

/* Negative mean log-likelihood at th = log(p, q, gamma), and its gradient. */
static double
gg_objective(const double *th, double *grad, void *arg)
{
	const GammaGammaFit *fit = arg;
	const CustomerRow *rows = fit->rows->rows;
	double		p = exp(th[0]),
				q = exp(th[1]),
				gamma = exp(th[2]),
				log_gamma = th[2],
				lg_q = lgamma(q),
				psi_q = clv_digamma(q);
	double		ll = 0.0,
				g_p = 0.0,
				g_q = 0.0,
				g_gamma = 0.0,
				lg_term = 0.0,
				psi_pxq = 0.0,
				psi_px = 0.0;
	int64		i;
	int32		last_x = -1;

	for (i = 0; i < fit->rows->n; i++)
	{
		int32		x = rows[i].x;
		double		w = rows[i].weight,
					px = p * x,
					den = gamma + rows[i].u * x,
					lden = log(den);

		if (x != last_x)
		{
			lg_term = lgamma(px + q) - lgamma(px) - lg_q + q * log_gamma;
			psi_pxq = clv_digamma(px + q);
			psi_px = clv_digamma(px);
			last_x = x;
		}
		ll += w * (lg_term + (px - 1.0) * fit->log_m[i] + px * fit->log_x[i] - (px + q) * lden);
		g_p += w * x * (psi_pxq - psi_px + fit->log_m[i] + fit->log_x[i] - lden);
		g_q += w * (psi_pxq - psi_q + log_gamma - lden);
		g_gamma += w * (q / gamma - (px + q) / den);
	}
	grad[0] = -g_p * p / fit->customers;
	grad[1] = -g_q * q / fit->customers;
	grad[2] = -g_gamma * gamma / fit->customers;
	return -ll / fit->customers;
}

/* Final: the maximum-likelihood Gamma-Gamma model, or NULL without customers. */
Datum
clientele_gammagamma_final(PG_FUNCTION_ARGS)
{
	CustomerRows *s;
	GammaGammaFit fit;
	double		th[3],
				params[3],
				sum_m = 0.0;
	ClvOptimResult res;
	int64		i;

	/* also callable on a state value outside the aggregate: see bgnbd_final */
	s = clv_rows_final_state(fcinfo, CLV_KIND_GAMMAGAMMA);
	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	fit.rows = s;
	fit.log_m = palloc(sizeof(double) * s->n);
	fit.log_x = palloc(sizeof(double) * s->n);
	fit.customers = 0.0;
	for (i = 0; i < s->n; i++)
	{
		fit.log_m[i] = log(s->rows[i].u);
		fit.log_x[i] = log((double) s->rows[i].x);
		fit.customers += s->rows[i].weight;
		sum_m += s->rows[i].u * s->rows[i].weight;
	}
	th[0] = 0.0;
	th[1] = log(2.0);
	th[2] = log(sum_m / fit.customers);
	res = clv_minimise(gg_objective, &fit, th, 3, GG_MAX_ITERATIONS);
	for (i = 0; i < 3; i++)
		params[i] = exp(th[i]);
	pfree(fit.log_m);
	pfree(fit.log_x);
	PG_RETURN_DATUM(clv_model_datum(fcinfo, params, 3, -res.value * fit.customers, true,
									fit.customers, res.iterations, res.converged));
}

/* clientele.gammagamma(p, q, gamma): a model with given parameters. */
Datum
clientele_gammagamma(PG_FUNCTION_ARGS)
{
	double		params[3];
	const char *names[3] = {"p", "q", "gamma"};
	int			i;

	for (i = 0; i < 3; i++)
	{
		params[i] = PG_GETARG_FLOAT8(i);
		if (!(params[i] > 0.0) || isinf(params[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model parameter %s must be positive and finite, not %g", names[i], params[i])));
	}
	PG_RETURN_DATUM(clv_model_datum(fcinfo, params, 3, 0.0, false, 0, 0, false));
}

/* clientele.gammagamma_loglik(model, x, m_x): one customer's log-likelihood (x > 0). */
Datum
clientele_gammagamma_loglik(PG_FUNCTION_ARGS)
{
	HeapTupleHeader model = PG_GETARG_HEAPTUPLEHEADER(0);
	double		p = clv_model_param(model, 1, "p"),
				q = clv_model_param(model, 2, "q"),
				gamma = clv_model_param(model, 3, "gamma");
	int32		x = clv_check_count(PG_GETARG_FLOAT8(1), "x");
	double		m_x = PG_GETARG_FLOAT8(2),
				px = p * x;

	if (x == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the Gamma-Gamma likelihood needs x > 0 transactions")));
	check_mean_amount(x, m_x);
	PG_RETURN_FLOAT8(lgamma(px + q) - lgamma(px) - lgamma(q) + q * log(gamma) +
					 (px - 1.0) * log(m_x) + px * log((double) x) - (px + q) * log(gamma + m_x * x));
}

/* Expected mean spend per transaction (shared with clv.c). */
double
clv_expected_spend(HeapTupleHeader model, double xd, double m_x)
{
	double		p = clv_model_param(model, 1, "p"),
				q = clv_model_param(model, 2, "q"),
				gamma = clv_model_param(model, 3, "gamma");
	int32		x = clv_check_count(xd, "x");

	if (!(q > 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected spend needs q > 1, not %g", q),
				 errdetail("With q <= 1 the population mean spend p gamma / (q - 1) is infinite.")));
	if (x == 0)
		return p * gamma / (q - 1.0);
	check_mean_amount(x, m_x);
	return p * (gamma + m_x * x) / (p * x + q - 1.0);
}

/* clientele.expected_spend(model, x, m_x): expected mean spend per transaction. */
Datum
clientele_expected_spend(PG_FUNCTION_ARGS)
{
	HeapTupleHeader model;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	model = PG_GETARG_HEAPTUPLEHEADER(0);
	/* x = 0: m_x is not used and may be NULL */
	if (PG_GETARG_FLOAT8(1) == 0.0)
		PG_RETURN_FLOAT8(clv_expected_spend(model, 0.0, 0.0));
	if (PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(clv_expected_spend(model, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)));
}
