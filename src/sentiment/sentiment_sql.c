/*
 * sentiment_sql.c — SQL interface of the sentiment module: sentiment(),
 * sentiment_detail(), the sentiment_summary() aggregate and
 * builtin_lexicon().
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "sentiment.h"
#include "sentiment/lexicon_data.h"

PG_FUNCTION_INFO_V1(clientele_sentiment);
PG_FUNCTION_INFO_V1(clientele_sentiment_detail);
PG_FUNCTION_INFO_V1(clientele_sentiment_summary_accum);
PG_FUNCTION_INFO_V1(clientele_sentiment_summary_combine);
PG_FUNCTION_INFO_V1(clientele_sentiment_summary_final);
PG_FUNCTION_INFO_V1(clientele_builtin_lexicon);

/* Score the function's arguments: (message [, lang [, lexicon]]). */
static void
score_args(FunctionCallInfo fcinfo, bool want_evidence, SentimentResult *res)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	TcLang		lang = TC_LANG_NONE;
	const CustomLexicon *custom = NULL;
	int			len;
	char	   *s;

	if (PG_NARGS() >= 2)
	{
		char	   *l = text_to_cstring(PG_GETARG_TEXT_PP(1));

		lang = tc_parse_lang(l, true);
		pfree(l);
	}
	if (PG_NARGS() >= 3)
		custom = custom_lexicon_get(fcinfo, PG_GETARG_TEXT_PP(2), GetUserId());
	s = tc_text_to_utf8(t, &len);
	sentiment_score(s, len, lang, custom, want_evidence, res);
	if ((Pointer) s != VARDATA_ANY(t))
		pfree(s);
}

/* SQL: sentiment(message [, lang [, lexicon]]) returns float8 in [-1, 1]. */
Datum
clientele_sentiment(PG_FUNCTION_ARGS)
{
	SentimentResult res;

	score_args(fcinfo, false, &res);
	PG_RETURN_FLOAT8(res.compound);
}

/* Append one evidence item as a JSON object. */
static void
append_item_json(StringInfo buf, const char *s, const SentimentItem *it)
{
	char	   *term = tc_utf8_to_cstring(s + it->start, it->len);
	int			bit;
	bool		first = true;

	appendStringInfoString(buf, "{\"term\": ");
	escape_json(buf, term);
	appendStringInfo(buf, ", \"position\": %d, \"valence\": %.4g, \"adjusted\": %.4g, \"rules\": [",
					 it->position, it->valence, it->adjusted);
	for (bit = 0; bit < SR_NUM_RULES; bit++)
	{
		if (!(it->rules & (1 << bit)))
			continue;
		if (!first)
			appendStringInfoString(buf, ", ");
		appendStringInfo(buf, "\"%s\"", sentiment_rule_name(1 << bit));
		first = false;
	}
	appendStringInfoString(buf, "]}");
	pfree(term);
}

/* SQL: sentiment_detail(message [, lang [, lexicon]]) returns the full record. */
Datum
clientele_sentiment_detail(PG_FUNCTION_ARGS)
{
	SentimentResult res;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	StringInfoData ev;
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			len;
	char	   *s;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	tupdesc = BlessTupleDesc(tupdesc);

	score_args(fcinfo, true, &res);
	s = tc_text_to_utf8(t, &len);

	initStringInfo(&ev);
	appendStringInfoChar(&ev, '[');
	for (i = 0; i < res.nitems; i++)
	{
		if (i > 0)
			appendStringInfoString(&ev, ", ");
		append_item_json(&ev, s, &res.items[i]);
	}
	if (res.dropped > 0)
		appendStringInfo(&ev, "%s{\"truncated\": %d}", res.nitems ? ", " : "", res.dropped);
	appendStringInfoChar(&ev, ']');

	values[0] = Float8GetDatum(res.compound);
	values[1] = Float8GetDatum(res.positive);
	values[2] = Float8GetDatum(res.negative);
	values[3] = Float8GetDatum(res.neutral);
	values[4] = CStringGetTextDatum(sentiment_label(res.compound));
	if (res.lang == TC_LANG_NONE)
		nulls[5] = true;
	else
		values[5] = CStringGetTextDatum(tc_lang_name(res.lang));
	values[6] = DirectFunctionCall1(jsonb_in, CStringGetDatum(ev.data));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * sentiment_summary(float8) aggregate.  The state is a float8[5]:
 * {count, sum, positives, negatives, neutrals}; a plain array so that it
 * has an exact text form (Citus, postgres_fdw) and combines by addition.
 */
#define SUMMARY_N 5

/* Check a state array's shape and return its elements. */
static float8 *
summary_state(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != SUMMARY_N || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid sentiment_summary state"),
				 errdetail("Expected a float8 array of %d elements without NULLs.", SUMMARY_N)));
	return (float8 *) ARR_DATA_PTR(a);
}

