/*
 * themes.c — theme sets: every theme query of a set compiled into one
 * matcher, cached per backend.
 *
 * A theme set is a row of clientele.theme_set and its themes the rows of
 * clientele.theme.  Statement triggers give the set a new version (from a
 * sequence, so versions never repeat) whenever its themes change.  A
 * backend compiles a set once, all its queries into one automaton
 * (kw_compile_set), and keeps it in the shared version cache
 * (src/core/version_cache.c) until it sees another version; each statement
 * reads the current version once and keeps the answer in fn_extra, which is
 * what makes themes() STABLE.
 *
 * Who reads.  The themes compiled are those the current user may read: the
 * look-up runs under the user's privileges and row-level security policies
 * on clientele.theme.  The cache keys a compiled set by name, version and
 * user, and shares it between statements only when no policy filters the
 * user's rows (version_cache.c explains why), so after SET ROLE, or in a
 * pooled connection that changes role, a user never gets themes compiled
 * from rows only another user may see.
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
#include "version_cache.h"

PG_FUNCTION_INFO_V1(clientele_themes);

typedef struct ThemeSet
{
	int			n;
	char	  **names;			/* in priority order */
	Datum	   *name_texts;		/* the same as text datums, built once */
	int		   *parent;			/* index of the parent theme, or -1 */
	KwMatcher  *matcher;
	int		   *matched;		/* numbers of the matching themes */
} ThemeSet;

/* Compile the themes of a set into cxt (SPI connected by the version cache). */
static void *
theme_set_compile(const char *name, int64 version, MemoryContext cxt)
{
	ThemeSet   *ts = MemoryContextAllocZero(cxt, sizeof(ThemeSet));
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
	return ts;
}

static const char *const theme_sources[] = {"clientele.theme", NULL};

/* Theme sets in the version cache. */
static const VersionCacheKind theme_set_kind = {
	.label = "theme set",
	.version_table = "clientele.theme_set",
	.name_column = "name",
	.version_column = "version",
	.sources = theme_sources,
	.missing_hint = "Create it by inserting into clientele.theme_set; list them with SELECT name FROM clientele.theme_set.",
	.compile = theme_set_compile,
};

/* SQL: themes(message, theme_set) returns the matching theme names. */
Datum
clientele_themes(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ThemeSet   *ts = version_cache_get(fcinfo, &theme_set_kind, PG_GETARG_TEXT_PP(1), GetUserId());
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
