/*
 * attribution_markov.c — Markov chain attribution by removal effect.
 *
 * The model.  Paths are walks of an absorbing Markov chain: from a start
 * state through channel states to one of two absorbing states, conversion
 * or null (no conversion).  With order k a state is the sequence of the
 * last k channels seen (shorter at the beginning of a path), so the chain
 * remembers where the customer came from.  The transition probabilities are
 * the observed transition counts divided by the counts of leaving each
 * state, i.e. their maximum-likelihood estimates.
 *
 * Removal effect.  Let P be the probability of being absorbed in conversion
 * when starting at the start state.  Removing channel c sends every walk
 * that would reach a state containing c to null instead; call the new
 * probability P(-c).  The removal effect RE(c) = 1 - P(-c)/P is the share of
 * conversions lost without c.  Channels are credited in proportion:
 * share(c) = RE(c) / sum RE, conversions(c) = share(c) * conversions,
 * value(c) = share(c) * total value.
 *
 * Solving.  P solves x_s = sum_t p(s,t) x_t + p(s, conversion), x = 0 for
 * null and for removed states.  The system is solved by Gauss-Seidel
 * sweeps starting from 0, which increase monotonically towards the
 * solution (the chain is absorbing: every observed state was left at least
 * once, by its path's last transition if not otherwise).  Self-transitions
 * are eliminated exactly (x_s = rest / (1 - p(s,s))), so repeated channels
 * cost nothing.  Sweeps stop when no value moves by more than 1e-15; the
 * number of states is at most the number of distinct windows observed, so
 * one solve is a few passes over the transition list, done once for P and
 * once per channel.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "attribution.h"

#define MARKOV_TOLERANCE	1e-15
#define MARKOV_MAX_SWEEPS	1000000

/* A state of the chain: the last channels (or the start symbol). */
typedef struct StateKey
{
	uint8		len;
	uint8		items[ATTR_MAX_ORDER];
} StateKey;

typedef struct StateEntry
{
	StateKey	key;
	int			index;
} StateEntry;

/* An edge of the sparse transition list. */
typedef struct Edge
{
	int			from;
	int			to;				/* a state index, or -1 conversion, -2 null */
	double		count;
} Edge;

typedef struct Chain
{
	int			nstates;
	int			start;
	int			nedges;
	Edge	   *edges;			/* sorted by from */
	int		   *first_edge;		/* per state, nstates + 1 offsets */
	double	   *leaving;		/* per state: all counts out of it */
	uint64	   *contains;		/* per state: channels in it (bit per channel, 4 words) */
} Chain;

#define CONTAINS_WORDS 4		/* 256 bits, enough for every channel index */

/* Look a state up, adding it if new. */
static int
state_index(HTAB *states, StateKey *key, int *nstates)
{
	StateEntry *e;
	bool		found;

	e = hash_search(states, key, HASH_ENTER, &found);
	if (!found)
		e->index = (*nstates)++;
	return e->index;
}

