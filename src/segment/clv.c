/*
 * clv.c — customer lifetime value from a BG/NBD model of how often a
 * customer will buy and a Gamma-Gamma model of how much.
 *
 *   CLV = E[M | x, m_x] * sum_{i=1..H} (E[Y(i u)] - E[Y((i-1) u)]) / (1 + d)^i
 *
 * where E[Y(t)] is the BG/NBD conditional expectation of purchases in the
 * next t (bgnbd.c), E[M] the Gamma-Gamma expected spend per purchase
 * (gammagamma.c), H the horizon in months, d the monthly discount rate and
 * u the number of model time units in a month (4.348 when the model was
 * fitted in weeks: 365.25 / 12 / 7).  Each month's expected purchases are
 * discounted at the end of that month, as in Fader, Hardie and Lee's
 * discounted expected residual transactions sampled monthly (and as the
 * Python lifetimes package does), so the value is comparable with theirs.
 * The sum costs H evaluations of 2F1.  Margins are the caller's: multiply
 * the result, or fit the spend model on margins rather than amounts.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "clv.h"

PG_FUNCTION_INFO_V1(clientele_clv);

#define CLV_MAX_MONTHS 1200

/* clientele.clv(bgnbd, gammagamma, x, t_x, T, m_x, months, monthly_discount, units_per_month). */
Datum
clientele_clv(PG_FUNCTION_ARGS)
{
	HeapTupleHeader bg,
				gg;
	double		x,
				t_x,
				t_cal,
				m_x,
				d,
				u,
				spend,
				prev = 0.0,
				value = 0.0;
	int32		months,
				i;

	/* m_x (6) may be NULL when x = 0; any other NULL gives NULL */
	for (i = 0; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i) && i != 5)
			PG_RETURN_NULL();
	bg = PG_GETARG_HEAPTUPLEHEADER(0);
	gg = PG_GETARG_HEAPTUPLEHEADER(1);
	x = PG_GETARG_FLOAT8(2);
	t_x = PG_GETARG_FLOAT8(3);
	t_cal = PG_GETARG_FLOAT8(4);
	if (PG_ARGISNULL(5) && x != 0.0)
		PG_RETURN_NULL();
	m_x = PG_ARGISNULL(5) ? 0.0 : PG_GETARG_FLOAT8(5);
	months = PG_GETARG_INT32(6);
	d = PG_GETARG_FLOAT8(7);
	u = PG_GETARG_FLOAT8(8);
	if (months < 1 || months > CLV_MAX_MONTHS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lifetime-value horizon of %d months is out of range", months),
				 errhint("Give between 1 and %d months.", CLV_MAX_MONTHS)));
	if (!(d > -1.0) || isinf(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monthly discount rate must be finite and greater than -1, not %g", d)));
	if (!(u > 0.0) || isinf(u))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model time units per month must be positive, not %g", u),
				 errhint("4.348 for a model fitted in weeks, 30.44 in days.")));
	spend = clv_expected_spend(gg, x, m_x);
	for (i = 1; i <= months; i++)
	{
		double		e = clv_bgnbd_expected(bg, i * u, x, t_x, t_cal);

		value += (e - prev) / pow(1.0 + d, i);
		prev = e;
	}
	PG_RETURN_FLOAT8(spend * value);
}
