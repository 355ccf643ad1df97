/*
 * attribution_sql.c — the SQL face of the attribution aggregates.
 *
 * Every aggregate shares one state (attribution.h), of the SQL type
 * clientele.attribution_state (attribution_type.c); they differ in
 * the models they ask for and in their extra arguments (direct channel,
 * half-life, position shares, custom weights, Markov order), which are read
 * on the first row and carried in the state.  Rows with a NULL path or
 * conversion flag are ignored, a NULL value counts as 0, and an empty path
 * is ignored (there is nothing to credit).
 *
 * Results are arrays of clientele.attribution_credit (one model) or
 * clientele.attribution_model_credit (all models), one element per
 * channel in byte order of the names, so that serial and parallel plans
 * return the same rows in the same order.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "attribution.h"

PG_FUNCTION_INFO_V1(clientele_attr_first_touch_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_last_touch_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_last_non_direct_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_linear_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_time_decay_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_position_based_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_custom_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_markov_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_shapley_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_models_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_rule_models_sfunc);
PG_FUNCTION_INFO_V1(clientele_attr_combine);
PG_FUNCTION_INFO_V1(clientele_attr_final);
PG_FUNCTION_INFO_V1(clientele_attr_models_final);

#define DEFAULT_HALF_LIFE_US	(7.0 * USECS_PER_DAY)

/* Where a transition function finds its arguments (-1: absent). */
typedef struct ArgLayout
{
	int			path;
	int			times;
	int			conversion_time;
	int			converted;
	int			value;
	int			extra;			/* first model-specific argument */
} ArgLayout;

static const ArgLayout plain_args = {1, -1, -1, 2, 3, 4};
static const ArgLayout timed_args = {1, 2, 3, 4, 5, 6};

/* Raise an invalid-parameter error. */
static void
bad_parameter(const char *msg, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 hint ? errhint("%s", hint) : 0));
}

/* Is argument i present and not NULL? */
static inline bool
has_arg(FunctionCallInfo fcinfo, int i)
{
	return i >= 0 && i < PG_NARGS() && !PG_ARGISNULL(i);
}

