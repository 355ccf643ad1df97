/*
 * attribution_state.c — building, merging and serialising attribution states.
 *
 * A path arrives as an array of touches (channel index and time) with its
 * conversion flag and value.  For the rule-based models its weights are
 * computed on the spot (attr_rule_weights) and added to per-channel sums;
 * only converted paths are credited.  For the Markov chain each step of the
 * path is one transition (state -> next channel), and the path ends with a
 * transition to the conversion or the null symbol; repeated channels give
 * self-transitions, kept as observed (they do not change absorption
 * probabilities).  For Shapley values the path is reduced to its set of
 * distinct channels, and the set's paths, conversions and value are counted.
 *
 * Rule-based weights for a path of n touches (they sum to 1):
 *   first touch      the first touch gets 1;
 *   last touch       the last touch gets 1;
 *   last non-direct  the last touch whose channel is not the direct channel
 *                    gets 1; a path of direct touches only credits its last;
 *   linear           1/n each;
 *   time decay       2^(-(T - t_i)/h), normalised, T the conversion time and
 *                    h the half-life (computed relative to the latest touch,
 *                    which gives the same normalised weights without underflow);
 *   position based   n = 1: 1; n = 2: f/(f+l) and l/(f+l); n >= 3: f to the
 *                    first, l to the last, (1-f-l)/(n-2) to each middle touch;
 *   custom           the weight of the touch's channel (1 when not listed),
 *                    normalised; a path whose weights are all zero is linear.
 *
 * Merging maps the other state's channel indices to this one's (adding
 * channels it has not seen), then adds every sum.  The written forms of a
 * state (flat, binary, text) are in attribution_format.c.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "attribution.h"

const char *const attr_model_names[ATTR_NUM_MODELS] = {
	"first_touch", "last_touch", "last_non_direct", "linear", "time_decay",
	"position_based", "custom", "markov", "shapley"
};

/* Create the hash tables the models need. */
static void
attr_create_tables(AttrState *st)
{
	HASHCTL		ctl;

	if (st->models & ATTR_BIT(ATTR_MARKOV))
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(AttrTransitionKey);
		ctl.entrysize = sizeof(AttrTransition);
		ctl.hcxt = st->cxt;
		st->transitions = hash_create("clientele attribution transitions", 32, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	if (st->models & ATTR_BIT(ATTR_SHAPLEY))
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(AttrChannelSet);
		ctl.hcxt = st->cxt;
		st->sets = hash_create("clientele attribution channel sets", 32, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
}

/* Copy parameters into the state's context. */
static void
attr_copy_params(AttrState *st, const AttrParams *p)
{
	int			i;

	st->params = *p;
	if (p->direct)
	{
		st->params.direct = MemoryContextAlloc(st->cxt, p->direct_len + 1);
		memcpy(st->params.direct, p->direct, p->direct_len);
		st->params.direct[p->direct_len] = '\0';
	}
	if (p->ncustom > 0)
	{
		st->params.custom_names = MemoryContextAlloc(st->cxt, sizeof(char *) * p->ncustom);
		st->params.custom_lens = MemoryContextAlloc(st->cxt, sizeof(int) * p->ncustom);
		st->params.custom_weights = MemoryContextAlloc(st->cxt, sizeof(double) * p->ncustom);
		for (i = 0; i < p->ncustom; i++)
		{
			st->params.custom_names[i] = MemoryContextAlloc(st->cxt, p->custom_lens[i] + 1);
			memcpy(st->params.custom_names[i], p->custom_names[i], p->custom_lens[i]);
			st->params.custom_lens[i] = p->custom_lens[i];
			st->params.custom_weights[i] = p->custom_weights[i];
		}
	}
}

/* Create an empty state computing the given models. */
AttrState *
attr_state_create(MemoryContext cxt, uint32 models, const AttrParams *params)
{
	AttrState  *st = MemoryContextAllocZero(cxt, sizeof(AttrState));

	st->cxt = cxt;
	st->models = models;
	attr_copy_params(st, params);
	attr_create_tables(st);
	return st;
}

/* Grow the per-channel arrays to hold at least one more channel. */
static void
attr_grow(AttrState *st)
{
	int			cap = st->capacity == 0 ? 16 : st->capacity * 2;
	int			m;

	if (cap > ATTR_MAX_CHANNELS)
		cap = ATTR_MAX_CHANNELS;
	if (st->capacity == 0)
	{
		st->names = MemoryContextAlloc(st->cxt, sizeof(char *) * cap);
		st->lens = MemoryContextAlloc(st->cxt, sizeof(int) * cap);
		st->custom_weight = MemoryContextAlloc(st->cxt, sizeof(double) * cap);
		for (m = 0; m < ATTR_NUM_RULES; m++)
			if (st->models & ATTR_BIT(m))
			{
				st->conv[m] = MemoryContextAllocZero(st->cxt, sizeof(double) * cap);
				st->value[m] = MemoryContextAllocZero(st->cxt, sizeof(double) * cap);
			}
	}
	else
	{
		st->names = repalloc(st->names, sizeof(char *) * cap);
		st->lens = repalloc(st->lens, sizeof(int) * cap);
		st->custom_weight = repalloc(st->custom_weight, sizeof(double) * cap);
		for (m = 0; m < ATTR_NUM_RULES; m++)
			if (st->models & ATTR_BIT(m))
			{
				st->conv[m] = repalloc(st->conv[m], sizeof(double) * cap);
				st->value[m] = repalloc(st->value[m], sizeof(double) * cap);
				memset(st->conv[m] + st->capacity, 0, sizeof(double) * (cap - st->capacity));
				memset(st->value[m] + st->capacity, 0, sizeof(double) * (cap - st->capacity));
			}
	}
	st->capacity = cap;
}

/* Return the index of a channel, adding it to the dictionary if new. */
int
attr_channel_index(AttrState *st, const char *name, int len)
{
	int			i;

	for (i = 0; i < st->nchannels; i++)
		if (st->lens[i] == len && memcmp(st->names[i], name, len) == 0)
			return i;
	if (st->nchannels >= ATTR_MAX_CHANNELS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("attribution supports at most %d distinct channels", ATTR_MAX_CHANNELS),
				 errhint("Group rare channels into one (for example \"other\") before attributing.")));
	if (st->nchannels == st->capacity)
		attr_grow(st);
	st->names[i] = MemoryContextAlloc(st->cxt, len + 1);
	memcpy(st->names[i], name, len);
	st->names[i][len] = '\0';
	st->lens[i] = len;
	st->custom_weight[i] = 1.0;
	{
		int			k;

		for (k = 0; k < st->params.ncustom; k++)
			if (st->params.custom_lens[k] == len &&
				memcmp(st->params.custom_names[k], name, len) == 0)
				st->custom_weight[i] = st->params.custom_weights[k];
	}
	st->nchannels++;
	return i;
}

/* Is channel index c the direct channel of the last non-direct model? */
static inline bool
attr_is_direct(const AttrState *st, int c)
{
	return st->params.direct != NULL && st->lens[c] == st->params.direct_len &&
		memcmp(st->names[c], st->params.direct, st->params.direct_len) == 0;
}

/* Compute the weights of a rule-based model for one path (they sum to 1). */
void
attr_rule_weights(const AttrState *st, AttrModel model, const AttrTouch *t,
				  int n, int64 conversion_time, double *w)
{
	int			i;
	double		sum = 0;

	for (i = 0; i < n; i++)
		w[i] = 0;
	switch (model)
	{
		case ATTR_FIRST_TOUCH:
			w[0] = 1;
			break;
		case ATTR_LAST_TOUCH:
			w[n - 1] = 1;
			break;
		case ATTR_LAST_NON_DIRECT:
			for (i = n - 1; i > 0 && attr_is_direct(st, t[i].channel); i--)
				;
			if (attr_is_direct(st, t[i].channel))
				i = n - 1;		/* only direct touches: the last one */
			w[i] = 1;
			break;
		case ATTR_LINEAR:
			for (i = 0; i < n; i++)
				w[i] = 1.0 / n;
			break;
		case ATTR_TIME_DECAY:
			{
				int64		latest = t[0].time;

				for (i = 1; i < n; i++)
					if (t[i].time > latest)
						latest = t[i].time;
				for (i = 0; i < n; i++)
				{
					w[i] = exp2(-((double) (latest - t[i].time)) / st->params.half_life_us);
					sum += w[i];
				}
				for (i = 0; i < n; i++)
					w[i] /= sum;
			}
			break;
		case ATTR_POSITION_BASED:
			{
				double		f = st->params.first_share,
							l = st->params.last_share;

				if (n == 1)
					w[0] = 1;
				else if (n == 2)
				{
					w[0] = f + l > 0 ? f / (f + l) : 0.5;
					w[1] = 1 - w[0];
				}
				else
				{
					w[0] = f;
					w[n - 1] = l;
					for (i = 1; i < n - 1; i++)
						w[i] = (1 - f - l) / (n - 2);
				}
			}
			break;
		case ATTR_CUSTOM:
			for (i = 0; i < n; i++)
			{
				w[i] = st->custom_weight[t[i].channel];
				sum += w[i];
			}
			for (i = 0; i < n; i++)
				w[i] = sum > 0 ? w[i] / sum : 1.0 / n;
			break;
		default:
			Assert(false);
	}
}

/* Count one Markov transition. */
void
attr_count_transition(AttrState *st, const uint8 *window, int len, uint8 to, double count)
{
	AttrTransitionKey key;
	AttrTransition *e;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.len = (uint8) len;
	memcpy(key.from, window, len);
	key.to = to;
	e = hash_search(st->transitions, &key, HASH_ENTER, &found);
	if (!found)
		e->count = 0;
	e->count += count;
}

/* Count a channel set's paths, conversions and value. */
void
attr_count_set(AttrState *st, uint64 mask, double paths, double conversions, double value)
{
	AttrChannelSet *e;
	bool		found;

	e = hash_search(st->sets, &mask, HASH_ENTER, &found);
	if (!found)
		e->paths = e->conversions = e->value = 0;
	e->paths += paths;
	e->conversions += conversions;
	e->value += value;
}

/* Add one path (n >= 1 touches) to the state. */
void
attr_add_path(AttrState *st, const AttrTouch *t, int n, int64 conversion_time,
			  bool converted, double value)
{
	int			m,
				i;

	st->paths += 1;
	if (converted)
	{
		st->conversions += 1;
		st->total_value += value;
	}
	if (converted && (st->models & ATTR_RULE_BITS))
	{
		double	   *w = palloc(sizeof(double) * n);

		for (m = 0; m < ATTR_NUM_RULES; m++)
		{
			if (!(st->models & ATTR_BIT(m)))
				continue;
			attr_rule_weights(st, (AttrModel) m, t, n, conversion_time, w);
			for (i = 0; i < n; i++)
			{
				st->conv[m][t[i].channel] += w[i];
				st->value[m][t[i].channel] += w[i] * value;
			}
		}
		pfree(w);
	}
	if (st->models & ATTR_BIT(ATTR_MARKOV))
	{
		uint8		window[ATTR_MAX_ORDER + 1];
		int			len = 1;
		int			k = st->params.order;

		window[0] = ATTR_SYM_START;
		for (i = 0; i < n; i++)
		{
			attr_count_transition(st, window, len, (uint8) t[i].channel, 1);
			len = attr_markov_step(window, len, k, (uint8) t[i].channel);
		}
		attr_count_transition(st, window, len, converted ? ATTR_SYM_CONV : ATTR_SYM_NULL, 1);
	}
	if (st->models & ATTR_BIT(ATTR_SHAPLEY))
	{
		uint64		mask = 0;

		for (i = 0; i < n; i++)
		{
			if (t[i].channel >= ATTR_SHAPLEY_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("Shapley attribution supports at most %d distinct channels",
								ATTR_SHAPLEY_MAX)));
			mask |= UINT64CONST(1) << t[i].channel;
		}
		attr_count_set(st, mask, 1, converted ? 1 : 0, converted ? value : 0);
	}
}

