/*
 * sentiment.c — rule-based sentiment of French and English messages.
 *
 * The scorer reads the token stream of the text core once, left to right,
 * and keeps a few tokens of look-ahead (for phrases) and a small amount of
 * state (for negation, boosters and contrast).  It never builds the whole
 * token list, so a 100 MB text is scored in constant memory.
 *
 * 1. Items.  A word, hashtag, emoji or emoticon with a valence in the
 *    lexicon of the message's language (on a -4..+4 scale) is an item.
 *    Multi-word expressions are tried first, longest first ("pas mal",
 *    "c'est une tuerie", "a waste of money"), and win over their words.
 *    A custom lexicon, when given, is consulted before the built-in one.
 *    Elongated words are looked up as written, then squeezed
 *    ("géniaaal" → "génial"); hashtags as written, then by their body.
 *
 * 2. Adjustments of a word item (emoji are never adjusted):
 *    - boosters and dampeners within the three previous words add their
 *      value in the direction of the valence, less 5% per word of distance
 *      ("très bon", "slightly annoying"); a booster in capitals in a
 *      mixed-case message adds CAPS_BOOST more;
 *    - a word in capitals in a mixed-case message gains CAPS_EMPHASIS;
 *    - an elongated word gains ELONGATION_EMPHASIS;
 *    - negation multiplies by NEGATION_FACTOR (about -0.74: "not good" is
 *      less negative than "bad" is).  A negated booster turns into a
 *      dampener ("pas très bon" is mildly negative).  Scope: the three
 *      words after a negator (not, never, n't, pas, jamais, sans), not
 *      counting function words and boosters ("never had a single issue"),
 *      ended by clause punctuation; French "ne … pas/plus/jamais/rien/guère/
 *      aucun/personne" negates every word of the clause from "ne", so the
 *      verb between them counts ("je ne l'aime pas"), and the three words
 *      after the closer ("n'est pas très bon");
 *    - inside a concessive clause ("although it's pricey", "même si") the
 *      item counts half.
 * 3. Contrast.  "but", "mais", "however", "par contre"... close a segment:
 *    items before the contrast count CONTRAST_BEFORE (0.5), items after it
 *    CONTRAST_AFTER (1.5); with several contrasts each middle segment gets
 *    both factors.
 * 4. Sentences.  Items wait for the end of their sentence.  In a question
 *    the positive words count QUESTION_POSITIVE_FACTOR (0.1): "is it good for dry
 *    skin?" asks, while "why is it so bad?" complains.
 * 5. Irony.  A message with an irony marker (🙄, 🙃, #sarcasm, #not...)
 *    reads its positive words the other way, at IRONY_FACTOR: "great,
 *    another delay 🙄" is negative.  Emoji keep their own valence.
 * 6. Punctuation.  Each "!" (at most four) adds EXCLAIM_EMPHASIS to the
 *    total in its direction; two or more "?" add QUESTION_EMPHASIS each (at
 *    most three).
 * 7. Compound.  The sum S of adjusted valences maps to S / sqrt(S² + 15),
 *    which is in (-1, 1) and near ±0.9 at S = ±5.  The positive, negative
 *    and neutral shares divide the positive sum, the negative sum and the
 *    count of words without valence by their total.
 *
 * The language is the one given, or detected from the first window of
 * tokens; when detection is undecidable both lexicons are used (a word
 * rated in both gets the mean of its two valences).
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "sentiment.h"

#define NEGATION_FACTOR		(-0.74f)
#define NEGATED_BOOST_FACTOR 0.6f	/* "not very good": a milder negation */
#define BOOST_DECAY			0.05f
#define BOOST_SCOPE			3
#define NEGATION_SCOPE		3
#define CAPS_EMPHASIS		0.733f
#define CAPS_BOOST			0.733f
#define ELONGATION_EMPHASIS	0.3f
#define CONTRAST_BEFORE		0.5
#define CONTRAST_AFTER		1.5
#define CONCESSIVE_FACTOR	0.5f
#define EXCLAIM_EMPHASIS	0.292
#define EXCLAIM_MAX			4
#define QUESTION_EMPHASIS	0.18
#define QUESTION_MAX		3
#define COMPOUND_ALPHA		15.0
#define QUESTION_POSITIVE_FACTOR 0.1f	/* calibrated on the development set */
#define IRONY_FACTOR		0.5

#define WINDOW				256		/* tokens of look-ahead buffer */
#define NORM_MAX			64		/* longer tokens are never in a lexicon */
#define PENDING_MAX			64		/* items of a sentence awaiting its end */

