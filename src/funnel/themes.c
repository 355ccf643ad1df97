/*
 * themes.c — theme sets: every theme query of a set compiled into one
 * matcher, cached per backend.
 *
 * A theme set is a row of clientele.theme_set and its themes the rows of
 * clientele.theme.  Statement triggers give the set a new version (from a
 * sequence, so versions never repeat) whenever its themes change.  A
 * backend compiles a set once, all its queries into one automaton
 * (kw_compile_set), and keeps it until it sees another version; each
 * statement reads the current version once and keeps the answer in
 * fn_extra, which is what makes themes() STABLE.
 *
 * A message is matched against the whole set in one pass.  A theme with a
 * parent is reported only when its parent (and so on up) matches too; the
 * names come out by priority, highest first, then by name.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "funnel/kwquery.h"

PG_FUNCTION_INFO_V1(clientele_themes);

typedef struct ThemeSet
{
	char	   *name;
	int64		version;
	MemoryContext cxt;			/* owns everything below */
	int			n;
	char	  **names;			/* in priority order */
	Datum	   *name_texts;		/* the same as text datums, built once */
	int		   *parent;			/* index of the parent theme, or -1 */
	KwMatcher  *matcher;
	int		   *matched;		/* numbers of the matching themes */
} ThemeSet;

#define MAX_CACHED_SETS 16
static ThemeSet *cache[MAX_CACHED_SETS];
static int	ncached = 0;

typedef struct ThemeMemo
{
	text	   *name;
	ThemeSet   *set;
} ThemeMemo;

/* Compile the themes of a set (SPI connected by the caller). */
static ThemeSet *
theme_set_compile(const char *name, int64 version)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "clientele theme set",
											  ALLOCSET_DEFAULT_SIZES);
	ThemeSet   *ts = MemoryContextAllocZero(cxt, sizeof(ThemeSet));

	ts->cxt = cxt;
	ts->name = MemoryContextStrdup(cxt, name);
	ts->version = version;
	PG_TRY();
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1];
		KwNode	  **roots;
		char	  **parents;
		int			i,
					j;

		args[0] = CStringGetTextDatum(name);
		if (SPI_execute_with_args("SELECT name, query, parent FROM clientele.theme WHERE theme_set OPERATOR(pg_catalog.=) $1 "
								  "ORDER BY priority DESC, name",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the themes of set \"%s\"", name);
		ts->n = (int) SPI_processed;
		ts->names = MemoryContextAlloc(cxt, sizeof(char *) * Max(ts->n, 1));
		ts->parent = MemoryContextAlloc(cxt, sizeof(int) * Max(ts->n, 1));
		ts->matched = MemoryContextAlloc(cxt, sizeof(int) * Max(ts->n, 1));
		roots = MemoryContextAlloc(cxt, sizeof(KwNode *) * Max(ts->n, 1));
		parents = palloc(sizeof(char *) * Max(ts->n, 1));
		for (i = 0; i < ts->n; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			MemoryContext old;
			KwQueryData *q;

			CHECK_FOR_INTERRUPTS();
			ts->names[i] = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 1));
			parents[i] = SPI_getvalue(tup, desc, 3);
			q = (KwQueryData *) PG_DETOAST_DATUM(SPI_getbinval(tup, desc, 2, &isnull));
			old = MemoryContextSwitchTo(cxt);
			roots[i] = kw_datum_tree(q);
			MemoryContextSwitchTo(old);
		}
		ts->name_texts = MemoryContextAlloc(cxt, sizeof(Datum) * Max(ts->n, 1));
		for (i = 0; i < ts->n; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			ts->name_texts[i] = CStringGetTextDatum(ts->names[i]);
			MemoryContextSwitchTo(old);
		}
		for (i = 0; i < ts->n; i++)
		{
			ts->parent[i] = -1;
			if (parents[i] == NULL)
				continue;
			for (j = 0; j < ts->n; j++)
				if (strcmp(ts->names[j], parents[i]) == 0)
					ts->parent[i] = j;
			if (ts->parent[i] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("parent theme \"%s\" of theme \"%s\" does not exist in theme set \"%s\"",
								parents[i], ts->names[i], name),
						 errhint("Insert the parent theme, or set parent to NULL.")));
		}
		/* no cycles: every chain of parents ends within n steps */
		for (i = 0; i < ts->n; i++)
		{
			int			k = i,
						steps = 0;

			while (k >= 0 && steps <= ts->n)
			{
				k = ts->parent[k];
				steps++;
			}
			if (k >= 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("theme \"%s\" of theme set \"%s\" is its own ancestor", ts->names[i], name),
						 errhint("Break the cycle of parent themes.")));
		}
		ts->matcher = ts->n > 0 ? kw_compile_set(roots, ts->n, cxt) : NULL;
	}
	PG_CATCH();
	{
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return ts;
}

