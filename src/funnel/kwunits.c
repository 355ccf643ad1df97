/*
 * kwunits.c — what a keyword query compares its words with: the units of a
 * text and their keys, the one definition shared by the matcher and the
 * keyword index.
 *
 * A text is cut by the text core's tokenizer with accent folding on (so
 * keys are case- and accent-insensitive normal forms).  Punctuation is
 * dropped.  Every other token is a unit, except that a French elision and
 * the word glued to it form one unit: "l'Oréal" is one unit, so that the
 * phrase "aime l'oréal" counts it as one word after "aime".  A unit has up
 * to four keys, all at its position:
 *
 *   - its normal form ("oreal", "#nutella", "😍", "soo" for "sooooo");
 *   - for an elision unit, the elision and the word written together
 *     ("loreal": how people type the brand) and the word alone ("oreal",
 *     so that "aime" matches "j'aime");
 *   - for an elongated word, the squeezed form ("so" for "sooooo");
 *   - for a hashtag, its word without the sigil ("#nutella" also matches
 *     the query word "nutella"; mentions and cashtags do not).
 *
 * The query parser runs its words through the same tokenizer and keeps the
 * first key of each unit, so a query word and a text unit meet exactly when
 * the word's key is one of the unit's keys.  kw_text_keys() hands the same
 * keys to the index, plus one pseudo-key for the detected language; since
 * both sides read the keys from this one function, the index can never
 * disagree with a sequential scan.
 *
 * Language detection here is the one of clientele.detect_language(): the
 * same evidence over the same first tokens, gathered during the same pass.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "lexicon.h"
#include "funnel/kwquery.h"

/* A token under construction during the scan, with language evidence. */
typedef struct ScanState
{
	TcTokenizer *tz;
	int			ntokens;
	bool		want_lang;
	LangEvidence ev;
} ScanState;