typedef struct WinTok
{
	TcTokenKind kind;
	int			flags;
	int			position;
	int			start;
	int			len;
	int			normlen;		/* bytes of norm (always valid) */
	bool		too_long;		/* the token is too long for any lexicon: norm
								 * holds a shortened form (see fill_window) */
	uint32		hash;			/* lex_hash() of norm, or 0 if not computed yet */
	const LexEntry *entry;		/* built-in entry of the token, or &no_entry */
	char		norm[NORM_MAX];
} WinTok;

typedef struct Scorer
{
	TcLang		lang;
	bool		mixed_case;
	const CustomLexicon *custom;
	SentimentResult *res;
	bool		want_evidence;

	/* totals */
	double		total_pos;		/* after segment factors */
	double		total_neg;
	double		seg_pos;		/* current contrast segment */
	double		seg_neg;
	double		seg_word_pos;	/* positive word items of the segment (irony) */
	double		total_word_pos;
	bool		irony;			/* an irony marker was seen (🙄, #sarcasm) */
	int			segment;
	int			neutral_words;
	int			exclaims;
	int			questions;

	/* state of the grammar rules */
	float		boost_sum;
	int			boost_age;		/* words since the last booster */
	int			neg_left;		/* words left in negation scope */
	bool		ne_open;		/* French "ne" awaiting its closer */
	int			ne_first;		/* first clause item after "ne" */
	bool		concessive;

	int			npending;		/* items of the current sentence, not yet committed */
	SentimentItem pending[PENDING_MAX];	/* last: not cleared at start */
} Scorer;

/*
 * The entry of a token that is in no lexicon: all zero (no valence, no
 * role, no phrase), so the scorer reads it like any other entry and never
 * branches on a missing one.
 */
static const LexEntry no_entry;

/* ---- entry accessors for the scoring language ---- */

/* Valence of an entry in lang (mean of both when lang is undecided). */
static inline bool
entry_valence(const LexEntry *e, TcLang lang, float *v)
{
	if (lang != TC_LANG_NONE)
	{
		if (!(e->flags[lang] & LEX_F_VALENCE))
			return false;
		*v = lex_valence(e, lang);
		return true;
	}
	if ((e->flags[0] & LEX_F_VALENCE) && (e->flags[1] & LEX_F_VALENCE))
		*v = (lex_valence(e, 0) + lex_valence(e, 1)) / 2;
	else if (e->flags[0] & LEX_F_VALENCE)
		*v = lex_valence(e, 0);
	else if (e->flags[1] & LEX_F_VALENCE)
		*v = lex_valence(e, 1);
	else
		return false;
	return true;
}

/* Grammar flags of an entry in lang (union of both when undecided). */
static inline int
entry_flags(const LexEntry *e, TcLang lang)
{
	return (lang != TC_LANG_NONE ? e->flags[lang] : (e->flags[0] | e->flags[1])) & LEX_F_RULES;
}

/* Booster value of an entry in lang. */
static inline float
entry_booster(const LexEntry *e, TcLang lang)
{
	if (lang != TC_LANG_NONE)
		return lex_booster(e, lang);
	return e->booster[0] != 0 ? lex_booster(e, 0) : lex_booster(e, 1);
}

/* Longest phrase starting with this entry in lang. */
static inline int
entry_phrase_len(const LexEntry *e, TcLang lang)
{
	return lang != TC_LANG_NONE ? e->phrase_len[lang] : Max(e->phrase_len[0], e->phrase_len[1]);
}

/* Does a word end in the English negative clitic n't? */
static inline bool
ends_in_nt(const WinTok *t)
{
	return (t->flags & TC_F_APOS) && t->normlen > 3 &&
		memcmp(t->norm + t->normlen - 3, "n't", 3) == 0;
}

/* ---- items, clauses, sentences and segments ---- */

