/*
 * custom.c — named custom lexicons, cached per backend.
 *
 * A custom lexicon is a row of clientele.lexicon and its terms in
 * clientele.lexicon_entry.  Triggers give the lexicon a new version (from a
 * sequence, so versions never repeat, even across rolled-back transactions)
 * whenever its entries change.  A backend compiles a lexicon once into a
 * JudyHS map from normal form to valence and keeps it in the shared version
 * cache (src/core/version_cache.c) until it sees another version: each
 * statement asks for the current version once (the result is kept in
 * fn_extra for the rest of the statement), which is what makes the
 * functions that take a lexicon STABLE.
 *
 * Terms are normalised by the text core exactly as message tokens are; a
 * term of several tokens is a phrase, and its first token records the
 * longest phrase it starts.
 *
 * Who reads.  The entries a backend compiles are those the current user may
 * see: privileges and row-level security policies on clientele.lexicon and
 * clientele.lexicon_entry apply to the look-up queries.  So a compiled
 * lexicon is cached for one user only (the key is name, version and user
 * id), and shared between statements only when no policy filters the
 * user's entries (version_cache.c says why): after SET ROLE, or in a pooled
 * connection that changes role, another user gets a lexicon compiled under
 * its own rights.  The queries qualify
 * every operator (OPERATOR(pg_catalog.=)) so that objects created in a
 * schema of the search_path cannot take the place of the built-in ones.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "sentiment.h"
#include "version_cache.h"

typedef struct CustomEntry
{
	float		valence;
	bool		has_valence;
	uint8		phrase_len;
} CustomEntry;

struct CustomLexicon
{
	MemoryContext cxt;			/* owns the map, the entries and this struct (the cache's) */
	TcJudy	   *map;
};

/* Look a normal form up in a custom lexicon. */
bool
custom_lookup(const CustomLexicon *lex, const char *key, int len,
			  float *valence, int *phrase_len)
{
	void	  **slot = tc_judy_hs_get(lex->map, key, len);
	CustomEntry *ce;

	if (phrase_len)
		*phrase_len = 0;
	if (slot == NULL)
		return false;
	ce = (CustomEntry *) *slot;
	if (phrase_len)
		*phrase_len = ce->phrase_len;
	if (!ce->has_valence)
		return false;
	*valence = ce->valence;
	return true;
}

/* Find or create the entry of a key in a lexicon being built. */
static CustomEntry *
custom_entry(CustomLexicon *lex, const char *key, int len)
{
	void	  **slot = tc_judy_hs_insert(lex->map, key, len);

	if (*slot == NULL)
		*slot = MemoryContextAllocZero(lex->cxt, sizeof(CustomEntry));
	return (CustomEntry *) *slot;
}

/* Compile a lexicon's entries into cxt (SPI connected by the version cache). */
static void *
custom_compile(const char *name, int64 version, MemoryContext cxt)
{
	CustomLexicon *lex = MemoryContextAllocZero(cxt, sizeof(CustomLexicon));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	uint64		i;
	StringInfoData key;

	lex->cxt = cxt;
	lex->map = tc_judy_create(cxt, TC_JUDY_HS);

	args[0] = CStringGetTextDatum(name);
	if (SPI_execute_with_args("SELECT e.term, e.valence FROM clientele.lexicon_entry e"
							  " WHERE e.lexicon OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the entries of lexicon \"%s\"", name);
	initStringInfo(&key);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		Datum		d = SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull);
		double		valence = DatumGetFloat8(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
		text	   *term = DatumGetTextPP(d);
		TcTokenizer tz;
		TcToken		tok;
		int			len,
					ntok = 0;
		char	   *s = tc_text_to_utf8(term, &len);
		CustomEntry *ce;

		CHECK_FOR_INTERRUPTS();
		resetStringInfo(&key);
		tc_tokenizer_init(&tz, s, len, true);
		while (tc_next_token(&tz, &tok))
		{
			if (ntok++ > 0)
				appendStringInfoChar(&key, ' ');
			appendBinaryStringInfo(&key, tok.norm, tok.normlen);
		}
		tc_tokenizer_free(&tz);
		if (ntok == 0)
			continue;
		ce = custom_entry(lex, key.data, key.len);
		ce->valence = valence;
		ce->has_valence = true;
		if (ntok > 1)
		{
			/* the first token of the phrase: its normal form is the key's prefix */
			char	   *sp = memchr(key.data, ' ', key.len);
			CustomEntry *head = custom_entry(lex, key.data, sp - key.data);

			head->phrase_len = Max(head->phrase_len, Min(ntok, LEX_MAX_PHRASE));
		}
	}
	return lex;
}

static const char *const lexicon_sources[] = {"clientele.lexicon_entry", NULL};

/* Custom lexicons in the version cache. */
static const VersionCacheKind lexicon_kind = {
	.label = "lexicon",
	.version_table = "clientele.lexicon",
	.name_column = "name",
	.version_column = "version",
	.sources = lexicon_sources,
	.missing_hint = "Create it with clientele.lexicon_load() or by inserting into clientele.lexicon; list them with SELECT name FROM clientele.lexicon.",
	.compile = custom_compile,
};

/*
 * The compiled custom lexicon of this name, current as of the statement's
 * snapshot, as user userid (the caller's GetUserId()) may read it.  ERROR
 * (42704) if there is no such lexicon.
 */
const CustomLexicon *
custom_lexicon_get(FunctionCallInfo fcinfo, text *name, Oid userid)
{
	return (const CustomLexicon *) version_cache_get(fcinfo, &lexicon_kind, name, userid);
}
