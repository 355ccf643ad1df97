/*
 * langdetect.c — is a short message French or English?
 *
 * Social messages are short (a median of a dozen words), so character
 * n-gram models have little to work on; function words and orthography
 * carry most of the signal.  Each token adds evidence for a language:
 *
 *   French elision (l' j' qu' c'...)                    fr +2.0
 *   English clitic (n't 's 'm 're 'll 've 'd)           en +1.5
 *   a function word of the language (stop list)         +1.0
 *   a word with letters outside ASCII (é, è, ç, à...)   fr +0.5
 *   a sentiment word known in one language only         +0.5
 *
 * Words known to both languages (stop words like "a" or "on", loan words
 * like "top") add to both and cancel out.  The language with more evidence
 * wins when it has at least 1.0 and leads by at least 0.5; otherwise the
 * text is undecidable and the result is NULL.  Emoji, URLs, mentions and
 * numbers carry no evidence.
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"

#include "lexicon.h"

#define LANG_MIN_EVIDENCE	1.0f
#define LANG_MIN_LEAD		0.5f

/* Name of a language code. */
const char *
tc_lang_name(TcLang lang)
{
	switch (lang)
	{
		case TC_LANG_EN:
			return "en";
		case TC_LANG_FR:
			return "fr";
		default:
			return NULL;
	}
}

/* Parse a lang argument: 'en', 'fr' (any case), or 'auto' for detection. */
TcLang
tc_parse_lang(const char *s, bool allow_auto)
{
	if (pg_strcasecmp(s, "en") == 0 || pg_strcasecmp(s, "english") == 0)
		return TC_LANG_EN;
	if (pg_strcasecmp(s, "fr") == 0 || pg_strcasecmp(s, "french") == 0)
		return TC_LANG_FR;
	if (allow_auto && pg_strcasecmp(s, "auto") == 0)
		return TC_LANG_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unsupported language \"%s\"", s),
			 errdetail("Accepted values are %s.", allow_auto ? TC_LANGS_ACCEPTED : "'en' or 'fr'"),
			 errhint("Use 'auto' (or the form without a language) to detect the language of each message.")));
	return TC_LANG_NONE;		/* keep compiler quiet */
}

/* Does a word end with an English clitic? */
bool
lang_has_english_clitic(const char *s, int len)
{
	static const char *const clitics[] = {"n't", "'s", "'m", "'re", "'ll", "'ve", "'d"};
	int			i;

	for (i = 0; i < lengthof(clitics); i++)
	{
		int			n = strlen(clitics[i]);

		if (len > n && memcmp(s + len - n, clitics[i], n) == 0)
			return true;
	}
	return false;
}

/* Add one token's evidence (the rules are lang_observe_token() in lexicon.h). */
void
lang_observe(LangEvidence *ev, const TcToken *tok, const LexEntry *e)
{
	lang_observe_token(ev, tok->kind, tok->flags, tok->norm, tok->normlen, e);
}

/* Decide the language from the evidence, or TC_LANG_NONE. */
TcLang
lang_decide(const LangEvidence *ev)
{
	float		en = ev->score[TC_LANG_EN];
	float		fr = ev->score[TC_LANG_FR];

	if (Max(en, fr) < LANG_MIN_EVIDENCE || fabsf(en - fr) < LANG_MIN_LEAD)
		return TC_LANG_NONE;
	return en > fr ? TC_LANG_EN : TC_LANG_FR;
}

/* Detect the language of UTF-8 text; evidence from its first max_tokens tokens. */
TcLang
tc_detect_language(const char *s, int len, int max_tokens)
{
	TcTokenizer tz;
	TcToken		tok;
	LangEvidence ev = {{0, 0}};
	int			n = 0;

	tc_tokenizer_init(&tz, s, len, true);
	while (n++ < max_tokens && tc_next_token(&tz, &tok))
		lang_observe(&ev, &tok, lex_lookup(tok.norm, tok.normlen));
	tc_tokenizer_free(&tz);
	return lang_decide(&ev);
}

PG_FUNCTION_INFO_V1(clientele_detect_language);

/* SQL: detect_language(text) returns 'fr', 'en' or NULL. */
Datum
clientele_detect_language(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			len;
	char	   *s = tc_text_to_utf8(t, &len);
	TcLang		lang = tc_detect_language(s, len, 2000);

	if (lang == TC_LANG_NONE)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(tc_lang_name(lang)));
}