/* Move the first upto pending items into the segment (and the evidence). */
static void
commit_pending(Scorer *sc, int upto)
{
	int			i;
	SentimentResult *res = sc->res;

	for (i = 0; i < upto; i++)
	{
		SentimentItem *it = &sc->pending[i];

		if (it->adjusted > 0)
		{
			sc->seg_pos += it->adjusted;
			if (!(it->rules & SR_EMOJI))
				sc->seg_word_pos += it->adjusted;
		}
		else
			sc->seg_neg -= it->adjusted;
		if (sc->want_evidence)
		{
			if (res->nitems >= SENTIMENT_MAX_EVIDENCE)
				res->dropped++;
			else
			{
				if (res->nitems >= res->maxitems)
				{
					res->maxitems = res->maxitems ? res->maxitems * 2 : 16;
					res->items = res->items ?
						repalloc(res->items, res->maxitems * sizeof(SentimentItem)) :
						palloc(res->maxitems * sizeof(SentimentItem));
				}
				res->items[res->nitems++] = *it;
			}
		}
	}
	if (upto < sc->npending)
		memmove(sc->pending, sc->pending + upto, (sc->npending - upto) * sizeof(SentimentItem));
	sc->npending -= upto;
	sc->ne_first = Max(0, sc->ne_first - upto);
}

/* End of a clause: close negation, boosters and concession. */
static void
end_clause(Scorer *sc)
{
	sc->neg_left = 0;
	sc->ne_open = false;
	sc->concessive = false;
	sc->boost_sum = 0;
	sc->boost_age = BOOST_SCOPE + 1;
}

/*
 * End of a sentence.  A question asks more than it judges: its positive
 * words ("is it good for dry skin?") count QUESTION_POSITIVE_FACTOR, while
 * its negative words ("why is it so bad?") keep their weight.
 */
static void
end_sentence(Scorer *sc, bool question)
{
	int			i;

	if (question)
		for (i = 0; i < sc->npending; i++)
		{
			SentimentItem *it = &sc->pending[i];

			if (it->adjusted > 0 && !(it->rules & SR_EMOJI))
			{
				it->adjusted *= QUESTION_POSITIVE_FACTOR;
				it->rules |= SR_QUESTION;
			}
		}
	commit_pending(sc, sc->npending);
	end_clause(sc);
}

/* Factor of a closed segment k (another contrast followed it). */
static inline double
closed_segment_factor(int k)
{
	return (k > 0 ? CONTRAST_AFTER : 1.0) * CONTRAST_BEFORE;
}

/* Add the segment's sums, with factor f, to the totals. */
static void
close_segment(Scorer *sc, double f)
{
	sc->total_pos += sc->seg_pos * f;
	sc->total_neg += sc->seg_neg * f;
	sc->total_word_pos += sc->seg_word_pos * f;
	sc->seg_pos = sc->seg_neg = sc->seg_word_pos = 0;
}

/* A contrast word: close the current segment. */
static void
contrast(Scorer *sc)
{
	commit_pending(sc, sc->npending);
	end_clause(sc);
	close_segment(sc, closed_segment_factor(sc->segment));
	sc->segment++;
}

/* Negate the clause's items since "ne" (a French closer arrived). */
static void
negate_since_ne(Scorer *sc)
{
	int			i;

	for (i = sc->ne_first; i < sc->npending; i++)
	{
		SentimentItem *it = &sc->pending[i];

		if (it->rules & (SR_NEGATED | SR_EMOJI | SR_HASHTAG))
			continue;
		it->adjusted *= (it->rules & SR_BOOSTED) ? NEGATION_FACTOR * NEGATED_BOOST_FACTOR : NEGATION_FACTOR;
		it->rules |= SR_NEGATED;
	}
	sc->ne_open = false;
}

/* Add an item for the tokens w[0..ntok) with the given valence (0: neutral words). */
static void
add_item(Scorer *sc, const WinTok *w, int ntok, float valence, int rules)
{
	SentimentItem *it;
	float		v = valence;
	const WinTok *last = &w[ntok - 1];

	/*
	 * Valence 0 neutralises: a custom brand name ("Belle Nature") or a
	 * built-in neutral phrase ("tentez de gagner") counts as neutral words.
	 */
	if (valence == 0)
	{
		sc->neutral_words += ntok;
		return;
	}
	if (sc->npending >= PENDING_MAX)
		commit_pending(sc, PENDING_MAX / 2);
	it = &sc->pending[sc->npending++];
	it->position = w->position;
	it->start = w->start;
	it->len = last->start + last->len - w->start;
	it->valence = valence;
	it->segment = sc->segment;

	if (!(rules & SR_EMOJI) && v != 0)
	{
		float		sign = v > 0 ? 1.0f : -1.0f;

		if (sc->boost_sum != 0 && sc->boost_age <= BOOST_SCOPE)
		{
			float		b = sc->boost_sum * (1.0f - BOOST_DECAY * sc->boost_age);

			if (b < 0 && fabsf(b) > fabsf(v))
				b = -fabsf(v);	/* a dampener never flips a sign */
			v += sign * b;
			rules |= b > 0 ? SR_BOOSTED : SR_DAMPENED;
		}
		if (sc->mixed_case && (w->flags & TC_F_ALLCAPS))
		{
			v += sign * CAPS_EMPHASIS;
			rules |= SR_CAPS;
		}
		if (w->flags & TC_F_ELONGATED)
		{
			v += sign * ELONGATION_EMPHASIS;
			rules |= SR_ELONGATED;
		}
		if (sc->neg_left > 0 && !(rules & SR_HASHTAG))
		{
			v *= (rules & SR_BOOSTED) ? NEGATION_FACTOR * NEGATED_BOOST_FACTOR : NEGATION_FACTOR;
			rules |= SR_NEGATED;
		}
		if (sc->concessive)
		{
			v *= CONCESSIVE_FACTOR;
			rules |= SR_CONCESSIVE;
		}
	}
	it->adjusted = v;
	it->rules = rules;
	sc->boost_sum = 0;
	sc->boost_age = BOOST_SCOPE + 1;
}

