/*
 * lexicon.h — the built-in word knowledge: valences, grammar roles and
 * function words of each language, in one map keyed by normal form.
 */
#ifndef CLIENTELE_LEXICON_H
#define CLIENTELE_LEXICON_H

#include "textcore.h"

#define LEX_F_VALENCE		0x0001	/* has a valence in this language */
#define LEX_F_NEGATOR		0x0002
#define LEX_F_NE			0x0004
#define LEX_F_CLOSER		0x0008
#define LEX_F_BOOSTER		0x0010
#define LEX_F_CONTRAST		0x0020
#define LEX_F_CONCESSIVE	0x0040
#define LEX_F_STOP			0x0080
#define LEX_F_EMOJI			0x0100	/* emoji or emoticon (every language) */
#define LEX_F_PREFIX		0x0200	/* a longer phrase starts with these tokens */

/*
 * Valences and booster values are kept in thousandths, so that an entry
 * takes 14 bytes and a table slot half a cache line.
 */
#define LEX_SCALE 1000.0f

typedef struct LexEntry
{
	int16		valence[TC_NUM_LANGS];	/* thousandths; meaningful with LEX_F_VALENCE */
	int16		booster[TC_NUM_LANGS];	/* thousandths */
	uint16		flags[TC_NUM_LANGS];
	uint8		phrase_len[TC_NUM_LANGS];	/* longest phrase starting here */
} LexEntry;

/* Valence of an entry in a language, on the -4..+4 scale. */
static inline float
lex_valence(const LexEntry *e, int lang)
{
	return e->valence[lang] / LEX_SCALE;
}

/* Booster value of an entry in a language. */
static inline float
lex_booster(const LexEntry *e, int lang)
{
	return e->booster[lang] / LEX_SCALE;
}

/* Longest phrase of any lexicon, in tokens. */
#define LEX_MAX_PHRASE 8

/* Look a normal form (accent-folded) up in the built-in lexicon; NULL if absent. */
extern const LexEntry *lex_lookup(const char *key, int len);

/*
 * Two-step look-up for batches: hash a key and prefetch its probe, then
 * look it up with that hash once the memory has had time to arrive.
 */
extern uint32 lex_hash_prefetch(const char *key, int len);
extern const LexEntry *lex_lookup_hashed(const char *key, int len, uint32 h);

/* Load the built-in lexicon (once per backend). */
extern void lex_ensure_loaded(void);


/* Language evidence accumulated over tokens (langdetect.c). */
typedef struct LangEvidence
{
	float		score[TC_NUM_LANGS];
} LangEvidence;

extern void lang_observe(LangEvidence *ev, const TcToken *tok, const LexEntry *e);
extern TcLang lang_decide(const LangEvidence *ev);

/* Detect the language of UTF-8 text from its first max_tokens tokens. */
extern TcLang tc_detect_language(const char *s, int len, int max_tokens);

#endif