/* Read the next token, observing it for language detection. */
static inline bool
scan_next(ScanState *st, TcToken *tok)
{
	if (!tc_next_token(st->tz, tok))
		return false;
	if (st->want_lang && st->ntokens < KW_LANG_TOKENS)
		lang_observe(&st->ev, tok, lex_lookup(tok->norm, tok->normlen));
	st->ntokens++;
	if ((st->ntokens & 1023) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

/* The buffer holding joined elision keys ("l" + "oreal"), kept per backend. */
static StringInfo
join_buffer(void)
{
	static StringInfo buf = NULL;

	if (buf == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		buf = makeStringInfo();
		MemoryContextSwitchTo(old);
	}
	else if (buf->maxlen > 65536)
	{
		pfree(buf->data);
		buf->data = MemoryContextAlloc(TopMemoryContext, 1024);
		buf->maxlen = 1024;
	}
	resetStringInfo(buf);
	return buf;
}

/*
 * Add one key to a unit.  A joiner (apostrophe, hyphen) left at either end
 * of a word's key is dropped: it is there only when the word began or ended
 * with a combining mark that normalising removed ("\u0301'abc", "abc'\u0353"),
 * and "'abc" written alone would tokenize as punctuation and "abc".
 */
static inline void
unit_add_key(KwUnit *u, const char *key, int len)
{
	if (u->kind == TC_WORD || u->kind == TC_NUMBER)
	{
		while (len > 0 && (key[0] == '\'' || key[0] == '-'))
		{
			key++;
			len--;
		}
		while (len > 0 && (key[len - 1] == '\'' || key[len - 1] == '-'))
			len--;
	}
	if (u->nkeys < KW_MAX_UNIT_KEYS && len > 0)
	{
		u->keys[u->nkeys] = key;
		u->keylens[u->nkeys] = len;
		u->nkeys++;
	}
}

/* Fill a unit from one ordinary token. */
static void
unit_from_token(KwUnit *u, const TcToken *tok)
{
	u->start = tok->start;
	u->end = tok->start + tok->len;
	u->wstart = tok->start;
	u->kind = tok->kind;
	u->nkeys = 0;
	/*
	 * A hashtag, mention or cashtag whose body normalises to nothing ("#"
	 * and a lone combining accent) is no unit: its key would be the sigil
	 * alone, which a query cannot name, since "#" by itself is punctuation.
	 */
	if ((tok->kind == TC_HASHTAG || tok->kind == TC_MENTION || tok->kind == TC_CASHTAG) &&
		tok->normlen <= 1)
		return;
	unit_add_key(u, tok->norm, tok->normlen);
	if (tok->squeezed != NULL && tok->squeezedlen != tok->normlen)
		unit_add_key(u, tok->squeezed, tok->squeezedlen);
	if (tok->kind == TC_HASHTAG && tok->normlen > 1)
		unit_add_key(u, tok->norm + 1, tok->normlen - 1);
}

/* Cut UTF-8 text into units and call fn for each (see the essay above). */
void
kw_scan_units(const char *s, int len, KwUnitCallback fn, void *arg, TcLang *lang)
{
	ScanState	st;
	TcToken		tok;
	KwUnit		u;
	bool		have;
	bool		going = true;
	int			position = 0;

	st.tz = tc_tokenizer_shared(s, len, true);
	st.ntokens = 0;
	st.want_lang = (lang != NULL);
	st.ev.score[TC_LANG_EN] = st.ev.score[TC_LANG_FR] = 0;

	have = scan_next(&st, &tok);
	while (have)
	{
		if (!going)
		{
			/* the caller is done; finish the language evidence only */
			if (!st.want_lang || st.ntokens >= KW_LANG_TOKENS)
				break;
			have = scan_next(&st, &tok);
			continue;
		}
		if (tok.kind == TC_PUNCT)
		{
			have = scan_next(&st, &tok);
			continue;
		}
		if (tok.kind == TC_ELISION && tok.normlen < 32)
		{
			char		elision[32];
			int			ellen = tok.normlen;
			int			elstart = tok.start;
			int			elend = tok.start + tok.len;

			memcpy(elision, tok.norm, ellen);
			have = scan_next(&st, &tok);
			if (have && (tok.kind == TC_WORD || tok.kind == TC_NUMBER) && tok.start == elend)
			{
				StringInfo	joined = join_buffer();
				int			stem = (ellen > 0 && elision[ellen - 1] == '\'') ? ellen - 1 : ellen;

				appendBinaryStringInfo(joined, elision, stem);
				appendBinaryStringInfo(joined, tok.norm, tok.normlen);
				u.start = elstart;
				u.end = tok.start + tok.len;
				u.wstart = tok.start;
				u.kind = tok.kind;
				u.nkeys = 0;
				unit_add_key(&u, joined->data, joined->len);
				unit_add_key(&u, tok.norm, tok.normlen);
				if (tok.squeezed != NULL && tok.squeezedlen != tok.normlen)
					unit_add_key(&u, tok.squeezed, tok.squeezedlen);
				if (u.nkeys > 0)
				{
					u.position = ++position;
					going = fn(arg, &u);
				}
				have = scan_next(&st, &tok);
			}
			else
			{
				/* an elision on its own; the token read ahead comes next */
				u.start = elstart;
				u.end = elend;
				u.wstart = elstart;
				u.kind = TC_ELISION;
				u.nkeys = 0;
				unit_add_key(&u, elision, ellen);
				if (u.nkeys > 0)
				{
					u.position = ++position;
					going = fn(arg, &u);
				}
			}
			continue;
		}
		unit_from_token(&u, &tok);
		/* a token without a normal form (nothing left after normalising) is no unit */
		if (u.nkeys > 0)
		{
			u.position = ++position;
			going = fn(arg, &u);
		}
		have = scan_next(&st, &tok);
	}
	if (lang != NULL)
		*lang = lang_decide(&st.ev);
}

/* Pseudo-key of a detected language. */
const char *
kw_lang_key(TcLang lang)
{
	switch (lang)
	{
		case TC_LANG_EN:
			return "\001en";
		case TC_LANG_FR:
			return "\001fr";
		default:
			return "\001??";
	}
}

/* Arguments of kw_text_keys' unit callback. */
typedef struct TextKeysArg
{
	KwKeyCallback fn;
	void	   *arg;
} TextKeysArg;

/* Hand every key of a unit to the index, cut to KW_MAX_KEY_BYTES. */
static bool
text_keys_unit(void *arg, const KwUnit *u)
{
	TextKeysArg *a = (TextKeysArg *) arg;
	int			i;

	for (i = 0; i < u->nkeys; i++)
		a->fn(a->arg, u->keys[i], Min(u->keylens[i], KW_MAX_KEY_BYTES), u->position);
	return true;
}

/*
 * Call fn for every index key of the UTF-8 text: the keys of every unit in
 * text order (positions are unit positions, so an elision shares its word's
 * position), then the pseudo-key of the detected language, if any, with
 * position 0.
 */
void
kw_text_keys(const char *utf8, int len, KwKeyCallback fn, void *arg)
{
	TextKeysArg a;
	TcLang		lang;

	a.fn = fn;
	a.arg = arg;
	kw_scan_units(utf8, len, text_keys_unit, &a, &lang);
	if (lang != TC_LANG_NONE)
		fn(arg, kw_lang_key(lang), 3, 0);
}