/* Does this punctuation token end a sentence (. ! ? … and their runs)? */
static inline bool
is_sentence_punct(const WinTok *t)
{
	char		c = t->norm[0];

	return c == '.' || c == '!' || c == '?';
}

/* Is this punctuation token a clause boundary? */
static inline bool
is_clause_punct(const WinTok *t)
{
	switch (t->norm[0])
	{
		case ',':
		case ';':
		case ':':
		case '.':
		case '!':
		case '?':
		case '(':
		case ')':
		case '[':
		case ']':
		case '"':
			return true;
		default:
			return t->normlen == 3 && memcmp(t->norm, "...", 3) == 0;
	}
}

/*
 * Try the phrases that start at w[0]: custom ones, then built-in.  On a
 * match returns its token count and sets *entry (built-in) or *custom_v.
 * Built-in phrases are walked token by token: every inner prefix of a
 * phrase is in the map (LEX_F_PREFIX), so the walk stops at the first
 * prefix no phrase has, usually after one look-up.
 */
static int
match_phrase(Scorer *sc, const WinTok *w, int avail, const LexEntry **entry,
			 float *custom_v, bool *is_custom)
{
	char		key[NORM_MAX * LEX_MAX_PHRASE + LEX_MAX_PHRASE];
	int			klen;
	int			custom_max = 0;
	int			best = 0;
	int			k,
				L;
	float		cv;

	/* custom phrases: longest first (custom lexicons are small) */
	if (sc->custom)
		custom_lookup(sc->custom, w->norm, w->normlen, &cv, &custom_max);
	for (L = Min(custom_max, avail); L >= 2; L--)
	{
		klen = 0;
		for (k = 0; k < L && !w[k].too_long; k++)
		{
			if (k > 0)
				key[klen++] = ' ';
			memcpy(key + klen, w[k].norm, w[k].normlen);
			klen += w[k].normlen;
		}
		if (k == L && custom_lookup(sc->custom, key, klen, &cv, NULL))
		{
			*custom_v = cv;
			*is_custom = true;
			return L;
		}
	}

	/* built-in phrases: walk the prefixes */
	if (entry_phrase_len(w->entry, sc->lang) < 2)
		return 0;
	/* the filter: most two-token keys tried here are absent */
	if (avail > 1 && !w[1].too_long && lex_pairs_usable &&
		!((w[0].flags | w[1].flags) & TC_F_SPACE))
	{
		uint32		h0 = w[0].hash ? w[0].hash : lex_hash(w[0].norm, w[0].normlen);
		uint32		h1 = w[1].hash ? w[1].hash : lex_hash(w[1].norm, w[1].normlen);

		if (!lex_pair_possible(h0, h1))
			return 0;
	}
	memcpy(key, w->norm, w->normlen);
	klen = w->normlen;
	for (k = 1; k < avail && k < LEX_MAX_PHRASE && !w[k].too_long; k++)
	{
		const LexEntry *pe;
		int			flags;

		key[klen++] = ' ';
		memcpy(key + klen, w[k].norm, w[k].normlen);
		klen += w[k].normlen;
		pe = lex_lookup(key, klen);
		if (pe == NULL)
			break;
		flags = entry_flags(pe, sc->lang);
		if (flags & ~(LEX_F_STOP | LEX_F_PREFIX))
		{
			best = k + 1;
			*entry = pe;
		}
		if (!(flags & LEX_F_PREFIX))
			break;
	}
	if (best > 0)
		*is_custom = false;
	return best;
}

