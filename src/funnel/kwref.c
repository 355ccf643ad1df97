/*
 * kwref.c — a deliberately simple reference evaluator of keyword queries,
 * written apart from the automaton of kwmatch.c so that tests can compare
 * the two on many random queries.
 *
 * It reads all units of the text into an array, then evaluates the query
 * tree recursively by brute force: a term is tried at every position, a
 * NEAR compares every pair of spans, the language comes from the core's
 * own detect_language().  Quadratic and slow, but obviously right.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"

#include "lexicon.h"
#include "funnel/kwquery.h"

PG_FUNCTION_INFO_V1(clientele_kw_matches_reference);
PG_FUNCTION_INFO_V1(clientele_kwquery_check);

typedef struct RefUnit
{
	int			start,
				end,
				wstart;
	int			nkeys;
	char	   *keys[KW_MAX_UNIT_KEYS];
	int			lens[KW_MAX_UNIT_KEYS];
} RefUnit;

typedef struct RefText
{
	const char *s;
	RefUnit    *units;
	int			n;
	int			cap;
	TcLang		lang;
} RefText;

typedef struct RefSpans
{
	int			n;
	int		   *first;
	int		   *last;
} RefSpans;

/* Unit callback: copy the unit. */
static bool
ref_collect(void *arg, const KwUnit *u)
{
	RefText    *rt = (RefText *) arg;
	RefUnit    *r;
	int			i;

	if (rt->n == rt->cap)
	{
		rt->cap = rt->cap ? rt->cap * 2 : 16;
		rt->units = rt->units ? repalloc(rt->units, sizeof(RefUnit) * rt->cap) :
			palloc(sizeof(RefUnit) * rt->cap);
	}
	r = &rt->units[rt->n++];
	r->start = u->start;
	r->end = u->end;
	r->wstart = u->wstart;
	r->nkeys = u->nkeys;
	for (i = 0; i < u->nkeys; i++)
	{
		r->keys[i] = pnstrdup(u->keys[i], u->keylens[i]);
		r->lens[i] = u->keylens[i];
	}
	return true;
}

/* Does one unit match one query word? */
static bool
ref_word(const RefText *rt, const RefUnit *u, const KwWord *w)
{
	int			i;
	bool		keyed = false;

	for (i = 0; i < u->nkeys && !keyed; i++)
		keyed = w->wildcard ? kw_glob_match(w->key, w->keylen, u->keys[i], u->lens[i]) :
			(u->lens[i] == w->keylen && memcmp(u->keys[i], w->key, w->keylen) == 0);
	if (!keyed || w->raw == NULL)
		return keyed;
	if (u->end - u->start == w->rawlen && memcmp(rt->s + u->start, w->raw, w->rawlen) == 0)
		return true;
	return u->wstart > u->start && u->end - u->wstart == w->rawlen &&
		memcmp(rt->s + u->wstart, w->raw, w->rawlen) == 0;
}

/* Append a span. */
static void
ref_add(RefSpans *sp, int first, int last, int cap)
{
	sp->first[sp->n] = first;
	sp->last[sp->n] = last;
	sp->n++;
	Assert(sp->n <= cap);
}

/* All spans of a positional node (1-based unit positions). */
static RefSpans
ref_spans(const RefText *rt, const KwNode *n)
{
	RefSpans	out = {0, NULL, NULL};
	int			i,
				j,
				k;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (n->kind == KWN_TERM)
	{
		out.first = palloc(sizeof(int) * (rt->n + 1));
		out.last = palloc(sizeof(int) * (rt->n + 1));
		for (i = 0; i + n->nwords <= rt->n; i++)
		{
			for (j = 0; j < n->nwords; j++)
				if (!ref_word(rt, &rt->units[i + j], &n->words[j]))
					break;
			if (j == n->nwords)
				ref_add(&out, i + 1, i + n->nwords, rt->n + 1);
		}
		return out;
	}
	if (n->kind == KWN_OR)
	{
		RefSpans   *parts = palloc(sizeof(RefSpans) * n->nchildren);
		int			total = 0;

		for (i = 0; i < n->nchildren; i++)
		{
			parts[i] = ref_spans(rt, n->children[i]);
			total += parts[i].n;
		}
		out.first = palloc(sizeof(int) * (total + 1));
		out.last = palloc(sizeof(int) * (total + 1));
		for (i = 0; i < n->nchildren; i++)
			for (j = 0; j < parts[i].n; j++)
				ref_add(&out, parts[i].first[j], parts[i].last[j], total + 1);
		return out;
	}
	/* NEAR: fold the children left to right */
	out = ref_spans(rt, n->children[0]);
	for (k = 1; k < n->nchildren; k++)
	{
		RefSpans	t = ref_spans(rt, n->children[k]);
		RefSpans	r = {0, NULL, NULL};
		int			cap = Min((int64) out.n * t.n, 4096) + 1;

		r.first = palloc(sizeof(int) * cap);
		r.last = palloc(sizeof(int) * cap);
		for (i = 0; i < out.n; i++)
			for (j = 0; j < t.n && r.n < cap - 1; j++)
			{
				bool		ok;

				if (n->ordered)
					ok = t.first[j] > out.last[i] && t.first[j] - out.last[i] <= n->distance;
				else if (t.first[j] > out.last[i])
					ok = t.first[j] - out.last[i] <= n->distance;
				else if (out.first[i] > t.last[j])
					ok = out.first[i] - t.last[j] <= n->distance;
				else
					ok = false; /* the spans share a unit */
				if (ok)
					ref_add(&r, Min(out.first[i], t.first[j]), Max(out.last[i], t.last[j]), cap);
			}
		out = r;
	}
	return out;
}

/* Evaluate a node. */
static bool
ref_eval(const RefText *rt, const KwNode *n)
{
	int			i;

	check_stack_depth();
	switch (n->kind)
	{
		case KWN_TERM:
		case KWN_NEAR:
			return ref_spans(rt, n).n > 0;
		case KWN_LANG:
			return rt->lang == n->lang;
		case KWN_NOT:
			return !ref_eval(rt, n->children[0]);
		case KWN_AND:
			for (i = 0; i < n->nchildren; i++)
				if (!ref_eval(rt, n->children[i]))
					return false;
			return true;
		case KWN_OR:
			for (i = 0; i < n->nchildren; i++)
				if (ref_eval(rt, n->children[i]))
					return true;
			return false;
	}
	return false;
}

/* SQL: matches_reference(text, kwquery): the slow reference evaluator. */
Datum
clientele_kw_matches_reference(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	KwQueryData *q = (KwQueryData *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1));
	KwNode	   *tree = kw_datum_tree(q);
	RefText		rt = {NULL, NULL, 0, 0, TC_LANG_NONE};
	int			len;
	char	   *s = tc_text_to_utf8(t, &len);

	rt.s = s;
	kw_scan_units(s, len, ref_collect, &rt, NULL);
	rt.lang = tc_detect_language(s, len, KW_LANG_TOKENS);
	PG_RETURN_BOOL(ref_eval(&rt, tree));
}

/* SQL: kwquery_check(message, query): run the invariant checks of the fuzz entry point. */
Datum
clientele_kwquery_check(PG_FUNCTION_ARGS)
{
	int			tlen,
				qlen;
	char	   *s = tc_text_to_utf8(PG_GETARG_TEXT_PP(0), &tlen);
	char	   *q = tc_text_to_utf8(PG_GETARG_TEXT_PP(1), &qlen);

	PG_RETURN_BOOL(kw_fuzz_query_match(q, qlen, s, tlen) == 1);
}
