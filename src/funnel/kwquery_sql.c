/*
 * kwquery_sql.c — SQL interface of keyword queries: the kwquery type, the
 * @~> operator and matches(), highlight(), match_positions(), the
 * per-statement matcher cache, and the C entry points for fuzz targets.
 */
#include "postgres.h"

#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "funnel/kwquery.h"

PG_FUNCTION_INFO_V1(clientele_kwquery_in);
PG_FUNCTION_INFO_V1(clientele_kwquery_out);
PG_FUNCTION_INFO_V1(clientele_kwquery_recv);
PG_FUNCTION_INFO_V1(clientele_kwquery_send);
PG_FUNCTION_INFO_V1(clientele_to_kwquery);
PG_FUNCTION_INFO_V1(clientele_kw_matches);
PG_FUNCTION_INFO_V1(clientele_highlight);
PG_FUNCTION_INFO_V1(clientele_match_positions);

/* Build a kwquery datum from a parsed query. */
KwQueryData *
kw_make_datum(const KwNode *root)
{
	int			len;
	char	   *canon = kw_print(root, &len);
	Size		size = offsetof(KwQueryData, text) + len;
	KwQueryData *q;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("keyword query is too long")));
	q = palloc(size);
	SET_VARSIZE(q, size);
	q->version = KWQUERY_VERSION;
	memcpy(q->text, canon, len);
	pfree(canon);
	return q;
}

/* Parse a (detoasted) kwquery datum back into its tree. */
KwNode *
kw_datum_tree(const KwQueryData *q)
{
	if (VARSIZE(q) < offsetof(KwQueryData, text) || q->version != KWQUERY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("unsupported kwquery format version %d", (int) q->version)));
	return kw_parse(KWQUERY_TEXT(q), KWQUERY_TEXTLEN(q), TC_LANG_NONE);
}

/* Parse a server-encoding string into a kwquery datum. */
static KwQueryData *
parse_server_string(const char *s, int len, TcLang default_lang)
{
	char	   *utf8 = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
														  GetDatabaseEncoding(), PG_UTF8);
	int			ulen = (utf8 == s) ? len : strlen(utf8);

	return kw_make_datum(kw_parse(utf8, ulen, default_lang));
}

/* Type input: the query syntax. */
Datum
clientele_kwquery_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);

	PG_RETURN_POINTER(parse_server_string(s, strlen(s), TC_LANG_NONE));
}