/* Is this token an irony marker (🙄 🙃 #sarcasm #sarcasme #ironie #not)? */
static bool
is_irony_marker(const WinTok *w)
{
#define MARKER(s) {s, sizeof(s) - 1}
	static const struct
	{
		const char *text;
		int			len;
	}			markers[] = {
		MARKER("\xF0\x9F\x99\x84"),	/* U+1F644 face with rolling eyes */
		MARKER("\xF0\x9F\x99\x83"),	/* U+1F643 upside-down face */
		MARKER("#sarcasm"), MARKER("#sarcasme"), MARKER("#sarcastic"),
		MARKER("#irony"), MARKER("#ironie"), MARKER("#not")
	};
#undef MARKER
	int			i;

	if (w->kind != TC_EMOJI && w->kind != TC_HASHTAG)
		return false;
	/*
	 * What the markers have in common, tested first: a form of 4 bytes or of
	 * 6 to 10, whose second byte is 0x9F (the emoji) or 's', 'i', 'n'.
	 */
	if (!(w->normlen == 4 || (w->normlen >= 6 && w->normlen <= 10)) ||
		!(w->norm[1] == '\x9F' || w->norm[1] == 's' || w->norm[1] == 'i' || w->norm[1] == 'n'))
		return false;
	for (i = 0; i < lengthof(markers); i++)
		if (w->normlen == markers[i].len && memcmp(w->norm, markers[i].text, w->normlen) == 0)
			return true;
	return false;
}

/* Score the token at w[0] (w[0..avail) are available); returns tokens used. */
static int
score_token(Scorer *sc, const WinTok *w, int avail)
{
	const LexEntry *e = w->entry;
	int			used = 1;
	int			flags;
	float		v;
	bool		is_custom = false;
	int			rules = 0;

	/*
	 * The most common token, a word with no rating, no role and no phrase
	 * (at most a function word): what the full path below does with it, in
	 * short.  Not for n't words nor with a custom lexicon, which can rate it.
	 */
	if (w->kind == TC_WORD && sc->custom == NULL && !w->too_long &&
		!(w->flags & TC_F_APOS))
	{
		flags = entry_flags(e, sc->lang);
		if ((flags & ~LEX_F_STOP) == 0 && entry_phrase_len(e, sc->lang) < 2)
		{
			sc->neutral_words++;
			if (sc->neg_left > 0 && !(flags & LEX_F_STOP))
				sc->neg_left--;
			sc->boost_age++;
			return 1;
		}
	}

	switch (w->kind)
	{
		case TC_PUNCT:
			{
				int			i;

				for (i = 0; i < w->normlen; i++)
				{
					if (w->norm[i] == '!')
						sc->exclaims++;
					else if (w->norm[i] == '?')
						sc->questions++;
				}
				if (is_sentence_punct(w))
					end_sentence(sc, memchr(w->norm, '?', w->normlen) != NULL);
				else if (is_clause_punct(w))
					end_clause(sc);
				return 1;
			}
		case TC_URL:
		case TC_EMAIL:
		case TC_MENTION:
		case TC_NUMBER:
		case TC_CASHTAG:
			return 1;
		default:
			break;
	}

	if (w->too_long)
	{
		sc->neutral_words++;
		return 1;
	}
	if (is_irony_marker(w))
		sc->irony = true;

	/* phrases first, then the custom lexicon's word, then the built-in one */
	used = match_phrase(sc, w, avail, &e, &v, &is_custom);
	if (used > 1)
		rules |= SR_PHRASE;
	else
	{
		used = 1;
		e = w->entry;
		if (sc->custom && custom_lookup(sc->custom, w->norm, w->normlen, &v, NULL))
			is_custom = true;
	}
	flags = is_custom ? 0 : entry_flags(e, sc->lang);
	if (is_custom)
	{
		add_item(sc, w, used, v, rules | SR_CUSTOM | (w->kind == TC_HASHTAG ? SR_HASHTAG : 0));
		goto advance;
	}

	if (w->kind == TC_WORD && used == 1 && ends_in_nt(w))
		flags |= LEX_F_NEGATOR;

	if ((flags & (LEX_F_CLOSER | LEX_F_NEGATOR)) && sc->ne_open)
	{
		negate_since_ne(sc);
		sc->neg_left = NEGATION_SCOPE;
		return used;
	}
	if (flags & LEX_F_NEGATOR)
	{
		sc->neg_left = NEGATION_SCOPE;
		return used;
	}
	if (flags & LEX_F_NE)
	{
		sc->ne_open = true;
		sc->ne_first = sc->npending;
		return used;
	}
	if (flags & LEX_F_CONTRAST)
	{
		contrast(sc);
		return used;
	}
	if (flags & LEX_F_CONCESSIVE)
	{
		end_clause(sc);
		sc->concessive = true;
		return used;
	}
	if (flags & LEX_F_BOOSTER)
	{
		/* a booster that is also an adjective ("super") boosts only before a rated word */
		float		nv;
		bool		next_rated = used < avail && entry_valence(w[used].entry, sc->lang, &nv);

		if (!(flags & LEX_F_VALENCE) || next_rated)
		{
			sc->boost_sum += entry_booster(e, sc->lang) +
				((sc->mixed_case && (w->flags & TC_F_ALLCAPS)) ? CAPS_BOOST : 0);
			sc->boost_age = 0;
			return used;
		}
	}
	if (entry_valence(e, sc->lang, &v))
	{
		if (flags & LEX_F_EMOJI)
			rules |= SR_EMOJI;
		if (w->kind == TC_HASHTAG)
			rules |= SR_HASHTAG;
		add_item(sc, w, used, v, rules);
	}
	else if (w->kind == TC_WORD)
		sc->neutral_words++;

advance:
	/* function words ("had a single issue") do not use up the negation scope */
	if (sc->neg_left > 0 && !(flags & LEX_F_STOP))
		sc->neg_left--;
	sc->boost_age++;
	return used;
}

