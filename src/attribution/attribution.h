/*
 * attribution.h — the mergeable state shared by every attribution aggregate.
 *
 * One state type serves all models.  It holds a dictionary of the channels
 * seen (their names, in order of first appearance), the totals, and only
 * the statistics the requested models need:
 *
 *   rule-based models   credited conversions and value per channel, summed
 *                       as paths arrive (each path's weights are computed
 *                       at once, so the sums are all that is kept);
 *   Markov chain        counts of distinct (state, next symbol) transitions,
 *                       a state being the last k channels (order k);
 *   Shapley values      per distinct channel set: paths, conversions, value.
 *
 * Every statistic is a sum, so two states merge by adding them once the
 * channel indices of one are mapped to the other's.  The final functions do
 * the heavy work (solving the chain, the subset sums of the Shapley game).
 */
#ifndef CLIENTELE_ATTRIBUTION_H
#define CLIENTELE_ATTRIBUTION_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/hsearch.h"

/* Channel indices are one byte in transition keys; the top codes are symbols. */
#define ATTR_MAX_CHANNELS	250
#define ATTR_SYM_NULL		253		/* path ended without conversion */
#define ATTR_SYM_CONV		254		/* path ended with a conversion */
#define ATTR_SYM_START		255		/* the start state */

#define ATTR_MAX_ORDER		4		/* highest Markov order */
#define ATTR_SHAPLEY_MAX	64		/* channels a Shapley state can hold */
/*
 * The Markov state after a step to channel: the last k channels (the start
 * state is left).  Shifts items[0..len) in place and returns the new length.
 * A loop, not memmove: the fortified memmove reaches valgrind as
 * __memcpy_chk, reported as an overlapping copy.
 */
static inline int
attr_markov_step(uint8 *items, int len, int k, uint8 channel)
{
	if (items[0] == ATTR_SYM_START)
		len = 0;
	if (len == k)
	{
		for (int j = 1; j < k; j++)
			items[j - 1] = items[j];
		len--;
	}
	items[len++] = channel;
	return len;
}

#define ATTR_SHAPLEY_EXACT	20		/* exact up to this many channels */

typedef enum AttrModel
{
	ATTR_FIRST_TOUCH,
	ATTR_LAST_TOUCH,
	ATTR_LAST_NON_DIRECT,
	ATTR_LINEAR,
	ATTR_TIME_DECAY,
	ATTR_POSITION_BASED,
	ATTR_CUSTOM,
	ATTR_MARKOV,
	ATTR_SHAPLEY,
	ATTR_NUM_MODELS
} AttrModel;

#define ATTR_NUM_RULES		(ATTR_CUSTOM + 1)	/* models credited per path */
#define ATTR_BIT(m)			(1u << (m))
#define ATTR_RULE_BITS		(ATTR_BIT(ATTR_NUM_RULES) - 1)

extern const char *const attr_model_names[ATTR_NUM_MODELS];

/* A Markov transition: from the state (the last len channels) to a symbol. */
typedef struct AttrTransitionKey
{
	uint8		len;
	uint8		from[ATTR_MAX_ORDER];
	uint8		to;
	uint8		pad[2];			/* always zero: keys are hashed as bytes */
} AttrTransitionKey;

typedef struct AttrTransition
{
	AttrTransitionKey key;
	double		count;
} AttrTransition;

/* A distinct channel set with its paths, conversions and value. */
typedef struct AttrChannelSet
{
	uint64		mask;
	double		paths;
	double		conversions;
	double		value;
} AttrChannelSet;

/* Model parameters, fixed by the first row and carried by the state. */
typedef struct AttrParams
{
	double		half_life_us;	/* time decay half-life, microseconds */
	double		first_share;	/* position based: share of the first touch */
	double		last_share;		/* ... and of the last */
	int			order;			/* Markov order */
	char	   *direct;			/* last non-direct: the direct channel */
	int			direct_len;
	int			ncustom;		/* custom model: weights by channel name */
	char	  **custom_names;
	int		   *custom_lens;
	double	   *custom_weights;
} AttrParams;

typedef struct AttrState
{
	MemoryContext cxt;			/* where the state lives */
	uint32		models;			/* ATTR_BIT() of the models computed */
	AttrParams	params;
	int			nchannels;
	int			capacity;
	char	  **names;			/* channel names (server encoding bytes) */
	int		   *lens;
	double	   *custom_weight;	/* per channel index, resolved from params */
	double	   *conv[ATTR_NUM_RULES];	/* credited conversions per channel */
	double	   *value[ATTR_NUM_RULES];	/* credited value per channel */
	double		paths;			/* all paths */
	double		conversions;	/* converted paths */
	double		total_value;	/* value of converted paths */
	HTAB	   *transitions;	/* Markov: AttrTransition */
	HTAB	   *sets;			/* Shapley: AttrChannelSet */
} AttrState;

/* One touch of a path being added. */
typedef struct AttrTouch
{
	int			channel;		/* index in the state's dictionary */
	int64		time;			/* microseconds (time decay only) */
} AttrTouch;

/* attribution_state.c */
extern AttrState *attr_state_create(MemoryContext cxt, uint32 models, const AttrParams *params);
extern int	attr_channel_index(AttrState *st, const char *name, int len);
extern void attr_add_path(AttrState *st, const AttrTouch *touches, int n,
						  int64 conversion_time, bool converted, double value);
extern void attr_merge(AttrState *into, AttrState *from);
extern void attr_count_transition(AttrState *st, const uint8 *window, int len, uint8 to, double count);
extern void attr_count_set(AttrState *st, uint64 mask, double paths, double conversions, double value);
extern int	attr_transition_key_cmp(const AttrTransitionKey *a, const AttrTransitionKey *b);
extern AttrTransition **attr_transitions_in_order(AttrState *st, bool sorted, int *n);
extern AttrChannelSet **attr_sets_in_order(AttrState *st, bool sorted, int *n);
extern void attr_rule_weights(const AttrState *st, AttrModel model, const AttrTouch *touches,
							  int n, int64 conversion_time, double *weights);

/* attribution_format.c: the flat (native), network binary and text forms */
extern bytea *attr_serialize(AttrState *st);
extern AttrState *attr_deserialize(MemoryContext cxt, bytea *b);
extern char *attr_state_to_text(AttrState *st);
extern AttrState *attr_state_from_text(MemoryContext cxt, const char *s);
extern void attr_state_send(AttrState *st, StringInfo buf);
extern AttrState *attr_state_recv(MemoryContext cxt, StringInfo msg);

/* attribution_type.c: the state as an expanded object of attribution_state */
extern Datum attr_state_new(MemoryContext parent, uint32 models, const AttrParams *params, AttrState **st);
extern AttrState *attr_state_writable(Datum d, MemoryContext parent, Datum *result);
extern AttrState *attr_state_readonly(Datum d);

/* attribution_markov.c: removal effects (sum 1 unless all zero) per channel. */
extern void attr_markov_shares(AttrState *st, double *shares);

/* attribution_shapley.c: Shapley credit (conversions, value) per channel. */
extern void attr_shapley_credit(AttrState *st, double *conv, double *value);

#endif							/* CLIENTELE_ATTRIBUTION_H */
