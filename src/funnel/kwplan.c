/*
 * kwplan.c — index plans of keyword queries (the kwindex_api.h contract).
 *
 * A plan is a condition on the keys of a row that every matching row
 * satisfies.  A word becomes its key (the keys are those of kwunits.c, so
 * "the row has key K" is exactly "some unit of the text has key K"); a
 * wildcard word becomes a pattern with its literal prefix; a phrase or a
 * NEAR becomes the AND of its words, which is implied, not equivalent;
 * lang:xx becomes the language pseudo-key.  A raw: word becomes its folded
 * key (implied).  Keys longer than KW_MAX_KEY_BYTES are cut by
 * kw_text_keys(), so such a word becomes a prefix condition on its first
 * KW_MAX_KEY_BYTES bytes (implied).  NOT survives only over an exact child;
 * otherwise it becomes ALL, which prunes nothing.
 *
 * A wildcard word (not raw:) means "some unit has a key matching the
 * pattern", and the index keys are exactly the units' keys, so its pattern
 * node is exact whenever a key cut to KW_MAX_KEY_BYTES cannot change the
 * answer: (a) the pattern is a literal prefix shorter than the cut followed
 * only by '*' (a cut key starts with the prefix exactly when the whole key
 * does), or (b) it has no '*' and cannot match KW_MAX_KEY_BYTES bytes
 * (literal bytes plus four per '?' fall short of it), so neither a cut key
 * nor the longer key it came from matches.  Other patterns ("n*la") stay
 * implied: a cut key is then accepted without looking, and rechecked.
 * Pseudo-keys (first byte 0x01, the detected language) are never a unit's
 * key, so patterns never match them: without that "*r" would find every
 * French text through "\x01fr".
 */
#include "postgres.h"

#include "miscadmin.h"

#include "funnel/kwquery.h"

/* Compiled pattern handed to the index inside KWP_PATTERN nodes. */
typedef struct KwPlanPattern
{
	const char *pat;
	int			len;
	bool		cut_safe;		/* a cut key is decided by the pattern itself */
} KwPlanPattern;

/* Can a key cut to KW_MAX_KEY_BYTES not change whether the pattern matches? */
static bool
pattern_cut_safe(const KwWord *w)
{
	int			i,
				questions = 0;
	bool		star = false;

	if (w->prefixlen >= KW_MAX_KEY_BYTES)
		return false;
	for (i = w->prefixlen; i < w->keylen; i++)
	{
		if (w->key[i] == '*')
			star = true;
		else if (w->key[i] == '?')
			questions++;
		else if (star)
			return false;		/* a literal after a '*' */
	}
	if (star)
		return questions == 0;	/* prefix then only '*': a prefix condition */
	/* no '*': the longest key it matches, each '?' one character of <= 4 bytes */
	return w->keylen + 3 * questions < KW_MAX_KEY_BYTES;
}

/* A plan node of a kind. */
static KwPlan *
plan_node(KwPlanKind kind, bool exact)
{
	KwPlan	   *p = palloc0(sizeof(KwPlan));

	p->kind = kind;
	p->exact = exact;
	return p;
}

/* The plan of one word. */
static KwPlan *
word_plan(const KwWord *w)
{
	KwPlan	   *p;

	if (w->wildcard)
	{
		KwPlanPattern *pp = palloc(sizeof(KwPlanPattern));

		pp->pat = w->key;
		pp->len = w->keylen;
		pp->cut_safe = pattern_cut_safe(w);
		p = plan_node(KWP_PATTERN, pp->cut_safe && w->raw == NULL);
		p->key = w->key;
		p->keylen = Min(w->prefixlen, KW_MAX_KEY_BYTES);
		p->pattern = pp;
		return p;
	}
	if (w->keylen > KW_MAX_KEY_BYTES)
	{
		p = plan_node(KWP_PREFIX, false);
		p->key = w->key;
		p->keylen = KW_MAX_KEY_BYTES;
		return p;
	}
	p = plan_node(KWP_KEY, w->raw == NULL);
	p->key = w->key;
	p->keylen = w->keylen;
	return p;
}

/* Build an AND or OR plan from child plans, simplifying ALL children. */
static KwPlan *
combine(KwPlanKind kind, KwPlan **kids, int n, bool exact)
{
	KwPlan	   *p;
	int			i,
				kept = 0;

	for (i = 0; i < n; i++)
	{
		if (kids[i]->kind == KWP_ALL)
		{
			if (kind == KWP_OR)
				return plan_node(KWP_ALL, false);
			exact = false;
			continue;
		}
		exact = exact && kids[i]->exact;
		kids[kept++] = kids[i];
	}
	if (kept == 0)
		return plan_node(KWP_ALL, false);
	if (kept == 1)
	{
		kids[0]->exact = kids[0]->exact && exact;
		return kids[0];
	}
	p = plan_node(kind, exact);
	p->nchildren = kept;
	p->children = kids;
	return p;
}