/*
 * The window form of a token whose normal form is NORM_MAX bytes or more:
 * no lexicon holds it, so it is marked too_long, but the rules still read
 * its form, which stays valid and keeps what they use.  A run of "!" and
 * "?" keeps its first character, and as many of each (up to half the
 * buffer, far above EXCLAIM_MAX and QUESTION_MAX) as it holds; any other
 * token keeps its first bytes, cut at a character boundary.
 */
static pg_noinline void
shorten_long_token(WinTok *t, const TcToken *tok)
{
	int			n = 0;

	StaticAssertStmt(EXCLAIM_MAX < NORM_MAX / 2 && QUESTION_MAX < NORM_MAX / 2,
					 "a shortened run of ! and ? must keep the counted marks");
	t->too_long = true;
	if (tok->kind == TC_PUNCT && (tok->norm[0] == '!' || tok->norm[0] == '?'))
	{
		int			nexcl = 0,
					nquest = 0,
					i;

		for (i = 0; i < tok->normlen; i++)
		{
			if (tok->norm[i] == '!')
				nexcl++;
			else if (tok->norm[i] == '?')
				nquest++;
		}
		nexcl = Min(nexcl, NORM_MAX / 2 - 1);
		nquest = Min(nquest, NORM_MAX / 2 - 1);
		t->norm[n++] = tok->norm[0];
		if (tok->norm[0] == '!')
			nexcl--;
		else
			nquest--;
		while (nexcl-- > 0)
			t->norm[n++] = '!';
		while (nquest-- > 0)
			t->norm[n++] = '?';
	}
	else
	{
		n = NORM_MAX - 1;
		/* back to the start of a UTF-8 character */
		while (n > 0 && (((unsigned char) tok->norm[n]) & 0xC0) == 0x80)
			n--;
		memcpy(t->norm, tok->norm, n);
	}
	t->norm[n] = '\0';
	t->normlen = n;
}

/* What the first window tells: language evidence and case style. */
typedef struct FirstWindow
{
	bool		detect;			/* gather language evidence */
	LangEvidence ev;
	int			caps;			/* words in capitals */
	int			words;			/* words with a case */
} FirstWindow;

/*
 * Read up to max tokens into w; returns the count, sets *ended at the end.
 * Tokens are read first, hashing each look-up key and prefetching its probe;
 * the look-ups follow, so that their memory reads overlap.  For the first
 * window (fw not NULL) the same pass gathers what fw holds.
 */
