/*
 * textcore.h — the multilingual text core shared by every clientele module.
 *
 * Text enters the core as UTF-8 (converted from the server encoding when the
 * database is not UTF-8), is cut into tokens by one tokenizer, and each token
 * gets one normal form.  Sentiment, language detection, keyword matching and
 * the index all see text through this interface, so they can never disagree
 * about what a word is.
 */
#ifndef CLIENTELE_TEXTCORE_H
#define CLIENTELE_TEXTCORE_H

#include "postgres.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

/*
 * Functions called once per token or per message by the hot loops of other
 * files: internal to the library, so that calls go straight to them rather
 * than through the symbol table.
 */
#if defined(__GNUC__)
#define TC_INTERNAL __attribute__((visibility("hidden")))
#else
#define TC_INTERNAL
#endif

/* ---------------------------------------------------------------------
 * Encoding (encoding.c)
 * ---------------------------------------------------------------------
 */

/* Return the text's bytes as UTF-8 (converted if the database is not UTF-8). */
extern char *tc_text_to_utf8(text *t, int *len);

/* Build a text datum in the server encoding from UTF-8 bytes. */
extern text *tc_utf8_to_text(const char *s, int len);

/* The same, dropping characters the server encoding cannot represent. */
extern text *tc_utf8_to_text_lossy(const char *s, int len, int *dropped);

/* Return a NUL-terminated server-encoding C string from UTF-8 bytes. */
extern char *tc_utf8_to_cstring(const char *s, int len);


/* Decode one UTF-8 code point; invalid bytes decode as U+FFFD of length 1. */
static inline int32
tc_decode_utf8(const unsigned char *s, int avail, int *clen)
{
	unsigned char c = s[0];

	if (c < 0x80)
	{
		*clen = 1;
		return c;
	}
	if (c >= 0xC2 && c < 0xE0 && avail >= 2 && (s[1] & 0xC0) == 0x80)
	{
		*clen = 2;
		return ((c & 0x1F) << 6) | (s[1] & 0x3F);
	}
	if (c >= 0xE0 && c < 0xF0 && avail >= 3 &&
		(s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80)
	{
		int32		cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);

		if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF))
		{
			*clen = 3;
			return cp;
		}
	}
	if (c >= 0xF0 && c < 0xF5 && avail >= 4 && (s[1] & 0xC0) == 0x80 &&
		(s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80)
	{
		int32		cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) |
			((s[2] & 0x3F) << 6) | (s[3] & 0x3F);

		if (cp >= 0x10000 && cp <= 0x10FFFF)
		{
			*clen = 4;
			return cp;
		}
	}
	*clen = 1;
	return 0xFFFD;
}

/* Append one code point to a StringInfo as UTF-8. */
extern void tc_append_utf8(StringInfo buf, int32 cp);

/* ---------------------------------------------------------------------
 * Judy arrays tied to memory contexts (judy.c)
 * ---------------------------------------------------------------------
 */

typedef enum TcJudyKind
{
	TC_JUDY_L,					/* word -> word */
	TC_JUDY_1,					/* set of words */
	TC_JUDY_SL,					/* NUL-terminated string -> word */
	TC_JUDY_HS					/* byte string -> word */
} TcJudyKind;

/*
 * A Judy array whose memory is released when the owning memory context is
 * reset or deleted.  Use the root pointer with the error-checked wrappers
 * below, never with Judy's macros (whose error path calls exit()).
 */
typedef struct TcJudy
{
	void	   *root;			/* the Judy array (NULL when empty) */
	TcJudyKind	kind;
	MemoryContextCallback cb;
} TcJudy;

extern TcJudy *tc_judy_create(MemoryContext cxt, TcJudyKind kind);
extern void **tc_judy_hs_insert(TcJudy *j, const void *key, Size len);
extern void **tc_judy_hs_get(TcJudy *j, const void *key, Size len);
extern void tc_judy_free(TcJudy *j);

/* ---------------------------------------------------------------------
 * Tokenizer (tokenizer.c) and normalisation (normalize.c)
 * ---------------------------------------------------------------------
 */

typedef enum TcTokenKind
{
	TC_WORD,
	TC_ELISION,					/* French elided article/pronoun: l' j' qu'... */
	TC_NUMBER,
	TC_HASHTAG,
	TC_MENTION,
	TC_CASHTAG,
	TC_URL,
	TC_EMAIL,
	TC_EMOJI,
	TC_EMOTICON,
	TC_PUNCT
} TcTokenKind;

#define TC_NUM_KINDS (TC_PUNCT + 1)

