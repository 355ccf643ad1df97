/*
 * demo_random.h — the random streams of the demo generators.
 *
 * Every generated row draws from its own stream, seeded from a hash of
 * (generator key, row index, salt), so a row never depends on how many rows
 * came before it or on which worker makes it: the same arguments give the
 * same rows on any machine.  A stream is xoshiro256** seeded through
 * splitmix64; the deviates are built from it in a fixed order of draws
 * (never two draws inside one expression, whose evaluation order C leaves
 * open).
 */
#ifndef CLIENTELE_DEMO_RANDOM_H
#define CLIENTELE_DEMO_RANDOM_H

#include "postgres.h"

#include <math.h>

#define DEMO_GOLDEN_GAMMA	UINT64CONST(0x9E3779B97F4A7C15)

typedef struct Rng
{
	uint64		s[4];
} Rng;

/* The splitmix64 finaliser: a strong 64-bit mix. */
static inline uint64
mix64(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Hash of (key, index, salt), the root of every per-row stream. */
static inline uint64
hash3(uint64 key, uint64 i, uint64 salt)
{
	return mix64(mix64(key ^ salt) + i * DEMO_GOLDEN_GAMMA);
}

/* Seed a xoshiro256** state from one 64-bit value through splitmix64. */
static inline void
rng_seed(Rng *r, uint64 x)
{
	int			k;

	for (k = 0; k < 4; k++)
	{
		x += DEMO_GOLDEN_GAMMA;
		r->s[k] = mix64(x);
	}
}

/* Rotate left. */
static inline uint64
rotl(uint64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* Next 64 random bits (xoshiro256**). */
static inline uint64
rng_next(Rng *r)
{
	uint64	   *s = r->s;
	uint64		result = rotl(s[1] * 5, 7) * 9;
	uint64		t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform double in [0, 1). */
static inline double
rng_unit(Rng *r)
{
	return (rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform double in (0, 1]. */
static inline double
rng_open(Rng *r)
{
	return 1.0 - rng_unit(r);
}

/* Uniform integer in [0, n) (multiply-shift; the bias is negligible here). */
static inline int
rng_below(Rng *r, int n)
{
	return (int) (((rng_next(r) >> 32) * (uint64) n) >> 32);
}

/* True with probability p. */
static inline bool
rng_chance(Rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Standard normal deviate (Box-Muller, one of the pair): radius, then angle. */
static inline double
rng_normal(Rng *r)
{
	double		u = rng_open(r);
	double		v = rng_unit(r);

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif							/* CLIENTELE_DEMO_RANDOM_H */
