/*
 * attribution_shapley.c — Shapley-value attribution over channel sets.
 *
 * The game.  The players are the channels.  The worth of a coalition S is
 * the conversion rate of the paths that stay within S:
 *
 *     v(S) = C(S) / N(S),   C(S) = sum over channel sets T ⊆ S of the
 *                           conversions of paths whose channel set is T,
 *                           N(S) = the same sum of paths (0/0 counts as 0),
 *
 * so a coalition is worth what its channels achieve on their own, and paths
 * that did not convert lower the worth of the channels they used.  v(∅) = 0
 * and v(all channels) is the overall conversion rate.  Each channel i gets
 * its Shapley value
 *
 *     phi(i) = sum over S ⊆ N \ {i} of |S|! (n-|S|-1)! / n! (v(S ∪ {i}) - v(S)),
 *
 * whose sum is v(all) (efficiency).  Credited conversions are
 * phi(i) × paths, which sum to the conversions; the value game uses the
 * converted value instead of conversions.  A channel that lowers the
 * conversion rate of the coalitions it joins gets a negative value.
 *
 * Exact computation (n <= 20 channels).  The subset sums C and N are
 * computed for all 2^n coalitions by the zeta transform (for each channel,
 * add A[S \ {i}] to A[S] for every S containing i), O(n 2^n); then the
 * Shapley sum is O(n 2^n): 20 channels take 20 M steps and 24 MB.
 *
 * Approximation (n > 20, up to 64).  Shapley values are the expected
 * marginal contribution of a channel when channels join in a uniformly
 * random order.  We average over about 1,024 orders: ceil(1024/n) random
 * base orders from a fixed-seed generator (so a result is reproducible),
 * each with its n rotations, so that every channel joins at every position
 * equally often (rotation sampling; it removes the variance due to the
 * position, the largest part when single channels convert on their own).
 * C(S) and N(S) are updated incrementally: each channel set keeps the count
 * of its channels not yet in the coalition and joins the sums when that
 * count reaches zero.  Efficiency holds exactly (each order's marginal
 * contributions add up to v(all)); the error of each value falls as
 * 1/sqrt(number of base orders) of the spread of its contributions.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "port/pg_bitutils.h"

#include "attribution.h"

#define SHAPLEY_ORDERS 1024

/* Worth of a coalition from its subset sums. */
static inline double
worth(double num, double paths)
{
	return paths > 0 ? num / paths : 0;
}

/* Exact Shapley values over m players from per-set sums (indexed by compact mask). */
static void
shapley_exact(int m, double *N, double *C, double *V, double *phi_c, double *phi_v)
{
	Size		full = (Size) 1 << m;
	Size		s;
	int			i;
	double	   *w = palloc(sizeof(double) * (m + 1));

	for (i = 0; i < m; i++)
	{
		Size		bit = (Size) 1 << i;

		CHECK_FOR_INTERRUPTS();
		for (s = 0; s < full; s++)
			if (s & bit)
			{
				N[s] += N[s ^ bit];
				C[s] += C[s ^ bit];
				V[s] += V[s ^ bit];
			}
	}
	for (i = 0; i < m; i++)		/* w[k] = k! (m-k-1)! / m! */
		w[i] = exp(lgamma(i + 1.0) + lgamma((double) (m - i)) - lgamma(m + 1.0));
	for (i = 0; i < m; i++)
	{
		Size		bit = (Size) 1 << i;
		double		pc = 0,
					pv = 0;

		CHECK_FOR_INTERRUPTS();
		for (s = 0; s < full; s++)
			if (!(s & bit))
			{
				double		wk = w[pg_popcount64((uint64) s)];

				pc += wk * (worth(C[s | bit], N[s | bit]) - worth(C[s], N[s]));
				pv += wk * (worth(V[s | bit], N[s | bit]) - worth(V[s], N[s]));
			}
		phi_c[i] = pc;
		phi_v[i] = pv;
	}
}