/* Check that two states compute the same models with the same parameters. */
static void
attr_check_compatible(AttrState *a, AttrState *b)
{
	if (a->models != b->models || a->params.order != b->params.order ||
		a->params.half_life_us != b->params.half_life_us ||
		a->params.first_share != b->params.first_share ||
		a->params.last_share != b->params.last_share)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge attribution states of different models or parameters"),
				 errhint("Pass the same parameters on every row.")));
}

/* Add the statistics of one state to another. */
void
attr_merge(AttrState *into, AttrState *from)
{
	int			map[ATTR_MAX_CHANNELS + 6];
	int			i,
				m;

	attr_check_compatible(into, from);
	for (i = 0; i < from->nchannels; i++)
		map[i] = attr_channel_index(into, from->names[i], from->lens[i]);
	for (m = 0; m < ATTR_NUM_RULES; m++)
		if (into->models & ATTR_BIT(m))
			for (i = 0; i < from->nchannels; i++)
			{
				into->conv[m][map[i]] += from->conv[m][i];
				into->value[m][map[i]] += from->value[m][i];
			}
	into->paths += from->paths;
	into->conversions += from->conversions;
	into->total_value += from->total_value;
	if (from->transitions)
	{
		HASH_SEQ_STATUS seq;
		AttrTransition *e;

		hash_seq_init(&seq, from->transitions);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			uint8		window[ATTR_MAX_ORDER];

			for (i = 0; i < e->key.len; i++)
				window[i] = e->key.from[i] >= ATTR_SYM_NULL ? e->key.from[i] : (uint8) map[e->key.from[i]];
			attr_count_transition(into, window, e->key.len,
								  e->key.to >= ATTR_SYM_NULL ? e->key.to : (uint8) map[e->key.to],
								  e->count);
		}
	}
	if (from->sets)
	{
		HASH_SEQ_STATUS seq;
		AttrChannelSet *e;

		hash_seq_init(&seq, from->sets);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			uint64		mask = 0;

			for (i = 0; i < from->nchannels; i++)
				if (e->mask & (UINT64CONST(1) << i))
				{
					if (map[i] >= ATTR_SHAPLEY_MAX)
						ereport(ERROR,
								(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
								 errmsg("Shapley attribution supports at most %d distinct channels",
										ATTR_SHAPLEY_MAX)));
					mask |= UINT64CONST(1) << map[i];
				}
			attr_count_set(into, mask, e->paths, e->conversions, e->value);
		}
	}
}

