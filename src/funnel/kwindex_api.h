/*
 * kwindex_api.h — the contract between the keyword matcher (src/funnel) and
 * the keyword index access method (src/index).
 *
 * The index never interprets query syntax and never chooses how a word is
 * normalised: both belong to the matcher, so an index can never disagree
 * with a sequential scan about what a message contains.
 *
 *  - At build and insert time the index asks the matcher for the index keys
 *    of a row's text (kw_text_keys): the normal forms the matcher compares
 *    query terms with, plus optional pseudo-keys (bytes starting with 0x01)
 *    for properties of the whole text such as its detected language.
 *
 *  - At scan time the index asks the matcher for a plan (kw_query_plan): a
 *    boolean condition over the presence of keys that every matching row
 *    satisfies.  The plan may be weaker than the query (a phrase becomes the
 *    AND of its words, NEAR/n the AND of its sides); the executor rechecks
 *    each candidate with the matcher, so only that implication must hold.
 *    A NOT node appears only over a child marked exact: "row has no key K"
 *    prunes correctly only when having K is exactly what the child means.
 *
 * Implemented in src/funnel; used by src/index.
 *
 * The match operator is  text @~> clientele.kwquery  (function
 * clientele.matches(text, kwquery)); no core type or common extension uses
 * the name @~>.  Keys are defined in src/funnel/kwunits.c: the case- and
 * accent-folded normal forms of the text's units (an elision and its word
 * are one unit with the keys "loreal" and "oreal"; a hashtag has "#x" and
 * "x"; an elongated word also its squeezed form), and the pseudo-key
 * "\x01fr" or "\x01en" for the language detected as by detect_language().
 * Keys longer than KW_MAX_KEY_BYTES are cut to that length.
 * kw_query_plan() takes a kwquery datum (it may be toasted) and raises the
 * same errors as the type input for a corrupt one.
 */
#ifndef CLIENTELE_KWINDEX_API_H
#define CLIENTELE_KWINDEX_API_H

#include "postgres.h"
#include "fmgr.h"

/* Longest key the matcher emits or a plan contains, in bytes. */
#define KW_MAX_KEY_BYTES	255

/* Kinds of plan node. */
typedef enum KwPlanKind
{
	KWP_KEY,					/* rows having exactly this key */
	KWP_PREFIX,					/* rows having a key that starts with key */
	KWP_PATTERN,				/* rows having a key that starts with key (a
								 * literal prefix, maybe empty) and for which
								 * kw_plan_pattern_match() is true */
	KWP_AND,					/* all children hold */
	KWP_OR,						/* at least one child holds */
	KWP_NOT,					/* the single child, which is exact, fails */
	KWP_ALL						/* no pruning possible: every row */
} KwPlanKind;

/* One node of a plan; a tree allocated in one memory context. */
typedef struct KwPlan
{
	KwPlanKind	kind;
	bool		exact;			/* true when the node is equivalent to the
								 * query part it came from, not only implied */
	const char *key;			/* KEY, PREFIX, PATTERN: UTF-8 key bytes */
	int			keylen;
	void	   *pattern;		/* PATTERN: the matcher's compiled pattern */
	int			nchildren;		/* AND, OR, NOT */
	struct KwPlan **children;
} KwPlan;

/* Receives one index key of a text; position is the 1-based ordinal of the
 * text unit (an elision shares its word's position; punctuation is not
 * counted), 0 for pseudo-keys.  The bytes are valid only during the call. */
typedef void (*KwKeyCallback) (void *arg, const char *key, int keylen, int position);

/* Call fn for every index key of the UTF-8 text, in text order, duplicates
 * included.  Must be cheap: it runs for every indexed row. */
extern void kw_text_keys(const char *utf8, int len, KwKeyCallback fn, void *arg);

/* Build the plan of a kwquery datum in the current memory context. */
extern KwPlan *kw_query_plan(Datum kwquery);

/* Does an index key satisfy a KWP_PATTERN node's pattern? */
extern bool kw_plan_pattern_match(const KwPlan *node, const char *key, int keylen);

#endif							/* CLIENTELE_KWINDEX_API_H */
