/*
 * hyp2f1.c — the Gauss hypergeometric function 2F1(a, b; c; z) for real
 * arguments and z < 1, as the BG/NBD expected number of purchases needs it.
 *
 *   2F1(a, b; c; z) = sum_n (a)_n (b)_n / ((c)_n n!) z^n
 *
 * The BG/NBD model evaluates it at a = r + x, b = b + x, c = a + b + x - 1
 * and z = t / (alpha + T + t): all parameters positive, z in [0, 1), close
 * to 1 for horizons long against the customer's age.  Three regimes:
 *
 * 1. The series, for 0 <= z <= 0.9 (and wherever 2. does not apply).
 *    Term n+1 is term n times (a+n)(b+n) / ((c+n)(n+1)) z.  Terms may grow
 *    for a while when a b z > c (heavy buyers: a, b in the hundreds), so
 *    the sum is kept as a mantissa and a logarithmic scale, rescaled
 *    before it overflows, and the function returns log|2F1| and its sign:
 *    the caller multiplies by ((alpha+T)/(alpha+T+t))^(r+x), which
 *    cancels the growth, in logarithms.  The sum stops once the tail is
 *    provably below 1e-17 of it: with rho a bound on all later term
 *    ratios (the current ratio or |z|, whichever is larger, since the
 *    ratios move monotonically towards z), the tail is at most
 *    |term| rho / (1 - rho).  With positive parameters and z > 0 every
 *    term is positive: no cancellation; the sum is compensated
 *    (Neumaier), so even millions of terms lose only the rounding of the
 *    running term products (about 1e-11 relative at 1 - z = 1e-6).
 *
 * 2. The 1 - z transformation (Abramowitz and Stegun 15.3.6), for z > 0.9:
 *    with m = c - a - b and y = 1 - z,
 *      2F1(a,b;c;z) = G(c)G(m)/(G(c-a)G(c-b)) 2F1(a, b; 1-m; y)
 *                   + y^m G(c)G(-m)/(G(a)G(b)) 2F1(c-a, c-b; 1+m; y),
 *    two series in y < 0.1 that converge in a few dozen terms where the
 *    direct series would need thousands (z = 0.999: about 40,000).  The
 *    Gamma functions are taken in logarithms with their signs, and a
 *    1/Gamma at a pole is zero (the term vanishes).  When m is an integer
 *    the two Gamma(±m) have poles and the terms cancel; near an integer
 *    (within 0.05) they cancel badly, so there the direct series (1.) is
 *    used instead: still exact, only slower (it is capped at 2e8 terms,
 *    that is 1 - z down to about 2e-7).
 *
 * 3. z < 0: the Pfaff transformation
 *      2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1))
 *    maps z to w = z/(z-1) in (0, 1), handled as above.
 *
 * z = 1 is Gauss's sum G(c)G(c-a-b)/(G(c-a)G(c-b)) when c - a - b > 0.
 * Undefined cases (c a non-positive integer, z > 1, z = 1 with
 * c - a - b <= 0, non-convergence) return false; the SQL function raises
 * an error.  Accuracy is checked in the regression tests against the
 * Euler integral evaluated by numeric quadrature, and against closed
 * forms (2F1(1,1;2;z) = -log(1-z)/z, 2F1(a,b;b;z) = (1-z)^-a).
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"

#include "clv.h"

PG_FUNCTION_INFO_V1(clientele_hyp2f1);

#define SERIES_MAX_Z		0.9
#define SERIES_MAX_TERMS	200000000L
#define NEAR_INTEGER		0.05
#define RESCALE				1e250

/* Direct series: log|2F1| and sign; false if it did not converge. */
static bool
series_log(double a, double b, double c, double z, double *logabs, int *sign)
{
	double		term = 1.0,
				sum = 1.0,
				comp = 0.0,		/* Neumaier compensation of the sum */
				scale = 0.0;
	long		n;

	for (n = 0; n < SERIES_MAX_TERMS; n++)
	{
		double		ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
		double		rho;

		double		next;

		term *= ratio;
		next = sum + term;
		comp += fabs(sum) >= fabs(term) ? (sum - next) + term : (term - next) + sum;
		sum = next;
		if (fabs(sum) > RESCALE)
		{
			sum /= RESCALE;
			comp /= RESCALE;
			term /= RESCALE;
			scale += log(RESCALE);
		}
		if (term == 0.0)
			break;
		/* overflow (parameters near the float8 limit): no finite value to find */
		if (!isfinite(sum))
			break;
		rho = Max(fabs(ratio), fabs(z));
		if (rho < 1.0 && fabs(term) * rho <= 1e-17 * (1.0 - rho) * fabs(sum))
			break;
		if ((n & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	sum += comp;
	if (n == SERIES_MAX_TERMS || !isfinite(sum) || sum == 0.0)
	{
		if (sum == 0.0 && n < SERIES_MAX_TERMS)
		{
			*logabs = -INFINITY;
			*sign = 0;
			return true;
		}
		return false;
	}
	*sign = sum > 0 ? 1 : -1;
	*logabs = log(fabs(sum)) + scale;
	return true;
}

/* log|G(p)G(q)/(G(r)G(s))| and its sign; sign 0 when a denominator has a pole. */
static double
gamma_ratio_log(double p, double q, double r, double s, int *sign)
{
	int			sp,
				sq,
				sr,
				ss;
	double		lp = clv_lgamma_sign(p, &sp),
				lq = clv_lgamma_sign(q, &sq),
				lr = clv_lgamma_sign(r, &sr),
				ls = clv_lgamma_sign(s, &ss);

	if (sr == 0 || ss == 0)
	{
		*sign = 0;
		return -INFINITY;
	}
	*sign = sp * sq * sr * ss;
	return lp + lq - lr - ls;
}

/* log|2F1(a, b; c; z)| and its sign, for z < 1 (see the essay above). */
bool
clv_hyp2f1_log(double a, double b, double c, double z, double *logabs, int *sign)
{
	double		m;

	if (isnan(a) || isnan(b) || isnan(c) || isnan(z) || isinf(a) || isinf(b) || isinf(c))
		return false;
	if (c <= 0.0 && c == floor(c))
		return false;
	if (z == 0.0 || a == 0.0 || b == 0.0)
	{
		*logabs = 0.0;
		*sign = 1;
		return true;
	}
	if (z > 1.0)
		return false;
	m = c - a - b;
	if (z == 1.0)
	{
		if (!(m > 0.0))
			return false;
		*logabs = gamma_ratio_log(c, m, c - a, c - b, sign);
		if (*sign == 0)
			*logabs = -INFINITY;
		return true;
	}
	if (z < 0.0)
	{
		double		w = z / (z - 1.0);

		if (!clv_hyp2f1_log(a, c - b, c, w, logabs, sign))
			return false;
		*logabs -= a * log1p(-z);
		return true;
	}
	if (z <= SERIES_MAX_Z || fabs(m - rint(m)) < NEAR_INTEGER)
		return series_log(a, b, c, z, logabs, sign);
	else
	{
		double		y = 1.0 - z,
					l1,
					l2,
					f1,
					f2,
					big;
		int			s1,
					s2,
					g1,
					g2;

		l1 = gamma_ratio_log(c, m, c - a, c - b, &s1);
		l2 = gamma_ratio_log(c, -m, a, b, &s2);
		if (s1 != 0)
		{
			if (!series_log(a, b, 1.0 - m, y, &f1, &g1))
				return false;
			l1 += f1;
			s1 *= g1;
		}
		if (s2 != 0)
		{
			if (!series_log(c - a, c - b, 1.0 + m, y, &f2, &g2))
				return false;
			l2 += f2 + m * log(y);
			s2 *= g2;
		}
		if (s1 == 0 && s2 == 0)
		{
			*logabs = -INFINITY;
			*sign = 0;
			return true;
		}
		if (s1 == 0 || (s2 != 0 && l2 > l1))
		{
			double		tl = l1;
			int			ts = s1;

			l1 = l2;
			s1 = s2;
			l2 = tl;
			s2 = ts;
		}
		/* l1 is the larger magnitude: log|e^l1 s1 + e^l2 s2| */
		big = s2 == 0 ? 0.0 : (double) s2 / s1 * exp(l2 - l1);
		if (1.0 + big <= 0.0)
		{
			if (1.0 + big == 0.0)
			{
				*logabs = -INFINITY;
				*sign = 0;
				return true;
			}
			*sign = -s1;
			*logabs = l1 + log(-(1.0 + big));
			return true;
		}
		*sign = s1;
		*logabs = l1 + log1p(big);
		return true;
	}
}

/* clientele.hyp2f1(a, b, c, z): the Gauss hypergeometric function, z < 1. */
Datum
clientele_hyp2f1(PG_FUNCTION_ARGS)
{
	double		a = PG_GETARG_FLOAT8(0),
				b = PG_GETARG_FLOAT8(1),
				c = PG_GETARG_FLOAT8(2),
				z = PG_GETARG_FLOAT8(3),
				logabs,
				value;
	int			sign;

	if (isnan(a) || isnan(b) || isnan(c) || isnan(z) || isinf(a) || isinf(b) || isinf(c) || isinf(z))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyp2f1 arguments must be finite")));
	if (c <= 0.0 && c == floor(c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyp2f1 is undefined for c = %g", c),
				 errdetail("c must not be zero or a negative integer.")));
	if (z > 1.0 || (z == 1.0 && !(c - a - b > 0.0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyp2f1 diverges at z = %g", z),
				 errdetail("The series converges for z < 1, and at z = 1 only when c - a - b > 0.")));
	if (!clv_hyp2f1_log(a, b, c, z, &logabs, &sign))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("hyp2f1(%g, %g, %g, %g) could not be evaluated", a, b, c, z),
				 errdetail("The series needs more than %ld terms this close to z = 1.", SERIES_MAX_TERMS)));
	value = sign * exp(logabs);
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("hyp2f1(%g, %g, %g, %g) is out of the range of float8", a, b, c, z)));
	PG_RETURN_FLOAT8(value);
}