/* The compiled theme set of this name, current as of the statement's snapshot; 42704 if none. */
static ThemeSet *
theme_set_get(FunctionCallInfo fcinfo, text *name)
{
	ThemeMemo  *memo = (ThemeMemo *) fcinfo->flinfo->fn_extra;
	char	   *cname;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	int64		version;
	int			i;
	ThemeSet   *ts = NULL;

	if (memo != NULL && VARSIZE_ANY_EXHDR(memo->name) == VARSIZE_ANY_EXHDR(name) &&
		memcmp(VARDATA_ANY(memo->name), VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)) == 0)
	{
		for (i = 0; i < ncached; i++)
			if (cache[i] == memo->set)
				return memo->set;
	}

	cname = text_to_cstring(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[0] = PointerGetDatum(name);
	if (SPI_execute_with_args("SELECT version FROM clientele.theme_set WHERE name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read clientele.theme_set");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("theme set \"%s\" does not exist", cname),
				 errhint("Create it by inserting into clientele.theme_set; list them with SELECT name FROM clientele.theme_set.")));
	version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	for (i = 0; i < ncached; i++)
		if (strcmp(cache[i]->name, cname) == 0)
			break;
	if (i < ncached && cache[i]->version == version)
		ts = cache[i];
	else
	{
		ts = theme_set_compile(cname, version);
		if (i < ncached)
		{
			MemoryContextDelete(cache[i]->cxt);
			cache[i] = ts;
		}
		else
		{
			if (ncached == MAX_CACHED_SETS)
			{
				MemoryContextDelete(cache[0]->cxt);
				memmove(cache, cache + 1, (MAX_CACHED_SETS - 1) * sizeof(ThemeSet *));
				ncached--;
			}
			cache[ncached++] = ts;
		}
	}
	SPI_finish();

	memo = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ThemeMemo));
	memo->name = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(name));
	memcpy(memo->name, name, VARSIZE_ANY(name));
	memo->set = ts;
	fcinfo->flinfo->fn_extra = memo;
	return ts;
}

/* SQL: themes(message, theme_set) returns the matching theme names. */
Datum
clientele_themes(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ThemeSet   *ts = theme_set_get(fcinfo, PG_GETARG_TEXT_PP(1));
	Datum	   *out;
	int			nout = 0,
				nmatched,
				len,
				i;
	char	   *s;

	if (ts->n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	s = tc_text_to_utf8(t, &len);
	nmatched = kw_match_set(ts->matcher, s, len, ts->matched);
	if (nmatched == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	out = palloc(sizeof(Datum) * nmatched);
	for (i = 0; i < nmatched; i++)
	{
		int			k;

		/* a sub-theme counts only when every ancestor matches too */
		for (k = ts->parent[ts->matched[i]]; k >= 0 && kw_set_matched(ts->matcher, k); k = ts->parent[k])
			;
		if (k >= 0)
			continue;
		out[nout++] = ts->name_texts[ts->matched[i]];
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, nout, TEXTOID, -1, false, TYPALIGN_INT));
}