/* Return a state array we may modify: in place inside an aggregate, else a copy. */
static ArrayType *
summary_writable(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

/* Transition: add one score. */
Datum
clientele_sentiment_summary_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *a = summary_writable(fcinfo, 0);
	float8	   *st = summary_state(a);
	float8		x = PG_GETARG_FLOAT8(1);

	if (isnan(x) || x < -1.0 || x > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("sentiment score %g is outside [-1, 1]", x),
				 errhint("sentiment_summary() summarises the output of clientele.sentiment().")));
	st[0] += 1;
	st[1] += x;
	if (x >= SENTIMENT_LABEL_THRESHOLD)
		st[2] += 1;
	else if (x <= -SENTIMENT_LABEL_THRESHOLD)
		st[3] += 1;
	else
		st[4] += 1;
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Combine: add two states. */
Datum
clientele_sentiment_summary_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = summary_writable(fcinfo, 0);
	float8	   *x = summary_state(a);
	float8	   *y = summary_state(PG_GETARG_ARRAYTYPE_P(1));
	int			i;

	for (i = 0; i < SUMMARY_N; i++)
		x[i] += y[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Final: (count, mean, positive, negative, neutral, net). */
Datum
clientele_sentiment_summary_final(PG_FUNCTION_ARGS)
{
	float8	   *st = summary_state(PG_GETARG_ARRAYTYPE_P(0));
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	double		n = st[0];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int64GetDatum((int64) n);
	if (n == 0)
		nulls[1] = nulls[2] = nulls[3] = nulls[4] = nulls[5] = true;
	else
	{
		values[1] = Float8GetDatum(st[1] / n);
		values[2] = Float8GetDatum(st[2] / n);
		values[3] = Float8GetDatum(st[3] / n);
		values[4] = Float8GetDatum(st[4] / n);
		values[5] = Float8GetDatum((st[2] - st[3]) / n);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* A float4 valence as the decimal written in the data file (3 decimals at most). */
static inline double
round_valence(float v)
{
	return rint((double) v * 1000.0) / 1000.0;
}

/* SQL: builtin_lexicon(lang) returns the built-in entries (term, valence, kind). */
Datum
clientele_builtin_lexicon(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *l = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool		emoji = pg_strcasecmp(l, "emoji") == 0;
	TcLang		lang;
	const LexValenceSource *src;
	int			n;
	const LexRuleSource *rules;
	int			nrules;
	static const char *const kinds[] = {
		"", "negator", "ne", "closer", "booster", "contrast", "concessive", "stop"
	};
	int			i;

	if (!emoji && pg_strcasecmp(l, "en") != 0 && pg_strcasecmp(l, "fr") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("there is no built-in lexicon \"%s\"", l),
				 errdetail("Built-in lexicons are 'en', 'fr' and 'emoji'.")));
	lang = emoji ? TC_LANG_NONE : tc_parse_lang(l, false);
	src = emoji ? clientele_emoji :
		lang == TC_LANG_EN ? clientele_en : clientele_fr;
	n = emoji ? clientele_emoji_count :
		lang == TC_LANG_EN ? clientele_en_count : clientele_fr_count;
	rules = lang == TC_LANG_EN ? clientele_en_rules : clientele_fr_rules;
	nrules = emoji ? 0 : lang == TC_LANG_EN ? clientele_en_rules_count : clientele_fr_rules_count;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n + nrules; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		const char *term;

		if (i < n)
		{
			term = src[i].term;
			values[1] = Float8GetDatum(round_valence(src[i].valence));
			values[2] = CStringGetTextDatum(emoji ? "emoji" : "valence");
		}
		else
		{
			const LexRuleSource *r = &rules[i - n];

			term = r->term;
			if (r->kind == LEX_RULE_BOOSTER)
				values[1] = Float8GetDatum(round_valence(r->value));
			else
				nulls[1] = true;
			values[2] = CStringGetTextDatum(kinds[r->kind]);
		}
		{
			int			dropped;

			/* a term the database encoding cannot represent (emoji in LATIN1) is left out */
			values[0] = PointerGetDatum(tc_utf8_to_text_lossy(term, strlen(term), &dropped));
			if (dropped > 0)
				continue;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