/* Read the model parameters from the extra arguments of the first row. */
static void
read_params(FunctionCallInfo fcinfo, uint32 models, const ArgLayout *lay, AttrParams *p)
{
	int			x = lay->extra;

	memset(p, 0, sizeof(*p));
	p->half_life_us = DEFAULT_HALF_LIFE_US;
	p->first_share = 0.4;
	p->last_share = 0.4;
	p->order = 1;
	p->direct = "direct";
	p->direct_len = 6;
	if (models == ATTR_BIT(ATTR_LAST_NON_DIRECT) && x < PG_NARGS())
	{
		text	   *d;

		if (!has_arg(fcinfo, x))
			bad_parameter("the direct channel must not be NULL", NULL);
		d = PG_GETARG_TEXT_PP(x);
		p->direct = VARDATA_ANY(d);
		p->direct_len = VARSIZE_ANY_EXHDR(d);
	}
	if ((models & ATTR_BIT(ATTR_TIME_DECAY)) && x < PG_NARGS())
	{
		Interval   *h;

		if (!has_arg(fcinfo, x))
			bad_parameter("the half-life must not be NULL", NULL);
		h = PG_GETARG_INTERVAL_P(x);
		p->half_life_us = (double) h->time + (double) h->day * USECS_PER_DAY +
			(double) h->month * DAYS_PER_MONTH * USECS_PER_DAY;
		if (!(p->half_life_us > 0))
			bad_parameter("the half-life must be a positive interval",
						  "The default is '7 days'.");
	}
	if (models == ATTR_BIT(ATTR_POSITION_BASED) && x + 1 < PG_NARGS())
	{
		if (!has_arg(fcinfo, x) || !has_arg(fcinfo, x + 1))
			bad_parameter("the position shares must not be NULL", NULL);
		p->first_share = PG_GETARG_FLOAT8(x);
		p->last_share = PG_GETARG_FLOAT8(x + 1);
		if (!(p->first_share >= 0 && p->last_share >= 0 && p->first_share + p->last_share <= 1))
			bad_parameter("position shares must be non-negative and sum to at most 1",
						  "The default is 0.4 for the first touch and 0.4 for the last (40/20/40).");
	}
	if (models == ATTR_BIT(ATTR_MARKOV) && x < PG_NARGS())
	{
		if (!has_arg(fcinfo, x))
			bad_parameter("the Markov order must not be NULL", NULL);
		p->order = PG_GETARG_INT32(x);
		if (p->order < 1 || p->order > ATTR_MAX_ORDER)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("Markov order must be between 1 and %d", ATTR_MAX_ORDER)));
	}
	if (models == ATTR_BIT(ATTR_CUSTOM))
	{
		ArrayType  *names,
				   *weights;
		Datum	   *nd,
				   *wd;
		bool	   *nn,
				   *wn;
		int			n,
					nw,
					i;

		if (!has_arg(fcinfo, x) || !has_arg(fcinfo, x + 1))
			bad_parameter("custom channel names and weights must not be NULL", NULL);
		names = PG_GETARG_ARRAYTYPE_P(x);
		weights = PG_GETARG_ARRAYTYPE_P(x + 1);
		deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &nd, &nn, &n);
		deconstruct_array(weights, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &wd, &wn, &nw);
		if (n != nw)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("custom attribution got %d channel names and %d weights", n, nw),
					 errhint("Pass one weight per channel name.")));
		p->ncustom = n;
		p->custom_names = palloc(sizeof(char *) * Max(n, 1));
		p->custom_lens = palloc(sizeof(int) * Max(n, 1));
		p->custom_weights = palloc(sizeof(double) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			if (nn[i] || wn[i])
				bad_parameter("custom channel names and weights must not contain NULLs", NULL);
			p->custom_names[i] = VARDATA_ANY(DatumGetTextPP(nd[i]));
			p->custom_lens[i] = VARSIZE_ANY_EXHDR(DatumGetTextPP(nd[i]));
			p->custom_weights[i] = DatumGetFloat8(wd[i]);
			if (!(p->custom_weights[i] >= 0) || isinf(p->custom_weights[i]))
				bad_parameter("custom weights must be finite and non-negative", NULL);
		}
	}
}

/* The common transition: add one row's path to the state. */
static Datum
attr_accum(FunctionCallInfo fcinfo, uint32 models, const ArgLayout *lay)
{
	MemoryContext aggcxt;
	AttrState  *st;
	ArrayType  *path;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	AttrTouch  *touches;
	int64		conversion_time = 0;
	bool		converted;
	double		value = 0;
	Datum		result;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("attribution transition function called outside an aggregate")));
	if (PG_ARGISNULL(0))
	{
		AttrParams	p;

		read_params(fcinfo, models, lay, &p);
		result = attr_state_new(aggcxt, models, &p, &st);
	}
	else
		st = attr_state_writable(PG_GETARG_DATUM(0), aggcxt, &result);

	if (!has_arg(fcinfo, lay->path) || !has_arg(fcinfo, lay->converted))
		PG_RETURN_DATUM(result);
	converted = PG_GETARG_BOOL(lay->converted);
	if (!converted && (models & ~ATTR_RULE_BITS) == 0)
	{
		/* rule-based models credit converted paths only */
		st->paths += 1;
		PG_RETURN_DATUM(result);
	}
	path = PG_GETARG_ARRAYTYPE_P(lay->path);
	if (ARR_NDIM(path) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("a path must be a one-dimensional array of channels")));
	deconstruct_array(path, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		PG_RETURN_DATUM(result);
	if (has_arg(fcinfo, lay->value))
		value = PG_GETARG_FLOAT8(lay->value);
	if (isnan(value) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("conversion value must be finite")));
	touches = palloc(sizeof(AttrTouch) * n);
	for (i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a path must not contain NULL channels")));
		t = DatumGetTextPP(elems[i]);
		touches[i].channel = attr_channel_index(st, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		touches[i].time = 0;
	}
	if (lay->times >= 0 && converted && (models & ATTR_BIT(ATTR_TIME_DECAY)))
	{
		ArrayType  *times;
		Datum	   *td;
		bool	   *tn;
		int			nt;

		if (!has_arg(fcinfo, lay->times) || !has_arg(fcinfo, lay->conversion_time))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("time decay needs the touch times and the conversion time of converted paths")));
		times = PG_GETARG_ARRAYTYPE_P(lay->times);
		deconstruct_array(times, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &td, &tn, &nt);
		if (nt != n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("a path has %d channels but %d touch times", n, nt)));
		conversion_time = PG_GETARG_TIMESTAMPTZ(lay->conversion_time);
		/* an infinite time has no distance to the conversion: no decay */
		if (TIMESTAMP_NOT_FINITE(conversion_time))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("the conversion time must be finite")));
		for (i = 0; i < n; i++)
		{
			if (tn[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("touch times must not be NULL")));
			touches[i].time = DatumGetTimestampTz(td[i]);
			if (TIMESTAMP_NOT_FINITE(touches[i].time))
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("touch times must be finite")));
			if (touches[i].time > conversion_time)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a touch is later than its conversion"),
						 errhint("A path holds the touches before its conversion.")));
		}
	}
	attr_add_path(st, touches, n, conversion_time, converted, value);
	PG_RETURN_DATUM(result);
}