/* Type output: the canonical form. */
Datum
clientele_kwquery_out(PG_FUNCTION_ARGS)
{
	KwQueryData *q = (KwQueryData *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

	PG_RETURN_CSTRING(tc_utf8_to_cstring(KWQUERY_TEXT(q), KWQUERY_TEXTLEN(q)));
}

/* Binary input: the query as text, parsed and checked like the text input. */
Datum
clientele_kwquery_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	char	   *s;

	if (version != KWQUERY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported kwquery binary format version %d", version)));
	s = pq_getmsgtext(buf, buf->len - buf->cursor, NULL);
	PG_RETURN_POINTER(parse_server_string(s, strlen(s), TC_LANG_NONE));
}

/* Binary output: a version byte, then the canonical form as text. */
Datum
clientele_kwquery_send(PG_FUNCTION_ARGS)
{
	KwQueryData *q = (KwQueryData *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;
	char	   *s = tc_utf8_to_cstring(KWQUERY_TEXT(q), KWQUERY_TEXTLEN(q));

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, KWQUERY_VERSION);
	pq_sendtext(&buf, s, strlen(s));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* SQL: to_kwquery(query text, default_lang text): parse, scoped to a language unless 'auto'. */
Datum
clientele_to_kwquery(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char	   *l = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TcLang		lang = tc_parse_lang(l, true);
	int			len;
	char	   *s = tc_text_to_utf8(t, &len);

	PG_RETURN_POINTER(kw_make_datum(kw_parse(s, len, lang)));
}

/* ---- the per-statement matcher ---- */

typedef struct MatcherCache
{
	MemoryContext cxt;			/* owns the compiled matcher and the query copy */
	KwQueryData *query;
	KwMatcher  *matcher;
	bool		stable;			/* the argument cannot change during the statement */
} MatcherCache;

/* The matcher of a kwquery argument, compiled once per statement (fn_extra). */
KwMatcher *
kw_matcher_for_arg(FunctionCallInfo fcinfo, int argno)
{
	MatcherCache *mc = (MatcherCache *) fcinfo->flinfo->fn_extra;
	KwQueryData *q;
	MemoryContext old;

	if (mc != NULL && mc->stable && mc->matcher != NULL)
		return mc->matcher;
	q = (KwQueryData *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	if (mc == NULL)
	{
		mc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(MatcherCache));
		mc->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "clientele keyword matcher",
										ALLOCSET_DEFAULT_SIZES);
		mc->stable = get_fn_expr_arg_stable(fcinfo->flinfo, argno);
		fcinfo->flinfo->fn_extra = mc;
	}
	else if (mc->query != NULL && VARSIZE(mc->query) == VARSIZE(q) &&
			 memcmp(mc->query, q, VARSIZE(q)) == 0)
		return mc->matcher;

	MemoryContextReset(mc->cxt);
	mc->matcher = NULL;
	old = MemoryContextSwitchTo(mc->cxt);
	mc->query = palloc(VARSIZE(q));
	memcpy(mc->query, q, VARSIZE(q));
	mc->matcher = kw_compile(kw_datum_tree(mc->query), mc->cxt);
	MemoryContextSwitchTo(old);
	return mc->matcher;
}

/* SQL: matches(text, kwquery) and the operator text @~> kwquery. */
Datum
clientele_kw_matches(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	KwMatcher  *m = kw_matcher_for_arg(fcinfo, 1);
	int			len;
	char	   *s = tc_text_to_utf8(t, &len);
	bool		result = kw_match(m, s, len, NULL, NULL);

	if (s != VARDATA_ANY(t))
		pfree(s);
	PG_RETURN_BOOL(result);
}

/* Order hits by byte start, then by longer span first. */
static int
hit_cmp(const void *a, const void *b)
{
	const KwHit *x = a,
			   *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return x->leaf - y->leaf;
}

/* SQL: highlight(text, kwquery, start, stop): hits wrapped in start/stop. */
Datum
clientele_highlight(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	KwMatcher  *m = kw_matcher_for_arg(fcinfo, 1);
	int			startlen,
				stoplen,
				len,
				nhits,
				i,
				done = 0;
	char	   *start = tc_text_to_utf8(PG_GETARG_TEXT_PP(2), &startlen);
	char	   *stop = tc_text_to_utf8(PG_GETARG_TEXT_PP(3), &stoplen);
	char	   *s = tc_text_to_utf8(t, &len);
	KwHit	   *hits;
	StringInfoData out;

	kw_match(m, s, len, &hits, &nhits);
	qsort(hits, nhits, sizeof(KwHit), hit_cmp);
	initStringInfo(&out);
	for (i = 0; i < nhits;)
	{
		int			hstart = hits[i].start;
		int			hend = hits[i].end;

		if (hstart < done)
		{
			i++;
			continue;
		}
		while (i + 1 < nhits && hits[i + 1].start < hend)
		{
			hend = Max(hend, hits[i + 1].end);
			i++;
		}
		i++;
		appendBinaryStringInfo(&out, s + done, hstart - done);
		appendBinaryStringInfo(&out, start, startlen);
		appendBinaryStringInfo(&out, s + hstart, hend - hstart);
		appendBinaryStringInfo(&out, stop, stoplen);
		done = hend;
	}
	appendBinaryStringInfo(&out, s + done, len - done);
	PG_RETURN_TEXT_P(tc_utf8_to_text(out.data, out.len));
}

/* Number of characters in UTF-8 bytes. */
static int
utf8_chars(const char *s, int len)
{
	int			n = 0,
				i = 0,
				clen;

	while (i < len)
	{
		tc_decode_utf8((const unsigned char *) s + i, len - i, &clen);
		i += clen;
		n++;
	}
	return n;
}

/* SQL: match_positions(text, kwquery): one row per hit of a term. */
Datum
clientele_match_positions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *t = PG_GETARG_TEXT_PP(0);
	KwMatcher  *m;
	int			len,
				nhits,
				i;
	char	   *s;
	KwHit	   *hits;

	InitMaterializedSRF(fcinfo, 0);
	m = kw_matcher_for_arg(fcinfo, 1);
	s = tc_text_to_utf8(t, &len);
	kw_match(m, s, len, &hits, &nhits);
	qsort(hits, nhits, sizeof(KwHit), hit_cmp);
	for (i = 0; i < nhits; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		const char *term = kw_leaf_text(m, hits[i].leaf);

		CHECK_FOR_INTERRUPTS();
		values[0] = PointerGetDatum(tc_utf8_to_text(term, strlen(term)));
		values[1] = PointerGetDatum(tc_utf8_to_text(s + hits[i].start, hits[i].end - hits[i].start));
		values[2] = Int32GetDatum(hits[i].first);
		values[3] = Int32GetDatum(hits[i].last);
		values[4] = Int32GetDatum(utf8_chars(s, hits[i].start) + 1);
		values[5] = Int32GetDatum(utf8_chars(s + hits[i].start, hits[i].end - hits[i].start));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---- plain C entry points for fuzz targets ---- */

/* Parse a UTF-8 query and print its canonical form. */
char *
kw_fuzz_parse(const char *query, size_t qlen)
{
	int			len;
	char	   *out;
	char	   *z;

	if (qlen > MaxAllocSize / 2)
		qlen = MaxAllocSize / 2;
	out = kw_print(kw_parse(query, (int) qlen, TC_LANG_NONE), &len);
	z = palloc(len + 1);
	memcpy(z, out, len);
	z[len] = '\0';
	return z;
}

/* The index keys of a text, for the fuzz check. */
typedef struct KeyList
{
	int			n;
	int			cap;
	char	  **keys;
	int		   *lens;
} KeyList;

/* Index key callback of the fuzz check: collect the keys. */
static void
fuzz_key(void *arg, const char *key, int keylen, int position)
{
	KeyList    *kl = (KeyList *) arg;

	if (kl->n == kl->cap)
	{
		kl->cap = kl->cap ? kl->cap * 2 : 16;
		kl->keys = kl->keys ? repalloc(kl->keys, sizeof(char *) * kl->cap) : palloc(sizeof(char *) * kl->cap);
		kl->lens = kl->lens ? repalloc(kl->lens, sizeof(int) * kl->cap) : palloc(sizeof(int) * kl->cap);
	}
	kl->keys[kl->n] = pnstrdup(key, keylen);
	kl->lens[kl->n] = keylen;
	kl->n++;
}

/* Does a list of keys satisfy a plan node (the index's reading of a plan)? */
static bool
plan_holds(const KwPlan *p, const KeyList *kl)
{
	int			i;

	switch (p->kind)
	{
		case KWP_KEY:
		case KWP_PREFIX:
		case KWP_PATTERN:
			for (i = 0; i < kl->n; i++)
			{
				if (p->kind == KWP_KEY ? (kl->lens[i] != p->keylen) : (kl->lens[i] < p->keylen))
					continue;
				if (memcmp(kl->keys[i], p->key, p->keylen) != 0)
					continue;
				if (p->kind != KWP_PATTERN || kw_plan_pattern_match(p, kl->keys[i], kl->lens[i]))
					return true;
			}
			return false;
		case KWP_AND:
			for (i = 0; i < p->nchildren; i++)
				if (!plan_holds(p->children[i], kl))
					return false;
			return true;
		case KWP_OR:
			for (i = 0; i < p->nchildren; i++)
				if (plan_holds(p->children[i], kl))
					return true;
			return false;
		case KWP_NOT:
			return !plan_holds(p->children[0], kl);
		case KWP_ALL:
			return true;
	}
	return true;
}

/* Parse, print, reparse, compile and match; check the invariants (see kwquery.h). */
int
kw_fuzz_query_match(const char *query, size_t qlen, const char *text, size_t tlen)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "kw fuzz",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	KwNode	   *tree;
	int			len1,
				len2;
	char	   *p1,
			   *p2;
	KwMatcher  *m;
	bool		matched;
	KeyList		keys = {0, 0, NULL, NULL};
	KwPlan	   *plan;

	if (qlen > 1000000)
		qlen = 1000000;
	if (tlen > 1000000)
		tlen = 1000000;
	tree = kw_parse(query, (int) qlen, TC_LANG_NONE);
	p1 = kw_print(tree, &len1);
	p2 = kw_print(kw_parse(p1, len1, TC_LANG_NONE), &len2);
	if (len1 != len2 || memcmp(p1, p2, len1) != 0)
		elog(ERROR, "kwquery canonical form does not parse back to itself");
	m = kw_compile(tree, cxt);
	matched = kw_match(m, text, (int) tlen, NULL, NULL);
	plan = kw_query_plan(PointerGetDatum(kw_make_datum(tree)));
	kw_text_keys(text, (int) tlen, fuzz_key, &keys);
	if (matched && !plan_holds(plan, &keys))
		elog(ERROR, "kwquery index plan rejects a matching text");
	if (!matched && plan->exact && plan_holds(plan, &keys))
		elog(ERROR, "kwquery exact index plan accepts a text that does not match");
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return matched ? 1 : 0;
}