static int
fill_window(TcTokenizer *tz, WinTok *w, int max, bool *ended, FirstWindow *fw)
{
	TcToken		tok;
	int			n = 0;
	int			i;
	bool		lookup[WINDOW];
	uint32		body_hash[WINDOW];	/* of a short hashtag's body, or 0 */

	while (n < max)
	{
		WinTok	   *t = &w[n];

		if (!tc_next_token(tz, &tok))
		{
			*ended = true;
			break;
		}
		t->kind = tok.kind;
		t->flags = tok.flags;
		t->position = tok.position;
		t->start = tok.start;
		t->len = tok.len;
		t->entry = NULL;
		t->hash = 0;
		lookup[n] = false;
		body_hash[n] = 0;
		if (unlikely(tok.normlen >= NORM_MAX))
		{
			shorten_long_token(t, &tok);
			n++;
			continue;
		}
		t->too_long = false;
		t->normlen = tok.normlen;
		if (tok.normlen <= 16 && tok.squeezed == NULL &&
			tok.kind != TC_URL && tok.kind != TC_EMAIL && tok.kind != TC_MENTION &&
			tok.kind != TC_CASHTAG)
		{
			/*
			 * The common case: read the form once as two zero-padded words
			 * (tok.norm is readable for TC_NORM_READABLE bytes), copy them,
			 * hash them and prefetch the look-up.
			 */
			LexKey16	k = lex_key16(tok.norm, tok.normlen);

			memcpy(t->norm, &k.w0, 8);
			memcpy(t->norm + 8, &k.w1, 8);
			if (unlikely(lex_index == NULL))
				lex_ensure_loaded();
			t->hash = lex_hash16(k);
			lex_prefetch(t->hash);
			lookup[n] = true;
			/* a hashtag not in the map is looked up by its body: prefetch it too */
			if (tok.kind == TC_HASHTAG && tok.normlen > 1)
			{
				body_hash[n] = lex_hash16(lex_key16_tail(k));
				lex_prefetch(body_hash[n]);
			}
			n++;
			continue;
		}
		memcpy(t->norm, tok.norm, tok.normlen);
		if (tok.squeezed != NULL)
		{
			/* elongated: the form as written, else the squeezed one */
			t->entry = lex_lookup(tok.norm, tok.normlen);
			if (t->entry == NULL)
			{
				t->entry = lex_lookup(tok.squeezed, tok.squeezedlen);
				if (t->entry != NULL && tok.squeezedlen < NORM_MAX)
				{
					memcpy(t->norm, tok.squeezed, tok.squeezedlen);
					t->normlen = tok.squeezedlen;
				}
			}
		}
		/* URLs, e-mails, mentions and cashtags are never lexicon keys */
		else if (tok.kind != TC_URL && tok.kind != TC_EMAIL && tok.kind != TC_MENTION &&
				 tok.kind != TC_CASHTAG)
		{
			if (t->normlen <= 16)
			{
				/* t->norm is readable for NORM_MAX bytes: the fast form */
				if (unlikely(lex_index == NULL))
					lex_ensure_loaded();
				t->hash = lex_hash16(lex_key16(t->norm, t->normlen));
				lex_prefetch(t->hash);
			}
			else
				t->hash = lex_hash_prefetch(t->norm, t->normlen);
			lookup[n] = true;
		}
		n++;
	}
	/* the index positions have arrived: prefetch the slots they point to */
	for (i = 0; i < n; i++)
		if (lookup[i])
			lex_prefetch_slot(w[i].hash);
	for (i = 0; i < n; i++)
	{
		WinTok	   *t = &w[i];

		if (lookup[i] && t->normlen <= 16)
		{
			/* the form was stored zero-padded to 16 bytes above */
			LexKey16	k;

			memcpy(&k.w0, t->norm, 8);
			memcpy(&k.w1, t->norm + 8, 8);
			k.len = t->normlen;
			t->entry = lex_lookup16(k, t->hash);
		}
		else if (lookup[i])
			t->entry = lex_lookup_hashed(t->norm, t->normlen, t->hash);
		if (t->kind == TC_HASHTAG && t->entry == NULL && t->normlen > 1 && !t->too_long)
		{
			/* hashed above (lex_hash16 is never 0); t->norm is readable for NORM_MAX bytes */
			if (body_hash[i] != 0)
				t->entry = lex_lookup16(lex_key16(t->norm + 1, t->normlen - 1), body_hash[i]);
			else
				t->entry = lex_lookup(t->norm + 1, t->normlen - 1);
		}
		t->entry = t->entry ? t->entry : &no_entry;
		if (fw != NULL)
		{
			if (fw->detect)
				lang_observe_token(&fw->ev, t->kind, t->flags, t->norm,
								   t->too_long ? 0 : t->normlen, t->entry);
			if (t->kind == TC_WORD && (t->flags & (TC_F_ALLCAPS | TC_F_LOWER)))
			{
				fw->words++;
				fw->caps += (t->flags & TC_F_ALLCAPS) != 0;
			}
		}
	}
	return n;
}