#define ATTR_SFUNC(name, models, layout) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	return attr_accum(fcinfo, (models), &(layout)); \
}

/* Transition functions, one per aggregate (they differ in models and arguments). */
ATTR_SFUNC(clientele_attr_first_touch_sfunc, ATTR_BIT(ATTR_FIRST_TOUCH), plain_args)
ATTR_SFUNC(clientele_attr_last_touch_sfunc, ATTR_BIT(ATTR_LAST_TOUCH), plain_args)
ATTR_SFUNC(clientele_attr_last_non_direct_sfunc, ATTR_BIT(ATTR_LAST_NON_DIRECT), plain_args)
ATTR_SFUNC(clientele_attr_linear_sfunc, ATTR_BIT(ATTR_LINEAR), plain_args)
ATTR_SFUNC(clientele_attr_time_decay_sfunc, ATTR_BIT(ATTR_TIME_DECAY), timed_args)
ATTR_SFUNC(clientele_attr_position_based_sfunc, ATTR_BIT(ATTR_POSITION_BASED), plain_args)
ATTR_SFUNC(clientele_attr_custom_sfunc, ATTR_BIT(ATTR_CUSTOM), plain_args)
ATTR_SFUNC(clientele_attr_markov_sfunc, ATTR_BIT(ATTR_MARKOV), plain_args)
ATTR_SFUNC(clientele_attr_shapley_sfunc, ATTR_BIT(ATTR_SHAPLEY), plain_args)
ATTR_SFUNC(clientele_attr_rule_models_sfunc, ATTR_RULE_BITS & ~ATTR_BIT(ATTR_CUSTOM), timed_args)
ATTR_SFUNC(clientele_attr_models_sfunc,
		   (ATTR_BIT(ATTR_NUM_MODELS) - 1) & ~ATTR_BIT(ATTR_CUSTOM), timed_args)

/*
 * Combine: merge the right state into the left.  Inside an aggregate the
 * left state is updated in place (or first copied under the aggregate
 * context); called directly, it merges into a new state.
 */
Datum
clientele_attr_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	bool		in_aggregate = AggCheckCallContext(fcinfo, &aggcxt) != 0;
	AttrState  *a,
			   *b;
	Datum		result;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = attr_state_readonly(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		result = attr_state_new(in_aggregate ? aggcxt : CurrentMemoryContext, b->models, &b->params, &a);
	else if (in_aggregate)
		a = attr_state_writable(PG_GETARG_DATUM(0), aggcxt, &result);
	else
	{
		AttrState  *left = attr_state_readonly(PG_GETARG_DATUM(0));

		result = attr_state_new(CurrentMemoryContext, left->models, &left->params, &a);
		attr_merge(a, left);
	}
	attr_merge(a, b);
	PG_RETURN_DATUM(result);
}

