/*
 * offer_random.c — seeded random draws for exploration and simulation.
 *
 * Thompson sampling picks, for every offer, one draw from the Beta posterior
 * of its response rate and ranks by the draws: offers whose rate is
 * uncertain get explored, offers known to be poor fade out.  Decisions must
 * be reproducible (a test, an audit, a simulation run twice), so no draw
 * ever comes from a global generator: each one is a pure function of
 * (seed, key1, key2) — typically (seed, customer, offer) or (seed, draw,
 * offer).  The keys are mixed by splitmix64, whose output stream then feeds
 * the samplers:
 *
 *   uniform  53 high bits of a 64-bit output, in [0, 1);
 *   normal   Box–Muller;
 *   gamma    Marsaglia–Tsang (2000) squeeze method for shape >= 1, and
 *            Gamma(a) = Gamma(a + 1) · U^(1/a) for shape < 1;
 *   beta     X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta).
 *
 * Being pure functions of their arguments, the SQL functions are IMMUTABLE
 * and PARALLEL SAFE: the same arguments give the same draw on any backend,
 * worker or server.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "offer/offer.h"

PG_FUNCTION_INFO_V1(clientele_beta_sample);
PG_FUNCTION_INFO_V1(clientele_seeded_uniform);

/* Advance the splitmix64 state and return the next output. */
static inline uint64
splitmix_next(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Seed a generator from a seed and two keys. */
void
offer_rng_init(OfferRng *rng, int64 seed, int64 key1, int64 key2)
{
	uint64		s = (uint64) seed;

	s = splitmix_next(&s) ^ (uint64) key1;
	s = splitmix_next(&s) ^ (uint64) key2;
	rng->state = splitmix_next(&s);
}

/* A uniform draw in [0, 1). */
double
offer_rng_uniform(OfferRng *rng)
{
	return (double) (splitmix_next(&rng->state) >> 11) * (1.0 / 9007199254740992.0);
}

/* A standard normal draw (Box–Muller, one of the pair). */
static double
rng_normal(OfferRng *rng)
{
	double		u1 = 1.0 - offer_rng_uniform(rng);	/* (0, 1] */
	double		u2 = offer_rng_uniform(rng);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* A Gamma(shape, 1) draw (Marsaglia–Tsang). */
static double
rng_gamma(OfferRng *rng, double shape)
{
	double		d,
				c;

	if (shape < 1.0)
	{
		double		u = 1.0 - offer_rng_uniform(rng);

		return rng_gamma(rng, shape + 1.0) * pow(u, 1.0 / shape);
	}
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		double		x = rng_normal(rng);
		double		v = 1.0 + c * x;
		double		u;

		if (v <= 0.0)
			continue;
		v = v * v * v;
		u = 1.0 - offer_rng_uniform(rng);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/* A Beta(alpha, beta) draw. */
double
offer_rng_beta(OfferRng *rng, double alpha, double beta)
{
	double		x = rng_gamma(rng, alpha);
	double		y = rng_gamma(rng, beta);

	if (x + y <= 0.0)
		return alpha / (alpha + beta);	/* both underflowed: tiny shapes */
	return x / (x + y);
}

/* Reject a Beta parameter that is not a positive finite number. */
static void
check_beta_parameter(const char *name, double v)
{
	if (isnan(v) || isinf(v) || v <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Beta parameter %s must be a positive finite number, not %g", name, v),
				 errhint("A Beta posterior from s successes in n trials is Beta(1 + s, 1 + n - s).")));
}

/* SQL: beta_sample(alpha, beta, seed, key1, key2): a reproducible Beta draw. */
Datum
clientele_beta_sample(PG_FUNCTION_ARGS)
{
	double		alpha = PG_GETARG_FLOAT8(0);
	double		beta = PG_GETARG_FLOAT8(1);
	OfferRng	rng;

	check_beta_parameter("alpha", alpha);
	check_beta_parameter("beta", beta);
	offer_rng_init(&rng, PG_GETARG_INT64(2), PG_GETARG_INT64(3), PG_GETARG_INT64(4));
	PG_RETURN_FLOAT8(offer_rng_beta(&rng, alpha, beta));
}

/* SQL: seeded_uniform(seed, key1, key2): a reproducible uniform draw in [0, 1). */
Datum
clientele_seeded_uniform(PG_FUNCTION_ARGS)
{
	OfferRng	rng;

	offer_rng_init(&rng, PG_GETARG_INT64(0), PG_GETARG_INT64(1), PG_GETARG_INT64(2));
	PG_RETURN_FLOAT8(offer_rng_uniform(&rng));
}