/* The plan of a query node. */
static KwPlan *
node_plan(const KwNode *n)
{
	KwPlan	  **kids;
	int			i;

	check_stack_depth();
	switch (n->kind)
	{
		case KWN_TERM:
			kids = palloc(sizeof(KwPlan *) * n->nwords);
			for (i = 0; i < n->nwords; i++)
				kids[i] = word_plan(&n->words[i]);
			return combine(KWP_AND, kids, n->nwords, n->nwords == 1);
		case KWN_LANG:
			{
				KwPlan	   *p = plan_node(KWP_KEY, true);

				p->key = kw_lang_key(n->lang);
				p->keylen = 3;
				return p;
			}
		case KWN_NOT:
			{
				KwPlan	   *child = node_plan(n->children[0]);
				KwPlan	   *p;

				if (!child->exact || child->kind == KWP_ALL)
					return plan_node(KWP_ALL, false);
				p = plan_node(KWP_NOT, true);
				p->nchildren = 1;
				p->children = palloc(sizeof(KwPlan *));
				p->children[0] = child;
				return p;
			}
		case KWN_AND:
		case KWN_OR:
		case KWN_NEAR:
			kids = palloc(sizeof(KwPlan *) * n->nchildren);
			for (i = 0; i < n->nchildren; i++)
				kids[i] = node_plan(n->children[i]);
			return combine(n->kind == KWN_OR ? KWP_OR : KWP_AND, kids, n->nchildren,
						   n->kind != KWN_NEAR);
	}
	return plan_node(KWP_ALL, false);
}

/* Build the plan of a kwquery datum in the current memory context. */
KwPlan *
kw_query_plan(Datum kwquery)
{
	KwQueryData *q = (KwQueryData *) PG_DETOAST_DATUM(kwquery);

	return node_plan(kw_datum_tree(q));
}

/* Does an index key satisfy a KWP_PATTERN node's pattern? */
bool
kw_plan_pattern_match(const KwPlan *node, const char *key, int keylen)
{
	const KwPlanPattern *pp = (const KwPlanPattern *) node->pattern;

	/* pseudo-keys are no unit's key */
	if (keylen > 0 && key[0] == '\x01')
		return false;
	/* a key of the maximum length may have been cut: unless the pattern
	 * decides such keys by itself, it could match */
	if (keylen >= KW_MAX_KEY_BYTES && !pp->cut_safe)
		return true;
	return kw_glob_match(pp->pat, pp->len, key, keylen);
}

/* Append a plan in readable form: KEY "x", AND(...), an exact node marked with =. */
static void
plan_text(StringInfo out, const KwPlan *p)
{
	static const char *const names[] = {"KEY", "PREFIX", "PATTERN", "AND", "OR", "NOT", "ALL"};
	int			i;

	check_stack_depth();
	appendStringInfoString(out, names[p->kind]);
	if (p->exact)
		appendStringInfoChar(out, '=');
	switch (p->kind)
	{
		case KWP_KEY:
		case KWP_PREFIX:
		case KWP_PATTERN:
			appendStringInfoString(out, " \"");
			for (i = 0; i < p->keylen; i++)
			{
				if ((unsigned char) p->key[i] < 0x20)
					appendStringInfo(out, "\\x%02x", (unsigned char) p->key[i]);
				else
					appendStringInfoChar(out, p->key[i]);
			}
			appendStringInfoChar(out, '"');
			if (p->kind == KWP_PATTERN)
			{
				const KwPlanPattern *pp = (const KwPlanPattern *) p->pattern;

				appendStringInfo(out, " ~ \"%.*s\"", pp->len, pp->pat);
			}
			break;
		case KWP_AND:
		case KWP_OR:
		case KWP_NOT:
			appendStringInfoChar(out, '(');
			for (i = 0; i < p->nchildren; i++)
			{
				if (i > 0)
					appendStringInfoString(out, ", ");
				plan_text(out, p->children[i]);
			}
			appendStringInfoChar(out, ')');
			break;
		case KWP_ALL:
			break;
	}
}

PG_FUNCTION_INFO_V1(clientele_kwquery_plan);

/* SQL: kwquery_plan(kwquery): the index plan in readable form. */
Datum
clientele_kwquery_plan(PG_FUNCTION_ARGS)
{
	StringInfoData out;

	initStringInfo(&out);
	plan_text(&out, kw_query_plan(PG_GETARG_DATUM(0)));
	PG_RETURN_TEXT_P(tc_utf8_to_text(out.data, out.len));
}