/* Token flags */
#define TC_F_ALLCAPS	0x01	/* two or more letters, all upper case */
#define TC_F_LOWER		0x02	/* has at least one lower-case letter */
#define TC_F_ELONGATED	0x04	/* a letter repeated 3+ times ("sooo") */
#define TC_F_NONASCII	0x08	/* has letters outside ASCII (accents...) */
#define TC_F_APOS		0x10	/* has an inner apostrophe (don't, aujourd'hui) */
#define TC_F_SPACE		0x20	/* normal form holds a space (from a compatibility
								 * character such as U+037A); never set for text
								 * in the Latin ranges */

typedef struct TcToken
{
	int			start;			/* byte offset of the original form */
	int			len;			/* byte length of the original form */
	int			position;		/* 1-based ordinal of the token */
	TcTokenKind kind;
	int			flags;
	const char *norm;			/* normal form (valid until the next token),
								 * NUL-terminated, and readable for at least
								 * TC_NORM_READABLE bytes whatever normlen */
	int			normlen;
	const char *squeezed;		/* elongations collapsed to one letter, or NULL */
	int			squeezedlen;
} TcToken;

/* tok->norm can be read (not written) this far, for fixed-size copies */
#define TC_NORM_READABLE 16

typedef struct TcTokenizer
{
	const unsigned char *s;
	int			len;
	int			pos;
	int			ntokens;
	bool		fold_accents;
	StringInfoData norm;
	StringInfoData squeezed;
	StringInfoData scratch;
} TcTokenizer;

extern void tc_tokenizer_init(TcTokenizer *tz, const char *s, int len, bool fold_accents);
extern TC_INTERNAL TcTokenizer *tc_tokenizer_shared(const char *s, int len, bool fold_accents);
extern TC_INTERNAL bool tc_next_token(TcTokenizer *tz, TcToken *tok);
extern void tc_tokenizer_free(TcTokenizer *tz);
extern const char *tc_kind_name(TcTokenKind kind);

/*
 * Normalise a word: NFKC, case folding, apostrophe variants unified, optional
 * accent folding.  Appends to out; returns flags (TC_F_*) observed.
 */
extern TC_INTERNAL int	tc_normalize_word(const unsigned char *s, int len, bool fold_accents,
							  StringInfo out, StringInfo scratch);

/*
 * Scan and normalise a word of ASCII and Latin letters with at least one
 * accent in one pass; returns its length, or 0 for the general path.
 */
extern TC_INTERNAL int	tc_scan_latin_word(const unsigned char *s, int avail, bool fold_accents,
							   StringInfo out, int *flags);

/* Is a code point part of a word (letter, digit or mark)? */
extern TC_INTERNAL bool tc_is_word_char(int32 cp);

/* Is a code point white space (or a control character)? */
extern TC_INTERNAL bool tc_is_space(int32 cp);

/* Is a code point a combining mark (Mn, Mc, Me)?  None below U+0300. */
extern TC_INTERNAL bool tc_is_mark(int32 cp);

/* Emoji helpers (emoji.c) */
extern TC_INTERNAL int	tc_scan_emoji(const unsigned char *s, int avail, StringInfo norm);
extern TC_INTERNAL int	tc_match_emoticon(const unsigned char *s, int avail, bool at_boundary);

/* false when no emoticon starts with ASCII byte c (a test before the call) */
extern PGDLLIMPORT bool tc_emoticon_first_byte[128];

/*
 * A bit for each pair of first two bytes (either case) of an emoticon, all
 * set until the list is built.  Emoticons are ASCII, so a second byte of
 * 0x80 or more answers for its low 7 bits: the test may pass where no
 * emoticon can start, never the other way round.
 */
extern PGDLLIMPORT uint64 tc_emoticon_pairs[128 * 128 / 64];

/* false when no emoticon starts with ASCII byte c0 followed by byte c1 */
static inline bool
tc_emoticon_may_start(unsigned char c0, unsigned char c1)
{
	uint32		bit = ((uint32) (c0 & 0x7F) << 7) | (c1 & 0x7F);

	return (tc_emoticon_pairs[bit / 64] >> (bit % 64)) & 1;
}

/* Is cp an apostrophe variant (' ’ ‘ ʼ ´ `)? */
static inline bool
tc_is_apostrophe(int32 cp)
{
	return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC ||
		cp == 0x00B4 || cp == '`';
}

/* ---------------------------------------------------------------------
 * Languages (langdetect.c)
 * ---------------------------------------------------------------------
 */

typedef enum TcLang
{
	TC_LANG_EN = 0,
	TC_LANG_FR = 1,
	TC_NUM_LANGS = 2,
	TC_LANG_NONE = -1
} TcLang;

extern const char *tc_lang_name(TcLang lang);

/* Parse a lang argument: 'en', 'fr' (any case), or NULL/'auto' for detection. */
extern TcLang tc_parse_lang(const char *s, bool allow_auto);

/* Utility: error out if called with a NULL lang where it matters, etc. */
#define TC_LANGS_ACCEPTED "'en', 'fr' or 'auto'"

#endif							/* CLIENTELE_TEXTCORE_H */