/* splitmix64 step: the fixed-seed generator of the approximation. */
static inline uint64
next_random(uint64 *x)
{
	uint64		z = (*x += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Approximate Shapley values over m players by sampled join orders. */
static void
shapley_sampled(int m, int nsets, const uint64 *masks, const double *paths,
				const double *conv, const double *val, double *phi_c, double *phi_v)
{
	int		   *missing = palloc(sizeof(int) * nsets);
	int		   *start = palloc0(sizeof(int) * (m + 1));
	int		   *members;
	int		   *order = palloc(sizeof(int) * m);
	int		   *base = palloc(sizeof(int) * m);
	int			i,
				k,
				j,
				norders,
				total = 0;
	uint64		seed = UINT64CONST(20260315);

	/* sets containing each channel, as CSR lists */
	for (k = 0; k < nsets; k++)
		for (i = 0; i < m; i++)
			if (masks[k] & (UINT64CONST(1) << i))
				start[i + 1]++, total++;
	for (i = 0; i < m; i++)
		start[i + 1] += start[i];
	members = palloc(sizeof(int) * Max(total, 1));
	{
		int		   *fill = palloc(sizeof(int) * m);

		memcpy(fill, start, sizeof(int) * m);
		for (k = 0; k < nsets; k++)
			for (i = 0; i < m; i++)
				if (masks[k] & (UINT64CONST(1) << i))
					members[fill[i]++] = k;
	}
	for (i = 0; i < m; i++)
		phi_c[i] = phi_v[i] = 0;
	norders = ((SHAPLEY_ORDERS + m - 1) / m) * m;
	for (j = 0; j < norders; j++)
	{
		double		N = 0,
					C = 0,
					V = 0;

		CHECK_FOR_INTERRUPTS();
		if (j % m == 0)
		{
			for (i = 0; i < m; i++)
				base[i] = i;
			for (i = m - 1; i > 0; i--)	/* Fisher-Yates */
			{
				int			r = (int) (next_random(&seed) % (uint64) (i + 1));
				int			tmp = base[i];

				base[i] = base[r];
				base[r] = tmp;
			}
		}
		for (i = 0; i < m; i++)	/* the (j mod m)-th rotation of the base order */
			order[i] = base[(i + j) % m];
		for (k = 0; k < nsets; k++)
			missing[k] = pg_popcount64(masks[k]);
		for (i = 0; i < m; i++)
		{
			int			c = order[i];
			double		before_c = worth(C, N),
						before_v = worth(V, N);
			int			e;

			for (e = start[c]; e < start[c + 1]; e++)
				if (--missing[members[e]] == 0)
				{
					N += paths[members[e]];
					C += conv[members[e]];
					V += val[members[e]];
				}
			phi_c[c] += worth(C, N) - before_c;
			phi_v[c] += worth(V, N) - before_v;
		}
	}
	for (i = 0; i < m; i++)
	{
		phi_c[i] /= norders;
		phi_v[i] /= norders;
	}
}

/* Credit each channel with its Shapley conversions and value. */
void
attr_shapley_credit(AttrState *st, double *conv, double *value)
{
	AttrChannelSet **all;
	uint64		used = 0;
	int			player[ATTR_SHAPLEY_MAX];	/* channel -> compact player */
	int			channel[ATTR_SHAPLEY_MAX];	/* player -> channel */
	int			m = 0,
				c,
				nsets,
				k;
	double	   *phi_c,
			   *phi_v;
	uint64	   *masks;
	double	   *paths,
			   *convs,
			   *vals;

	for (c = 0; c < st->nchannels; c++)
		conv[c] = value[c] = 0;
	if (st->sets == NULL || (nsets = (int) hash_get_num_entries(st->sets)) == 0)
		return;
	masks = palloc(sizeof(uint64) * nsets);
	paths = palloc(sizeof(double) * nsets);
	convs = palloc(sizeof(double) * nsets);
	vals = palloc(sizeof(double) * nsets);
	/* by mask: the sums below do not depend on the hash table's history */
	all = attr_sets_in_order(st, true, &nsets);
	for (k = 0; k < nsets; k++)
	{
		AttrChannelSet *e = all[k];

		used |= e->mask;
		masks[k] = e->mask;
		paths[k] = e->paths;
		convs[k] = e->conversions;
		vals[k] = e->value;
	}
	for (c = 0; c < ATTR_SHAPLEY_MAX && c < st->nchannels; c++)
		if (used & (UINT64CONST(1) << c))
		{
			player[c] = m;
			channel[m++] = c;
		}
	/* re-express each set over the compact players */
	for (k = 0; k < nsets; k++)
	{
		uint64		cm = 0;

		for (c = 0; c < st->nchannels && c < ATTR_SHAPLEY_MAX; c++)
			if (masks[k] & (UINT64CONST(1) << c))
				cm |= UINT64CONST(1) << player[c];
		masks[k] = cm;
	}
	phi_c = palloc(sizeof(double) * m);
	phi_v = palloc(sizeof(double) * m);
	if (m <= ATTR_SHAPLEY_EXACT)
	{
		Size		full = (Size) 1 << m;
		double	   *N = palloc0(sizeof(double) * full);
		double	   *C = palloc0(sizeof(double) * full);
		double	   *V = palloc0(sizeof(double) * full);

		for (k = 0; k < nsets; k++)
		{
			N[masks[k]] += paths[k];
			C[masks[k]] += convs[k];
			V[masks[k]] += vals[k];
		}
		shapley_exact(m, N, C, V, phi_c, phi_v);
		pfree(N);
		pfree(C);
		pfree(V);
	}
	else
		shapley_sampled(m, nsets, masks, paths, convs, vals, phi_c, phi_v);
	for (k = 0; k < m; k++)
	{
		conv[channel[k]] = phi_c[k] * st->paths;
		value[channel[k]] = phi_v[k] * st->paths;
	}
}
