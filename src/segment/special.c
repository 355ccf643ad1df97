/*
 * special.c — the special functions the lifetime-value models need beyond
 * libm: digamma, and log|Gamma| with its sign for negative arguments.
 *
 * Digamma.  psi(x) = d/dx log Gamma(x) enters the gradients of both
 * likelihoods.  For x > 0 the recurrence psi(x) = psi(x + 1) - 1/x lifts x
 * above 10, where the asymptotic series
 *   psi(x) = log x - 1/(2x) - sum_k B_2k / (2k x^2k)
 * truncated after x^-14 is accurate to a few ulps (the first omitted term
 * is below 1e-17 at x = 10).  The parameters are kept positive by the
 * optimiser (it works on their logarithms), so no reflection is needed.
 *
 * Gamma with a sign.  The 1 - z transformation of 2F1 divides by Gamma at
 * arguments such as c - a that can be negative; libm's lgamma() gives
 * log|Gamma(x)|, and the sign of Gamma(x) for x < 0 alternates between
 * the poles: negative on (-1, 0), positive on (-2, -1), and so on.
 */
#include "postgres.h"

#include <math.h>

#include "clv.h"

/* Digamma psi(x) for x > 0. */
double
clv_digamma(double x)
{
	double		shift = 0.0,
				inv,
				inv2;

	if (!(x > 0.0))
		return NAN;
	while (x < 10.0)
	{
		shift -= 1.0 / x;
		x += 1.0;
	}
	inv = 1.0 / x;
	inv2 = inv * inv;
	/* Bernoulli numbers: B2 = 1/6, B4 = -1/30, B6 = 1/42, B8 = -1/30, B10 = 5/66, B12 = -691/2730, B14 = 7/6 */
	return shift + log(x) - 0.5 * inv -
		inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 -
			 inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 - inv2 * (1.0 / 12)))))));
}

/* log|Gamma(x)| and its sign; a pole (x a non-positive integer) gives +inf, sign 0. */
double
clv_lgamma_sign(double x, int *sign)
{
	if (x > 0.0)
	{
		*sign = 1;
		return lgamma(x);
	}
	if (x == floor(x))
	{
		*sign = 0;
		return INFINITY;
	}
	*sign = ((int64) floor(x)) % 2 == 0 ? 1 : -1;
	return lgamma(x);
}