/* Score UTF-8 text.  lang TC_LANG_NONE detects it; custom may be NULL. */
void
sentiment_score(const char *s, int len, TcLang lang, const CustomLexicon *custom,
				bool want_evidence, SentimentResult *res)
{
	WinTok		w[WINDOW];
	TcTokenizer *tz;
	Scorer		sc;
	int			n,
				i;
	bool		ended = false;
	double		S,
				pos,
				neg,
				total;

	memset(res, 0, sizeof(*res));
	memset(&sc, 0, offsetof(Scorer, pending));
	sc.custom = custom;
	sc.res = res;
	sc.want_evidence = want_evidence;
	sc.boost_age = BOOST_SCOPE + 1;

	lex_ensure_loaded();
	tz = tc_tokenizer_shared(s, len, true);

	/* language and case style from the first window */
	{
		FirstWindow fw = {lang == TC_LANG_NONE, {{0, 0}}, 0, 0};

		n = fill_window(tz, w, WINDOW, &ended, &fw);
		if (lang == TC_LANG_NONE)
			lang = lang_decide(&fw.ev);
		sc.mixed_case = fw.caps > 0 && fw.caps < fw.words;
	}
	sc.lang = lang;
	res->lang = lang;

	i = 0;
	for (;;)
	{
		while (i < n && (ended || i < n - LEX_MAX_PHRASE))
		{
			if ((i & 127) == 0)
				CHECK_FOR_INTERRUPTS();
			i += score_token(&sc, &w[i], n - i);
		}
		if (ended)
			break;
		/* slide the window: keep the look-ahead, read more */
		memmove(w, w + i, (n - i) * sizeof(WinTok));
		n -= i;
		i = 0;
		n += fill_window(tz, w + n, WINDOW - n, &ended, NULL);
	}

	/* close the last sentence and segment */
	end_sentence(&sc, false);
	close_segment(&sc, sc.segment > 0 ? CONTRAST_AFTER : 1.0);

	/* irony: the positive words were meant the other way */
	if (sc.irony)
	{
		sc.total_pos -= sc.total_word_pos;
		sc.total_neg += sc.total_word_pos * IRONY_FACTOR;
	}
	if (want_evidence)
	{
		for (i = 0; i < res->nitems; i++)
		{
			SentimentItem *it = &res->items[i];

			if (it->segment < sc.segment)
			{
				it->adjusted *= closed_segment_factor(it->segment);
				it->rules |= SR_CONTRAST_BEFORE;
			}
			else if (it->segment > 0)
			{
				it->adjusted *= CONTRAST_AFTER;
				it->rules |= SR_CONTRAST_AFTER;
			}
			if (sc.irony && it->adjusted > 0 && !(it->rules & SR_EMOJI))
			{
				it->adjusted *= -IRONY_FACTOR;
				it->rules |= SR_IRONY;
			}
		}
	}

	pos = sc.total_pos;
	neg = sc.total_neg;
	S = pos - neg;
	if (S != 0)
	{
		double		emph = Min(sc.exclaims, EXCLAIM_MAX) * EXCLAIM_EMPHASIS;

		if (sc.questions > 1)
			emph += Min(sc.questions, QUESTION_MAX) * QUESTION_EMPHASIS;
		if (S > 0)
		{
			S += emph;
			pos += emph;
		}
		else
		{
			S -= emph;
			neg += emph;
		}
	}
	res->compound = S / sqrt(S * S + COMPOUND_ALPHA);
	total = pos + neg + sc.neutral_words;
	if (total > 0)
	{
		res->positive = pos / total;
		res->negative = neg / total;
		res->neutral = sc.neutral_words / total;
	}
}

/* Label of a compound score. */
const char *
sentiment_label(double compound)
{
	if (compound >= SENTIMENT_LABEL_THRESHOLD)
		return "positive";
	if (compound <= -SENTIMENT_LABEL_THRESHOLD)
		return "negative";
	return "neutral";
}

/* Name of an evidence rule bit. */
const char *
sentiment_rule_name(int bit)
{
	static const char *const names[SR_NUM_RULES] = {
		"negated", "boosted", "dampened", "caps", "elongated", "contrast_before",
		"contrast_after", "concessive", "phrase", "custom", "emoji", "hashtag",
		"question", "irony"
	};
	int			i;

	for (i = 0; i < SR_NUM_RULES; i++)
		if (bit == (1 << i))
			return names[i];
	return "?";
}
