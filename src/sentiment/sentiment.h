/*
 * sentiment.h — rule-based sentiment scoring of French and English text.
 */
#ifndef CLIENTELE_SENTIMENT_H
#define CLIENTELE_SENTIMENT_H

#include "textcore.h"
#include "lexicon.h"

/* Evidence rule bits: why an item's valence was adjusted. */
#define SR_NEGATED		0x0001
#define SR_BOOSTED		0x0002
#define SR_DAMPENED		0x0004
#define SR_CAPS			0x0008
#define SR_ELONGATED	0x0010
#define SR_CONTRAST_BEFORE 0x0020
#define SR_CONTRAST_AFTER 0x0040
#define SR_CONCESSIVE	0x0080
#define SR_PHRASE		0x0100
#define SR_CUSTOM		0x0200
#define SR_EMOJI		0x0400
#define SR_HASHTAG		0x0800
#define SR_QUESTION		0x1000
#define SR_IRONY		0x2000
#define SR_NUM_RULES	14

/* One word, phrase or emoji that counted. */
typedef struct SentimentItem
{
	int			position;		/* token position of its first token */
	int			start;			/* byte range of the original text */
	int			len;
	float		valence;		/* lexicon valence */
	float		adjusted;		/* after every rule */
	int			rules;			/* SR_* bits */
	int			segment;		/* contrast segment it belongs to */
} SentimentItem;

/* A custom lexicon compiled for look-ups (custom.c). */
typedef struct CustomLexicon CustomLexicon;

typedef struct SentimentResult
{
	double		compound;		/* in [-1, 1] */
	double		positive;		/* shares, summing to 1 (0 for empty text) */
	double		negative;
	double		neutral;
	TcLang		lang;			/* language used (TC_LANG_NONE: both) */
	/* evidence, when asked for */
	SentimentItem *items;
	int			nitems;
	int			maxitems;
	int			dropped;		/* items beyond SENTIMENT_MAX_EVIDENCE */
} SentimentResult;

#define SENTIMENT_MAX_EVIDENCE 10000

/* Labels: compound at or above +threshold is positive, at or below -threshold negative. */
#define SENTIMENT_LABEL_THRESHOLD 0.05

extern void sentiment_score(const char *s, int len, TcLang lang,
							const CustomLexicon *custom, bool want_evidence,
							SentimentResult *res);
extern const char *sentiment_label(double compound);
extern const char *sentiment_rule_name(int bit);

/* custom.c */
extern bool custom_lookup(const CustomLexicon *lex, const char *key, int len,
						  float *valence, int *phrase_len);
/* userid: the user whose rights apply to the look-ups (GetUserId()) */
extern const CustomLexicon *custom_lexicon_get(FunctionCallInfo fcinfo, text *name,
											   Oid userid);

#endif
