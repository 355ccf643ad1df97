/*
 * kwquery.h — keyword queries of the funnel: the parsed query tree, the
 * text units the matcher compares query terms with, the compiled matcher,
 * and the plain C entry points (also used by fuzz targets).
 */
#ifndef CLIENTELE_KWQUERY_H
#define CLIENTELE_KWQUERY_H

#include "postgres.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

#include "textcore.h"
#include "funnel/kwindex_api.h"

/* Limits of the query language. */
#define KW_MAX_NEAR_DISTANCE	1000	/* NEAR/n, "a b"~n */
#define KW_MAX_PHRASE_WORDS		64	/* words of one phrase */
#define KW_MAX_UNIT_KEYS		4	/* keys of one text unit */
#define KW_LANG_TOKENS			2000	/* tokens used to detect the language */

/* Kinds of query node. */
typedef enum KwNodeKind
{
	KWN_TERM,					/* a word or a phrase (several words in a row) */
	KWN_AND,
	KWN_OR,
	KWN_NOT,
	KWN_NEAR,					/* children within distance words */
	KWN_LANG					/* the text's detected language is lang */
} KwNodeKind;

/* One word of a term: an exact key, or a wildcard pattern over keys. */
typedef struct KwWord
{
	char	   *key;			/* folded normal form, or pattern with * and ? */
	int			keylen;
	bool		wildcard;
	int			prefixlen;		/* wildcard: bytes before the first * or ? */
	char	   *raw;			/* raw: the exact original form, or NULL */
	int			rawlen;
} KwWord;

typedef struct KwNode
{
	KwNodeKind	kind;
	int			nwords;			/* TERM */
	KwWord	   *words;
	bool		raw;			/* TERM: written raw: */
	int			nchildren;		/* AND, OR, NOT, NEAR */
	struct KwNode **children;
	int			distance;		/* NEAR */
	bool		ordered;		/* NEAR: children in this order */
	bool		slop_phrase;	/* NEAR written "a b"~n */
	TcLang		lang;			/* LANG */
} KwNode;

/*
 * A text unit: what one query word is compared with.  A word, number,
 * hashtag, mention, cashtag, URL, e-mail, emoji or emoticon; an elision
 * and the word it is attached to form one unit ("l'Oréal").  Punctuation
 * is not a unit.  Units are numbered from 1 in text order.
 */
typedef struct KwUnit
{
	int			position;
	int			start;			/* byte span of the whole unit */
	int			end;
	int			wstart;			/* byte start of the word after an elision */
	TcTokenKind kind;
	int			nkeys;
	const char *keys[KW_MAX_UNIT_KEYS];
	int			keylens[KW_MAX_UNIT_KEYS];
} KwUnit;

/* Receives each unit of a text; return false to stop the scan. */
typedef bool (*KwUnitCallback) (void *arg, const KwUnit *unit);

/*
 * Cut UTF-8 text into units and call fn for each.  When lang is not NULL
 * the detected language (the same as clientele.detect_language()) is
 * stored there; detection then reads the whole scan's first tokens even if
 * fn stops early.
 */
extern void kw_scan_units(const char *s, int len, KwUnitCallback fn, void *arg, TcLang *lang);

/* Pseudo-key of a detected language ("\x01" "fr"); len 3. */
extern const char *kw_lang_key(TcLang lang);

/* ---- parsing and printing (kwparse.c) ---- */

/* Parse a UTF-8 query; raises 42601/22P02 errors.  default_lang scopes the
 * whole query when it names a language and the query has no lang: of its own. */
extern KwNode *kw_parse(const char *q, int len, TcLang default_lang);

/* The canonical form of a query (UTF-8), which parses back to the same query. */
extern char *kw_print(const KwNode *root, int *len);

/* Does a UTF-8 key match a wildcard pattern (* any run, ? one character)? */
extern bool kw_glob_match(const char *pat, int patlen, const char *key, int keylen);

/* ---- the kwquery datum ---- */

/* On-disk form: a varlena holding a version byte and the canonical UTF-8 text. */
#define KWQUERY_VERSION 1
typedef struct KwQueryData
{
	int32		vl_len_;
	uint8		version;
	char		text[FLEXIBLE_ARRAY_MEMBER];
} KwQueryData;

#define KWQUERY_TEXT(q)		((q)->text)
#define KWQUERY_TEXTLEN(q)	(VARSIZE(q) - offsetof(KwQueryData, text))

/* Build a kwquery datum from a parsed query. */
extern KwQueryData *kw_make_datum(const KwNode *root);

/* Parse a (detoasted) kwquery datum back into its tree. */
extern KwNode *kw_datum_tree(const KwQueryData *q);

/* ---- matching (kwmatch.c) ---- */

typedef struct KwMatcher KwMatcher;

/* One hit of a term, for highlighting: units and bytes. */
typedef struct KwHit
{
	int			leaf;			/* term number, in query order from 0 */
	int			first;			/* first and last unit positions */
	int			last;
	int			start;			/* byte span in the text */
	int			end;
} KwHit;

/* Compile a query into a matcher allocated in cxt. */
extern KwMatcher *kw_compile(const KwNode *root, MemoryContext cxt);

/* Does UTF-8 text match?  When hits is not NULL, collect every hit of a
 * term that is not under NOT (palloc'd array in the current context). */
extern bool kw_match(KwMatcher *m, const char *s, int len, KwHit **hits, int *nhits);

/* Compile several queries (a theme set) into one matcher. */
extern KwMatcher *kw_compile_set(KwNode **roots, int n, MemoryContext cxt);

/* Match a text against every query of a set at once: the matching query
 * numbers go to out (ascending), their count is returned. */
extern int	kw_match_set(KwMatcher *m, const char *s, int len, int *out);

/* Did query i of the set match the last text given to kw_match_set()? */
extern bool kw_set_matched(KwMatcher *m, int i);

/* The canonical text of term number leaf (for match_positions()). */
extern const char *kw_leaf_text(KwMatcher *m, int leaf);

/* The matcher of a kwquery argument, compiled once per statement (fn_extra). */
extern KwMatcher *kw_matcher_for_arg(FunctionCallInfo fcinfo, int argno);

/* ---- plain C entry points for fuzz targets ---- */

/*
 * Parse a UTF-8 query, print it, parse the print again and check both
 * prints agree; compile it, match the text, and check that the text's index
 * keys satisfy the query plan whenever the text matches.  Returns 1 on a
 * match, 0 otherwise; raises an ERROR (SQLSTATE 42601/22P02) for a bad
 * query, and an internal error (XX000) when an invariant fails.
 */
extern int	kw_fuzz_query_match(const char *query, size_t qlen, const char *text, size_t tlen);

/* Parse a UTF-8 query and print its canonical form (palloc'd, NUL-terminated). */
extern char *kw_fuzz_parse(const char *query, size_t qlen);

#endif							/* CLIENTELE_KWQUERY_H */