/* Indices of the channels in byte order of their names. */
static int *
sorted_channels(AttrState *st)
{
	int		   *order = palloc(sizeof(int) * Max(st->nchannels, 1));
	int			i,
				j;

	for (i = 0; i < st->nchannels; i++)
	{
		int			c = i;

		for (j = i; j > 0 && strcmp(st->names[order[j - 1]], st->names[c]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = c;
	}
	return order;
}

/* Compute one model's credited conversions and value per channel. */
static void
model_credit(AttrState *st, AttrModel m, double *conv, double *value, double *share)
{
	int			c;

	if (m < ATTR_NUM_RULES)
		for (c = 0; c < st->nchannels; c++)
		{
			conv[c] = st->conv[m][c];
			value[c] = st->value[m][c];
		}
	else if (m == ATTR_MARKOV)
	{
		attr_markov_shares(st, share);
		for (c = 0; c < st->nchannels; c++)
		{
			conv[c] = share[c] * st->conversions;
			value[c] = share[c] * st->total_value;
		}
		return;
	}
	else
		attr_shapley_credit(st, conv, value);
	for (c = 0; c < st->nchannels; c++)
		share[c] = st->conversions > 0 ? conv[c] / st->conversions : 0;
}

/* Build an array of composite elements of the function's result type. */
static Datum
build_result(FunctionCallInfo fcinfo, AttrState *st, const uint32 models)
{
	Oid			arraytype = get_fn_expr_rettype(fcinfo->flinfo);
	Oid			elemtype = OidIsValid(arraytype) ? get_element_type(arraytype) : InvalidOid;
	TupleDesc	tupdesc;
	bool		with_model;
	int		   *order = sorted_channels(st);
	double	   *conv = palloc(sizeof(double) * Max(st->nchannels, 1));
	double	   *value = palloc(sizeof(double) * Max(st->nchannels, 1));
	double	   *share = palloc(sizeof(double) * Max(st->nchannels, 1));
	Datum	   *elems = palloc(sizeof(Datum) * Max(st->nchannels, 1) * ATTR_NUM_MODELS);
	int			nelems = 0;
	int			m,
				i;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!OidIsValid(elemtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("attribution final function must return an array of a row type")));
	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	with_model = tupdesc->natts == 5;
	for (m = 0; m < ATTR_NUM_MODELS; m++)
	{
		if (!(models & ATTR_BIT(m)))
			continue;
		model_credit(st, (AttrModel) m, conv, value, share);
		for (i = 0; i < st->nchannels; i++)
		{
			int			c = order[i];
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};
			int			k = 0;

			if (with_model)
				values[k++] = CStringGetTextDatum(attr_model_names[m]);
			values[k++] = PointerGetDatum(cstring_to_text_with_len(st->names[c], st->lens[c]));
			values[k++] = Float8GetDatum(conv[c]);
			values[k++] = Float8GetDatum(value[c]);
			values[k] = Float8GetDatum(share[c]);
			if (st->conversions == 0)
				nulls[k] = true;
			elems[nelems++] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
		}
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, nelems, elemtype, typlen, typbyval, typalign));
}

/* Final function of the one-model aggregates. */
Datum
clientele_attr_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	{
		AttrState  *st = attr_state_readonly(PG_GETARG_DATUM(0));

		return build_result(fcinfo, st, st->models);
	}
}

/* Final function of attribution_models(): every model, model by model. */
Datum
clientele_attr_models_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	{
		AttrState  *st = attr_state_readonly(PG_GETARG_DATUM(0));

		return build_result(fcinfo, st, st->models);
	}
}
