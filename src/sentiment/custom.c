/*
 * custom.c — named custom lexicons, cached per backend.
 *
 * A custom lexicon is a row of clientele.lexicon and its terms in
 * clientele.lexicon_entry.  Triggers give the lexicon a new version (from a
 * sequence, so versions never repeat, even across rolled-back transactions)
 * whenever its entries change.  A backend compiles a lexicon once into a
 * JudyHS map from normal form to valence and keeps it until it sees another
 * version: each statement asks for the current version once (the result is
 * kept in fn_extra for the rest of the statement), which is what makes the
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
 * id): after SET ROLE, or in a pooled connection that changes role, another
 * user gets a lexicon compiled under its own rights.  The queries qualify
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

typedef struct CustomEntry
{
	float		valence;
	bool		has_valence;
	uint8		phrase_len;
} CustomEntry;

struct CustomLexicon
{
	char	   *name;
	int64		version;
	Oid			userid;			/* compiled under this user's rights */
	MemoryContext cxt;			/* owns the map, the entries and this struct */
	TcJudy	   *map;
};

/* The backend's compiled lexicons (at most a handful). */
#define MAX_CACHED_LEXICONS 16
static CustomLexicon *cache[MAX_CACHED_LEXICONS];
static int	ncached = 0;

/* Per-statement memo kept in fn_extra. */
typedef struct CustomMemo
{
	text	   *name;
	Oid			userid;
	const CustomLexicon *lex;
} CustomMemo;

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

/* Compile a lexicon's entries (SPI connected by the caller). */
static CustomLexicon *
custom_compile(const char *name, int64 version, Oid userid)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "clientele custom lexicon",
											  ALLOCSET_SMALL_SIZES);
	CustomLexicon *lex = MemoryContextAllocZero(cxt, sizeof(CustomLexicon));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	uint64		i;
	StringInfoData key;

	lex->cxt = cxt;
	lex->name = MemoryContextStrdup(cxt, name);
	lex->version = version;
	lex->userid = userid;
	lex->map = tc_judy_create(cxt, TC_JUDY_HS);

	PG_TRY();
	{
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
	}
	PG_CATCH();
	{
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return lex;
}

/*
 * The compiled custom lexicon of this name, current as of the statement's
 * snapshot, as user userid (the caller's GetUserId()) may read it.  ERROR
 * (42704) if there is no such lexicon.
 */
const CustomLexicon *
custom_lexicon_get(FunctionCallInfo fcinfo, text *name, Oid userid)
{
	CustomMemo *memo = (CustomMemo *) fcinfo->flinfo->fn_extra;
	char	   *cname;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	int64		version;
	int			i;
	CustomLexicon *lex = NULL;

	if (memo != NULL && memo->userid == userid && VARSIZE_ANY_EXHDR(memo->name) == VARSIZE_ANY_EXHDR(name) &&
		memcmp(VARDATA_ANY(memo->name), VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)) == 0)
	{
		/* still cached? (a statement that changes the lexicon recompiles it) */
		for (i = 0; i < ncached; i++)
			if (cache[i] == memo->lex)
				return memo->lex;
	}

	cname = text_to_cstring(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[0] = PointerGetDatum(name);
	if (SPI_execute_with_args("SELECT l.version FROM clientele.lexicon l"
							  " WHERE l.name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read clientele.lexicon");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("lexicon \"%s\" does not exist", cname),
				 errhint("Create it with clientele.lexicon_load() or by inserting into clientele.lexicon; list them with SELECT name FROM clientele.lexicon.")));
	version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	for (i = 0; i < ncached; i++)
		if (cache[i]->userid == userid && strcmp(cache[i]->name, cname) == 0)
			break;
	if (i < ncached && cache[i]->version == version)
		lex = cache[i];
	else
	{
		lex = custom_compile(cname, version, userid);
		if (i < ncached)
		{
			MemoryContextDelete(cache[i]->cxt);
			cache[i] = lex;
		}
		else
		{
			if (ncached == MAX_CACHED_LEXICONS)
			{
				/* forget the oldest */
				MemoryContextDelete(cache[0]->cxt);
				memmove(cache, cache + 1, (MAX_CACHED_LEXICONS - 1) * sizeof(CustomLexicon *));
				ncached--;
			}
			cache[ncached++] = lex;
		}
	}
	SPI_finish();

	memo = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(CustomMemo));
	memo->name = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(name));
	memcpy(memo->name, name, VARSIZE_ANY(name));
	memo->userid = userid;
	memo->lex = lex;
	fcinfo->flinfo->fn_extra = memo;
	return lex;
}