/* Order transition keys: by length, then the bytes of the state, then the target. */
int
attr_transition_key_cmp(const AttrTransitionKey *a, const AttrTransitionKey *b)
{
	int			c;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	c = memcmp(a->from, b->from, a->len);
	if (c != 0)
		return c;
	return a->to == b->to ? 0 : (a->to < b->to ? -1 : 1);
}

/* qsort comparator of transition pointers. */
static int
transition_ptr_cmp(const void *a, const void *b)
{
	return attr_transition_key_cmp(&(*(AttrTransition *const *) a)->key,
								   &(*(AttrTransition *const *) b)->key);
}

/* qsort comparator of channel set pointers, by mask. */
static int
set_ptr_cmp(const void *a, const void *b)
{
	uint64		x = (*(AttrChannelSet *const *) a)->mask,
				y = (*(AttrChannelSet *const *) b)->mask;

	return x == y ? 0 : (x < y ? -1 : 1);
}

/*
 * The state's transitions (palloc'd array of *n pointers), sorted by key
 * when sorted is true: what depends on their order (the text form, the
 * Markov solver's sums) then depends on the counts only, not on the hash
 * table's history.
 */
AttrTransition **
attr_transitions_in_order(AttrState *st, bool sorted, int *n)
{
	AttrTransition **all;
	HASH_SEQ_STATUS seq;
	AttrTransition *e;
	int			i = 0;

	*n = st->transitions ? (int) hash_get_num_entries(st->transitions) : 0;
	all = palloc(sizeof(AttrTransition *) * Max(*n, 1));
	if (*n == 0)
		return all;
	hash_seq_init(&seq, st->transitions);
	while ((e = hash_seq_search(&seq)) != NULL)
		all[i++] = e;
	if (sorted)
		qsort(all, *n, sizeof(AttrTransition *), transition_ptr_cmp);
	return all;
}

/* The state's channel sets (palloc'd array of *n pointers), sorted by mask when sorted is true. */
AttrChannelSet **
attr_sets_in_order(AttrState *st, bool sorted, int *n)
{
	AttrChannelSet **all;
	HASH_SEQ_STATUS seq;
	AttrChannelSet *e;
	int			i = 0;

	*n = st->sets ? (int) hash_get_num_entries(st->sets) : 0;
	all = palloc(sizeof(AttrChannelSet *) * Max(*n, 1));
	if (*n == 0)
		return all;
	hash_seq_init(&seq, st->sets);
	while ((e = hash_seq_search(&seq)) != NULL)
		all[i++] = e;
	if (sorted)
		qsort(all, *n, sizeof(AttrChannelSet *), set_ptr_cmp);
	return all;
}