/* Order edges by their source state. */
static int
edge_cmp(const void *a, const void *b)
{
	const Edge *x = a,
			   *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* Build the chain's states and sparse edges from the transition counts. */
static void
build_chain(AttrState *st, Chain *ch)
{
	HASHCTL		ctl;
	HTAB	   *states;
	HASH_SEQ_STATUS seq;
	AttrTransition **all;
	StateKey	key;
	int			n = 0,
				i,
				j,
				nt,
				k = st->params.order;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(StateKey);
	ctl.entrysize = sizeof(StateEntry);
	ctl.hcxt = CurrentMemoryContext;
	states = hash_create("clientele markov states", 256, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&key, 0, sizeof(key));
	key.len = 1;
	key.items[0] = ATTR_SYM_START;
	ch->start = state_index(states, &key, &n);
	/* in key order: states are numbered, and sums made, the same way for equal counts */
	all = attr_transitions_in_order(st, true, &nt);
	ch->edges = palloc(sizeof(Edge) * Max(nt, 1));
	ch->nedges = 0;
	for (j = 0; j < nt; j++)
	{
		AttrTransition *t = all[j];
		Edge	   *e = &ch->edges[ch->nedges++];

		memset(&key, 0, sizeof(key));
		key.len = t->key.len;
		memcpy(key.items, t->key.from, t->key.len);
		e->from = state_index(states, &key, &n);
		e->count = t->count;
		if (t->key.to == ATTR_SYM_CONV)
			e->to = -1;
		else if (t->key.to == ATTR_SYM_NULL)
			e->to = -2;
		else
		{
			key.len = (uint8) attr_markov_step(key.items, key.len, k, t->key.to);
			for (i = key.len; i < ATTR_MAX_ORDER; i++)
				key.items[i] = 0;
			e->to = state_index(states, &key, &n);
		}
	}
	ch->nstates = n;
	qsort(ch->edges, ch->nedges, sizeof(Edge), edge_cmp);
	ch->first_edge = palloc0(sizeof(int) * (n + 1));
	ch->leaving = palloc0(sizeof(double) * n);
	ch->contains = palloc0(sizeof(uint64) * CONTAINS_WORDS * n);
	for (i = 0; i < ch->nedges; i++)
	{
		ch->first_edge[ch->edges[i].from + 1]++;
		ch->leaving[ch->edges[i].from] += ch->edges[i].count;
	}
	for (i = 0; i < n; i++)
		ch->first_edge[i + 1] += ch->first_edge[i];
	hash_seq_init(&seq, states);
	{
		StateEntry *se;

		while ((se = hash_seq_search(&seq)) != NULL)
			for (i = 0; i < se->key.len; i++)
				if (se->key.items[i] < ATTR_SYM_NULL)
					ch->contains[se->index * CONTAINS_WORDS + se->key.items[i] / 64] |=
						UINT64CONST(1) << (se->key.items[i] % 64);
	}
	hash_destroy(states);
}

/* Is channel c (or -1: none) part of state s? */
static inline bool
removed(const Chain *ch, int s, int c)
{
	return c >= 0 && (ch->contains[s * CONTAINS_WORDS + c / 64] & (UINT64CONST(1) << (c % 64))) != 0;
}

/* Probability of conversion from the start, with channel c removed (-1: none). */
static double
conversion_probability(const Chain *ch, int c, double *x)
{
	int			sweep,
				s,
				i;

	for (s = 0; s < ch->nstates; s++)
		x[s] = 0;
	for (sweep = 0; sweep < MARKOV_MAX_SWEEPS; sweep++)
	{
		double		moved = 0;

		CHECK_FOR_INTERRUPTS();
		for (s = 0; s < ch->nstates; s++)
		{
			double		self = 0,
						rest = 0,
						nx;

			if (removed(ch, s, c) || ch->leaving[s] <= 0)
				continue;
			for (i = ch->first_edge[s]; i < ch->first_edge[s + 1]; i++)
			{
				const Edge *e = &ch->edges[i];

				if (e->to == s)
					self += e->count;
				else if (e->to == -1)
					rest += e->count;
				else if (e->to >= 0 && !removed(ch, e->to, c))
					rest += e->count * x[e->to];
			}
			nx = ch->leaving[s] - self > 0 ? rest / (ch->leaving[s] - self) : 0;
			if (fabs(nx - x[s]) > moved)
				moved = fabs(nx - x[s]);
			x[s] = nx;
		}
		if (moved <= MARKOV_TOLERANCE)
			break;
	}
	return x[ch->start];
}

/* Compute each channel's removal-effect share (all zero when nothing converts). */
void
attr_markov_shares(AttrState *st, double *shares)
{
	Chain		ch;
	double	   *x,
				p,
				total = 0;
	int			c;

	for (c = 0; c < st->nchannels; c++)
		shares[c] = 0;
	if (st->transitions == NULL || hash_get_num_entries(st->transitions) == 0)
		return;
	build_chain(st, &ch);
	x = palloc(sizeof(double) * ch.nstates);
	p = conversion_probability(&ch, -1, x);
	if (p <= 0)
		return;
	for (c = 0; c < st->nchannels; c++)
	{
		double		re = 1 - conversion_probability(&ch, c, x) / p;

		shares[c] = re > 0 ? re : 0;
		total += shares[c];
	}
	for (c = 0; c < st->nchannels; c++)
		shares[c] = total > 0 ? shares[c] / total : 0;
}
