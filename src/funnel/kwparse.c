/*
 * kwparse.c — the keyword query language: lexer, recursive-descent parser,
 * canonical printer, wildcard matching.
 *
 * The syntax is the one of social-listening tools:
 *
 *   query   := or
 *   or      := and { "OR" and }
 *   and     := near { ["AND"] near }          implicit AND between operands
 *   near    := unary { ("NEAR/n" | "NEAR/nf" | "ONEAR/n") unary }
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")" | ["raw:"] word | ["raw:"] '"' words '"' ["~" n]
 *            | "lang:fr" | "lang:en"
 *
 * so NOT binds tighter than NEAR, NEAR than AND, AND than OR.  Operators are
 * upper case ("and" is a word).  A word is anything up to white space, a
 * parenthesis or a double quote; a backslash takes the next character
 * literally.  A word holding * (any run of characters) or ? (exactly one)
 * is a wildcard over the normal forms of text units.  Any other word, and
 * each word of a phrase, goes through the text core's tokenizer exactly as
 * message text does (kwunits.c), so "L'Oréal" becomes the key "loreal" and
 * a word that the tokenizer cuts in several units ("nutella.com") is a
 * phrase.  The operands of NEAR must be words, phrases, OR groups of those,
 * or NEAR groups: anything with positions in the text.
 *
 * A query prints back in a canonical form: operators explicit and upper
 * case, words as their keys, parentheses only where precedence needs them,
 * ONEAR/n as NEAR/nf.  Parsing the canonical form gives the same tree, so
 * the form is what a kwquery datum stores.  That holds only if every key,
 * read again, is that same word; a normal form is not always a fixed point
 * of the tokenizer (a combining mark folded away strands an apostrophe, NFKC
 * turns "ŀ" into "l·"), so each word is settled: replaced by the words of
 * its key until nothing changes (settle_keys), and a wildcard pattern is
 * normalised until it stops changing.
 *
 * Errors carry SQLSTATE 42601 (syntax) or 22P02 (an invalid value: unknown
 * language, distance out of range, wildcard too broad), the text at or near
 * which the parser stopped, its character position, what was expected and
 * a hint.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"

#include "funnel/kwquery.h"

typedef enum LexKind
{
	LX_END,
	LX_LPAREN,
	LX_RPAREN,
	LX_WORD,
	LX_PHRASE,
	LX_AND,
	LX_OR,
	LX_NOT,
	LX_NEAR,
	LX_LANG
} LexKind;

typedef struct Lexeme
{
	LexKind		kind;
	int			start;			/* byte offset in the query */
	int			end;
	bool		raw;			/* preceded by raw: */
	int			bodystart;		/* WORD, PHRASE: the text without raw: and quotes */
	int			bodyend;
	int			distance;		/* NEAR, PHRASE~n (-1: none) */
	bool		ordered;
	TcLang		lang;
} Lexeme;

typedef struct Parser
{
	const char *q;
	int			len;
	int			pos;
	Lexeme		cur;
	bool		has_lang;
} Parser;

static void lex_next(Parser *p);
static KwNode *parse_or(Parser *p);

/* Is the byte at q[i] white space (ASCII or Unicode)?  Sets its length. */
static bool
space_at(const char *q, int len, int i, int *clen)
{
	unsigned char c = q[i];

	*clen = 1;
	if (c < 0x80)
		return c <= ' ' || c == 0x7F;
	return tc_is_space(tc_decode_utf8((const unsigned char *) q + i, len - i, clen));
}

/* 1-based character number of a byte offset. */
static int
char_number(const char *q, int len, int off)
{
	int			n = 1;
	int			i = 0;

	while (i < off && i < len)
	{
		int			clen;

		tc_decode_utf8((const unsigned char *) q + i, len - i, &clen);
		i += clen;
		n++;
	}
	return n;
}

/* Raise a query error at [start, end) with what was expected and a hint. */
static void pg_attribute_noreturn()
query_error(Parser *p, int sqlstate, int start, int end, const char *expected, const char *hint)
{
	char	   *nearby;
	int			n;

	if (start >= p->len)
		nearby = pstrdup("end of query");
	else
	{
		int			want = Max(Min(end, p->len) - start, 1);

		/*
		 * Whole UTF-8 characters (the query is UTF-8 whatever the database
		 * encoding): at least one, then while within the span and 40 bytes.
		 */
		n = 0;
		while (start + n < p->len)
		{
			int			clen;

			tc_decode_utf8((const unsigned char *) p->q + start + n, p->len - start - n, &clen);
			if (n > 0 && (n + clen > want || n + clen > 40))
				break;
			n += clen;
		}
		nearby = psprintf("\"%s\"", tc_utf8_to_cstring(p->q + start, n));
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("invalid keyword query at or near %s", nearby),
			 errdetail("%s, at character %d of the query.", expected,
					   char_number(p->q, p->len, start)),
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

/* End of a bare word starting at i: white space, parenthesis or quote. */
static int
word_end(const char *q, int len, int i)
{
	while (i < len)
	{
		int			clen;

		if (q[i] == '\\' && i + 1 < len)
		{
			tc_decode_utf8((const unsigned char *) q + i + 1, len - i - 1, &clen);
			i += 1 + clen;
			continue;
		}
		if (q[i] == '(' || q[i] == ')' || q[i] == '"' || space_at(q, len, i, &clen))
			break;
		i += clen;
	}
	return i;
}

/* Does q[s..e) equal the ASCII string w? */
static bool
slice_is(const char *q, int s, int e, const char *w)
{
	int			n = strlen(w);

	return e - s == n && memcmp(q + s, w, n) == 0;
}

/* Parse "n" or "nf" after NEAR/ or ONEAR/; false when malformed. */
static bool
parse_distance(const char *q, int s, int e, bool allow_f, int *distance, bool *ordered)
{
	int64		n = 0;
	int			i = s;

	if (i >= e || q[i] < '0' || q[i] > '9')
		return false;
	while (i < e && q[i] >= '0' && q[i] <= '9')
	{
		n = n * 10 + (q[i] - '0');
		if (n > 1000000)
			n = 1000000;
		i++;
	}
	*ordered = false;
	if (i < e && allow_f && q[i] == 'f')
	{
		*ordered = true;
		i++;
	}
	if (i != e)
		return false;
	*distance = (int) n;
	return true;
}

/* Read the lexeme at p->pos into p->cur. */
static void
lex_next(Parser *p)
{
	const char *q = p->q;
	int			len = p->len;
	int			i = p->pos;
	int			clen;
	Lexeme	   *lx = &p->cur;

	while (i < len && space_at(q, len, i, &clen))
		i += clen;
	memset(lx, 0, sizeof(Lexeme));
	lx->start = i;
	lx->distance = -1;
	if (i >= len)
	{
		lx->kind = LX_END;
		lx->end = i;
		p->pos = i;
		return;
	}
	if (q[i] == '(' || q[i] == ')')
	{
		lx->kind = q[i] == '(' ? LX_LPAREN : LX_RPAREN;
		lx->end = p->pos = i + 1;
		return;
	}
	if (q[i] == '-' && i + 1 < len && !space_at(q, len, i + 1, &clen) && q[i + 1] != ')')
	{
		lx->kind = LX_NOT;
		lx->end = p->pos = i + 1;
		return;
	}
	if (len - i >= 4 && pg_strncasecmp(q + i, "raw:", 4) == 0)
	{
		lx->raw = true;
		i += 4;
		if (i >= len || space_at(q, len, i, &clen) || q[i] == '(' || q[i] == ')')
			query_error(p, ERRCODE_SYNTAX_ERROR, lx->start, i,
						"Expected a word or a \"phrase\" right after raw:",
						"Write raw:L'Oréal or raw:\"L'Oréal Paris\", without a space.");
	}
	if (q[i] == '"')
	{
		int			j = i + 1;

		while (j < len && q[j] != '"')
			j += (q[j] == '\\' && j + 1 < len) ? 2 : 1;
		if (j >= len)
			query_error(p, ERRCODE_SYNTAX_ERROR, i, len,
						"Expected a closing double quote",
						"Close the phrase with \", or write \\\" for a quote inside it.");
		lx->kind = LX_PHRASE;
		lx->bodystart = i + 1;
		lx->bodyend = j;
		j++;
		if (j < len && q[j] == '~')
		{
			int			k = j + 1;
			bool		ordered;

			while (k < len && q[k] >= '0' && q[k] <= '9')
				k++;
			if (!parse_distance(q, j + 1, k, false, &lx->distance, &ordered))
				query_error(p, ERRCODE_SYNTAX_ERROR, j, k + 1,
							"Expected a word count after ~",
							"Write \"a b\"~3 for a and b within 3 words of each other.");
			j = k;
		}
		lx->end = p->pos = j;
		return;
	}
	{
		int			e = word_end(q, len, i);

		lx->end = p->pos = e;
		lx->bodystart = i;
		lx->bodyend = e;
		if (e == i)
			query_error(p, ERRCODE_SYNTAX_ERROR, lx->start, e + 1,
						"Expected a word or a \"phrase\" after raw:", NULL);
		if (lx->raw)
		{
			lx->kind = LX_WORD;
			return;
		}
		if (slice_is(q, i, e, "AND"))
			lx->kind = LX_AND;
		else if (slice_is(q, i, e, "OR"))
			lx->kind = LX_OR;
		else if (slice_is(q, i, e, "NOT"))
			lx->kind = LX_NOT;
		else if (e - i >= 4 && (memcmp(q + i, "NEAR", 4) == 0 ||
								(e - i >= 5 && memcmp(q + i, "ONEAR", 5) == 0)))
		{
			bool		onear = q[i] == 'O';
			int			k = i + (onear ? 5 : 4);

			if (k >= e || q[k] != '/' ||
				!parse_distance(q, k + 1, e, !onear, &lx->distance, &lx->ordered))
				query_error(p, ERRCODE_SYNTAX_ERROR, i, e,
							onear ? "Expected ONEAR/n with a word count n" :
							"Expected NEAR/n or NEAR/nf with a word count n",
							"Write a NEAR/3 b (within 3 words, any order) or a NEAR/3f b (in order).");
			if (onear)
				lx->ordered = true;
			if (lx->distance < 1 || lx->distance > KW_MAX_NEAR_DISTANCE)
				query_error(p, ERRCODE_INVALID_TEXT_REPRESENTATION, i, e,
							"Expected a word count between 1 and 1000", NULL);
			lx->kind = LX_NEAR;
		}
		else if (e - i >= 5 && pg_strncasecmp(q + i, "lang:", 5) == 0)
		{
			lx->kind = LX_LANG;
			if (e - i == 7 && pg_strncasecmp(q + i + 5, "fr", 2) == 0)
				lx->lang = TC_LANG_FR;
			else if (e - i == 7 && pg_strncasecmp(q + i + 5, "en", 2) == 0)
				lx->lang = TC_LANG_EN;
			else
				query_error(p, ERRCODE_INVALID_TEXT_REPRESENTATION, i, e,
							"Expected lang:fr or lang:en",
							"Languages are detected as by clientele.detect_language(): 'fr' or 'en'.");
		}
		else
			lx->kind = LX_WORD;
	}
}

/* A node of a kind, with no children yet. */
static KwNode *
new_node(KwNodeKind kind)
{
	KwNode	   *n = palloc0(sizeof(KwNode));

	n->kind = kind;
	return n;
}

/* Append a child to an AND, OR or NEAR node (the array grows by doubling). */
static void
add_child(KwNode *n, KwNode *child)
{
	if (n->nchildren == 0)
		n->children = palloc(sizeof(KwNode *) * 2);
	else if ((n->nchildren & (n->nchildren - 1)) == 0 && n->nchildren >= 2)
		n->children = repalloc(n->children, sizeof(KwNode *) * n->nchildren * 2);
	n->children[n->nchildren++] = child;
}

/* Words of a term under construction. */
typedef struct WordList
{
	KwWord	   *words;
	int			n;
	int			cap;
	const char *src;			/* unescaped chunk text, for raw forms */
} WordList;

/* Append a word to a list. */
static KwWord *
wordlist_add(WordList *wl)
{
	if (wl->n == wl->cap)
	{
		wl->cap = wl->cap ? wl->cap * 2 : 4;
		wl->words = wl->words ? repalloc(wl->words, sizeof(KwWord) * wl->cap) :
			palloc(sizeof(KwWord) * wl->cap);
	}
	memset(&wl->words[wl->n], 0, sizeof(KwWord));
	return &wl->words[wl->n++];
}

/* Unit callback: one query word per text unit, keyed by its first key. */
static bool
collect_unit(void *arg, const KwUnit *u)
{
	WordList   *wl = (WordList *) arg;
	KwWord	   *w = wordlist_add(wl);

	w->key = pnstrdup(u->keys[0], u->keylens[0]);
	w->keylen = u->keylens[0];
	w->raw = pnstrdup(wl->src + u->start, u->end - u->start);
	w->rawlen = u->end - u->start;
	return true;
}

/*
 * Make the words wl->words[from..] fixed points of the tokenizer: a word's
 * key, scanned again as query text, must give that one word back, or the
 * canonical form (which prints keys) would not parse back to the same query.
 * Normalising can leave a key that tokenizes differently: a joiner stranded
 * by a combining mark that folding removed ("c\u035El`\u0353" gives "cl'"),
 * a compatibility letter that expands to letter and punctuation ("ŀ" gives
 * "l·"), an elongation normalised twice.  Such a word is replaced by the
 * words of its key, again until nothing changes (a few rounds at most; keys
 * only shrink or split).  Raw words print their original form: left alone.
 */
static void
settle_keys(WordList *wl, int from)
{
	int			round;

	for (round = 0; round < 8; round++)
	{
		WordList	next = {NULL, 0, 0, NULL};
		bool		changed = false;
		int			i;

		for (i = from; i < wl->n; i++)
		{
			KwWord	   *w = &wl->words[i];
			WordList	again = {NULL, 0, 0, NULL};
			int			j;

			again.src = w->key;
			kw_scan_units(w->key, w->keylen, collect_unit, &again, NULL);
			if (again.n == 1 && again.words[0].keylen == w->keylen &&
				memcmp(again.words[0].key, w->key, w->keylen) == 0)
				*wordlist_add(&next) = *w;
			else
			{
				changed = true;
				for (j = 0; j < again.n; j++)
				{
					KwWord	   *nw = wordlist_add(&next);

					nw->key = again.words[j].key;
					nw->keylen = again.words[j].keylen;
				}
			}
		}
		if (!changed)
			return;
		/* put the settled words back in place of wl->words[from..] */
		wl->n = from;
		for (i = 0; i < next.n; i++)
			*wordlist_add(wl) = next.words[i];
	}
}

/* Count the code points of UTF-8 bytes. */
static int
count_chars(const char *s, int len)
{
	int			n = 0,
				i = 0,
				clen;

	while (i < len)
	{
		tc_decode_utf8((const unsigned char *) s + i, len - i, &clen);
		i += clen;
		n++;
	}
	return n;
}

/*
 * Turn one chunk of query text (a bare word, or a white-space separated
 * piece of a phrase, at q[s..e)) into words appended to wl.
 */
static void
chunk_words(Parser *p, int s, int e, bool raw, WordList *wl)
{
	StringInfoData lit;
	bool		wildcard = false;
	bool		escaped_meta = false;
	int			i = s;

	/* unescape, noting unescaped wildcards */
	initStringInfo(&lit);
	while (i < e)
	{
		if (p->q[i] == '\\' && i + 1 < e)
		{
			if (p->q[i + 1] == '*' || p->q[i + 1] == '?')
				escaped_meta = true;
			i++;
		}
		else if (p->q[i] == '*' || p->q[i] == '?')
			wildcard = true;
		appendStringInfoChar(&lit, p->q[i]);
		i++;
	}

	if (wildcard)
	{
		StringInfoData pat;
		StringInfoData prev;
		StringInfoData scratch;
		int			a,
					b,
					at,
					round,
					literal = 0,
					prefix = -1;
		KwWord	   *w;

		if (raw)
			query_error(p, ERRCODE_SYNTAX_ERROR, s, e, "Expected a raw: form without wildcards",
						"Wildcards apply to normal forms; drop raw: to use them.");
		if (escaped_meta)
			query_error(p, ERRCODE_SYNTAX_ERROR, s, e,
						"Expected a wildcard word without escaped * or ?", NULL);
		{
			int			clen;

			for (at = 0; at < lit.len; at += clen)
				if (space_at(lit.data, lit.len, at, &clen))
					query_error(p, ERRCODE_SYNTAX_ERROR, s, e,
								"Expected a wildcard word without white space",
								"A wildcard stands inside one word; use a phrase for several words.");
		}
		/*
		 * Normalise the letters between the metacharacters; then again on
		 * the result until it no longer changes (a normal form that is not a
		 * fixed point, as "ŀ" giving "l·", would print a pattern that parses
		 * to another one).
		 */
		initStringInfo(&scratch);
		prev.data = NULL;
		prev.len = 0;
		for (round = 0;; round++)
		{
			const char *src = round == 0 ? lit.data : prev.data;
			int			srclen = round == 0 ? lit.len : prev.len;

			initStringInfo(&pat);
			a = 0;
			literal = 0;
			prefix = -1;
			while (a <= srclen)
			{
				b = a;
				while (b < srclen && src[b] != '*' && src[b] != '?')
					b++;
				if (b > a)
				{
					int			before = pat.len;

					/* count what is left after normalising: a lone accent is no letter */
					tc_normalize_word((const unsigned char *) src + a, b - a, true, &pat, &scratch);
					literal += count_chars(pat.data + before, pat.len - before);
					/* a compatibility form ("＊", "U+037A") must not bring a * ? or space */
					for (at = before; at < pat.len; at++)
						if (pat.data[at] == '*' || pat.data[at] == '?' || pat.data[at] == ' ')
							query_error(p, ERRCODE_SYNTAX_ERROR, s, e,
										"Expected a wildcard word whose letters do not normalise to *, ? or a space",
										"Write the letters without compatibility forms such as fullwidth ＊ or ？.");
				}
				if (b >= srclen)
					break;
				if (prefix < 0)
					prefix = pat.len;
				/* a run of * is one * */
				if (!(src[b] == '*' && pat.len > 0 && pat.data[pat.len - 1] == '*'))
					appendStringInfoChar(&pat, src[b]);
				a = b + 1;
			}
			if (round > 0 && pat.len == prev.len && memcmp(pat.data, prev.data, pat.len) == 0)
				break;
			if (round > 0)
				pfree(prev.data);
			prev = pat;
			if (round == 8)
				break;
		}
		if (literal < 2)
			query_error(p, ERRCODE_INVALID_TEXT_REPRESENTATION, s, e,
						"Expected at least two characters besides * and ? in a wildcard word",
						"A wildcard with fewer letters would match almost every message.");
		w = wordlist_add(wl);
		w->key = pat.data;
		w->keylen = pat.len;
		w->wildcard = true;
		w->prefixlen = prefix < 0 ? pat.len : prefix;
		pfree(scratch.data);
		pfree(lit.data);
		return;
	}

	wl->src = lit.data;
	{
		int			before = wl->n;

		kw_scan_units(lit.data, lit.len, collect_unit, wl, NULL);
		if (!raw)
			settle_keys(wl, before);
		if (wl->n == before)
			query_error(p, ERRCODE_SYNTAX_ERROR, s, e,
						"Expected a word, hashtag, mention, cashtag or emoji, not punctuation only",
						NULL);
	}
}

/* Build the term (or the sloppy phrase, a NEAR node) of a WORD or PHRASE lexeme. */
static KwNode *
make_term(Parser *p)
{
	Lexeme	   *lx = &p->cur;
	WordList	wl = {NULL, 0, 0, NULL};
	KwNode	   *n;
	int			i;

	if (lx->kind == LX_WORD)
		chunk_words(p, lx->bodystart, lx->bodyend, lx->raw, &wl);
	else
	{
		int			j = lx->bodystart;

		while (j < lx->bodyend)
		{
			int			clen,
						e;

			if (space_at(p->q, lx->bodyend, j, &clen))
			{
				j += clen;
				continue;
			}
			e = j;
			while (e < lx->bodyend)
			{
				if (p->q[e] == '\\' && e + 1 < lx->bodyend)
				{
					e += 2;
					continue;
				}
				if (space_at(p->q, lx->bodyend, e, &clen))
					break;
				e += clen;
			}
			chunk_words(p, j, e, lx->raw, &wl);
			j = e;
		}
		if (wl.n == 0)
			query_error(p, ERRCODE_SYNTAX_ERROR, lx->start, lx->end,
						"Expected words inside the quotes", "Remove the empty phrase.");
	}
	if (wl.n > KW_MAX_PHRASE_WORDS)
		query_error(p, ERRCODE_PROGRAM_LIMIT_EXCEEDED, lx->start, lx->end,
					"Expected a phrase of at most 64 words", NULL);
	if (!lx->raw)
		for (i = 0; i < wl.n; i++)
			wl.words[i].raw = NULL, wl.words[i].rawlen = 0;

	if (lx->distance >= 0 && wl.n > 1)
	{
		if (lx->distance < 1 || lx->distance > KW_MAX_NEAR_DISTANCE)
			query_error(p, ERRCODE_INVALID_TEXT_REPRESENTATION, lx->start, lx->end,
						"Expected a word count between 1 and 1000 after ~", NULL);
		n = new_node(KWN_NEAR);
		n->distance = lx->distance;
		n->slop_phrase = true;
		for (i = 0; i < wl.n; i++)
		{
			KwNode	   *t = new_node(KWN_TERM);

			t->nwords = 1;
			t->words = palloc(sizeof(KwWord));
			t->words[0] = wl.words[i];
			t->raw = lx->raw;
			add_child(n, t);
		}
		return n;
	}
	n = new_node(KWN_TERM);
	n->nwords = wl.n;
	n->words = wl.words;
	n->raw = lx->raw;
	return n;
}

/* Can a node be an operand of NEAR (does it have positions)? */
static bool
near_operand(const KwNode *n)
{
	int			i;

	if (n->kind == KWN_TERM || n->kind == KWN_NEAR)
		return true;
	if (n->kind != KWN_OR)
		return false;
	for (i = 0; i < n->nchildren; i++)
		if (!near_operand(n->children[i]))
			return false;
	return true;
}

/* Does a lexeme start an operand? */
static bool
starts_operand(LexKind k)
{
	return k == LX_WORD || k == LX_PHRASE || k == LX_LPAREN || k == LX_NOT || k == LX_LANG;
}

/* primary := "(" or ")" | term | phrase | lang:xx */
static KwNode *
parse_primary(Parser *p)
{
	Lexeme	   *lx = &p->cur;
	KwNode	   *n;

	switch (lx->kind)
	{
		case LX_LPAREN:
			{
				int			open = lx->start;

				lex_next(p);
				if (p->cur.kind == LX_RPAREN)
					query_error(p, ERRCODE_SYNTAX_ERROR, open, p->cur.end,
								"Expected a query inside the parentheses", "Remove the empty parentheses.");
				n = parse_or(p);
				if (p->cur.kind != LX_RPAREN)
					query_error(p, ERRCODE_SYNTAX_ERROR, p->cur.start, p->cur.end,
								"Expected a closing parenthesis",
								psprintf("The parenthesis at character %d is not closed.",
										 char_number(p->q, p->len, open)));
				lex_next(p);
				return n;
			}
		case LX_WORD:
		case LX_PHRASE:
			n = make_term(p);
			lex_next(p);
			return n;
		case LX_LANG:
			n = new_node(KWN_LANG);
			n->lang = lx->lang;
			p->has_lang = true;
			lex_next(p);
			return n;
		case LX_END:
			query_error(p, ERRCODE_SYNTAX_ERROR, lx->start, lx->end,
						"Expected a word, a \"phrase\" or a parenthesis",
						"The query ends where a term is needed, as after AND, OR, NOT or NEAR/n.");
		case LX_RPAREN:
			query_error(p, ERRCODE_SYNTAX_ERROR, lx->start, lx->end,
						"Expected a term before the closing parenthesis",
						"Check that every ) has its ( and follows a term.");
		default:
			query_error(p, ERRCODE_SYNTAX_ERROR, lx->start, lx->end,
						"Expected a term before this operator",
						"Operators go between terms: a AND b, a OR b, a NEAR/3 b; NOT goes before one.");
	}
}

/* unary := ("NOT" | "-") unary | primary */
static KwNode *
parse_unary(Parser *p)
{
	check_stack_depth();
	if (p->cur.kind == LX_NOT)
	{
		KwNode	   *n = new_node(KWN_NOT);

		lex_next(p);
		add_child(n, parse_unary(p));
		return n;
	}
	return parse_primary(p);
}

/* near := unary { NEAR/n unary } */
static KwNode *
parse_near(Parser *p)
{
	KwNode	   *left = parse_unary(p);

	while (p->cur.kind == LX_NEAR)
	{
		Lexeme		op = p->cur;
		KwNode	   *right;

		if (!near_operand(left))
			query_error(p, ERRCODE_SYNTAX_ERROR, op.start, op.end,
						"Expected a word, phrase or OR group before NEAR",
						"NEAR compares positions: write (a OR b) NEAR/3 c, not NOT a NEAR/3 c or (a AND b) NEAR/3 c.");
		lex_next(p);
		right = parse_unary(p);
		if (!near_operand(right))
			query_error(p, ERRCODE_SYNTAX_ERROR, op.start, op.end,
						"Expected a word, phrase or OR group after NEAR",
						"NEAR compares positions: write a NEAR/3 (b OR c), not a NEAR/3 NOT b.");
		if (left->kind == KWN_NEAR && !left->slop_phrase &&
			left->distance == op.distance && left->ordered == op.ordered)
			add_child(left, right);
		else
		{
			KwNode	   *n = new_node(KWN_NEAR);

			n->distance = op.distance;
			n->ordered = op.ordered;
			add_child(n, left);
			add_child(n, right);
			left = n;
		}
	}
	return left;
}

/* Append an operand to an AND/OR node, flattening nested nodes of the same kind. */
static void
add_flat(KwNode *n, KwNode *child)
{
	int			i;

	if (child->kind == n->kind)
		for (i = 0; i < child->nchildren; i++)
			add_child(n, child->children[i]);
	else
		add_child(n, child);
}

/* and := near { ["AND"] near } */
static KwNode *
parse_and(Parser *p)
{
	KwNode	   *first = parse_near(p);
	KwNode	   *n = NULL;

	for (;;)
	{
		KwNode	   *next;

		if (p->cur.kind == LX_AND)
			lex_next(p);
		else if (!starts_operand(p->cur.kind))
			break;
		next = parse_near(p);
		if (n == NULL)
		{
			n = new_node(KWN_AND);
			add_flat(n, first);
		}
		add_flat(n, next);
		if ((n->nchildren & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return n ? n : first;
}

/* or := and { "OR" and } */
static KwNode *
parse_or(Parser *p)
{
	KwNode	   *first = parse_and(p);
	KwNode	   *n = NULL;

	while (p->cur.kind == LX_OR)
	{
		lex_next(p);
		if (n == NULL)
		{
			n = new_node(KWN_OR);
			add_flat(n, first);
		}
		add_flat(n, parse_and(p));
		if ((n->nchildren & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return n ? n : first;
}

/* Parse a UTF-8 query (see the essay above). */
KwNode *
kw_parse(const char *q, int len, TcLang default_lang)
{
	Parser		p;
	KwNode	   *root;

	p.q = q;
	p.len = len;
	p.pos = 0;
	p.has_lang = false;
	lex_next(&p);
	if (p.cur.kind == LX_END)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid keyword query: the query is empty"),
				 errhint("Write words, \"phrases\" and operators, as in: loreal OR \"l'oréal paris\".")));
	root = parse_or(&p);
	if (p.cur.kind != LX_END)
		query_error(&p, ERRCODE_SYNTAX_ERROR, p.cur.start, p.cur.end,
					p.cur.kind == LX_RPAREN ? "Expected no closing parenthesis here" :
					"Expected the end of the query",
					p.cur.kind == LX_RPAREN ? "This ) closes no (." : NULL);
	if (default_lang != TC_LANG_NONE && !p.has_lang)
	{
		KwNode	   *and = new_node(KWN_AND);
		KwNode	   *l = new_node(KWN_LANG);

		l->lang = default_lang;
		add_flat(and, root);
		add_child(and, l);
		root = and;
	}
	return root;
}

/* ---- printing ---- */

/* Precedence level of a node when printed. */
static int
print_level(const KwNode *n)
{
	switch (n->kind)
	{
		case KWN_OR:
			return 1;
		case KWN_AND:
			return 2;
		case KWN_NEAR:
			return n->slop_phrase ? 5 : 3;
		case KWN_NOT:
			return 4;
		default:
			return 5;
	}
}

/* Append bytes inside double quotes, escaping quote, backslash and (unless a pattern) wildcards. */
static void
append_quoted_body(StringInfo out, const char *s, int len, bool pattern)
{
	int			i;

	for (i = 0; i < len; i++)
	{
		if (s[i] == '"' || s[i] == '\\' || (!pattern && (s[i] == '*' || s[i] == '?')))
			appendStringInfoChar(out, '\\');
		appendStringInfoChar(out, s[i]);
	}
}

/* Can a word be printed bare (it would lex back as the same word)? */
static bool
bare_safe(const char *s, int len, bool pattern)
{
	int			i;

	if (len == 0 || s[0] == '-')
		return false;
	for (i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if (c <= ' ' || c == 0x7F || c == '(' || c == ')' || c == '"' || c == '\\' ||
			(!pattern && (c == '*' || c == '?')) || c == '/' || c == '~' || c == ':' || c >= 0x80)
		{
			/* non-ASCII is fine unless it is white space */
			if (c >= 0x80)
			{
				int			clen;

				if (tc_is_space(tc_decode_utf8((const unsigned char *) s + i, len - i, &clen)))
					return false;
				i += clen - 1;
				continue;
			}
			return false;
		}
	}
	return true;
}

/* Append one word of a term in canonical form (inside quotes when quoted). */
static void
print_word(StringInfo out, const KwWord *w, bool raw, bool quoted)
{
	const char *s = raw ? w->raw : w->key;
	int			len = raw ? w->rawlen : w->keylen;

	if (quoted)
		append_quoted_body(out, s, len, w->wildcard);
	else
		appendBinaryStringInfo(out, s, len);
}

/* Append a term. */
static void
print_term(StringInfo out, const KwNode *n)
{
	int			i;

	if (!n->raw && n->nwords == 1 &&
		bare_safe(n->words[0].key, n->words[0].keylen, n->words[0].wildcard))
	{
		print_word(out, &n->words[0], false, false);
		return;
	}
	if (n->raw)
		appendStringInfoString(out, "raw:");
	appendStringInfoChar(out, '"');
	for (i = 0; i < n->nwords; i++)
	{
		if (i > 0)
			appendStringInfoChar(out, ' ');
		print_word(out, &n->words[i], n->raw, true);
	}
	appendStringInfoChar(out, '"');
}

/* Append a node, parenthesised when its level is below min_level. */
static void
print_node(StringInfo out, const KwNode *n, int min_level)
{
	bool		parens = print_level(n) < min_level;
	int			i;

	check_stack_depth();
	if (parens)
		appendStringInfoChar(out, '(');
	switch (n->kind)
	{
		case KWN_TERM:
			print_term(out, n);
			break;
		case KWN_LANG:
			appendStringInfo(out, "lang:%s", tc_lang_name(n->lang));
			break;
		case KWN_NOT:
			appendStringInfoString(out, "NOT ");
			print_node(out, n->children[0], 4);
			break;
		case KWN_AND:
		case KWN_OR:
			for (i = 0; i < n->nchildren; i++)
			{
				if (i > 0)
					appendStringInfoString(out, n->kind == KWN_AND ? " AND " : " OR ");
				print_node(out, n->children[i], n->kind == KWN_AND ? 3 : 2);
				if ((i & 4095) == 4095)
					CHECK_FOR_INTERRUPTS();
			}
			break;
		case KWN_NEAR:
			if (n->slop_phrase)
			{
				if (n->children[0]->raw)
					appendStringInfoString(out, "raw:");
				appendStringInfoChar(out, '"');
				for (i = 0; i < n->nchildren; i++)
				{
					if (i > 0)
						appendStringInfoChar(out, ' ');
					print_word(out, &n->children[i]->words[0], n->children[i]->raw, true);
				}
				appendStringInfo(out, "\"~%d", n->distance);
				break;
			}
			for (i = 0; i < n->nchildren; i++)
			{
				if (i > 0)
					appendStringInfo(out, " NEAR/%d%s ", n->distance, n->ordered ? "f" : "");
				print_node(out, n->children[i], 5);
			}
			break;
	}
	if (parens)
		appendStringInfoChar(out, ')');
}

/* The canonical form of a query. */
char *
kw_print(const KwNode *root, int *len)
{
	StringInfoData out;

	initStringInfo(&out);
	print_node(&out, root, 0);
	*len = out.len;
	return out.data;
}

/* ---- wildcards ---- */

/*
 * Does a key match a pattern, * standing for any run of characters and ?
 * for exactly one?  The classic two-pointer scan: on a mismatch go back to
 * the last * and let it swallow one more character.  Linear in practice,
 * O(pattern × key) at worst.
 */
bool
kw_glob_match(const char *pat, int patlen, const char *key, int keylen)
{
	int			p = 0,
				k = 0,
				star_p = -1,
				star_k = 0;

	while (k < keylen)
	{
		if (p < patlen && pat[p] == '*')
		{
			star_p = ++p;
			star_k = k;
			continue;
		}
		if (p < patlen && pat[p] == '?')
		{
			int			clen;

			tc_decode_utf8((const unsigned char *) key + k, keylen - k, &clen);
			p++;
			k += clen;
			continue;
		}
		if (p < patlen && pat[p] == key[k])
		{
			p++;
			k++;
			continue;
		}
		if (star_p < 0)
			return false;
		/* let the last * take one more character */
		{
			int			clen;

			tc_decode_utf8((const unsigned char *) key + star_k, keylen - star_k, &clen);
			star_k += clen;
			k = star_k;
			p = star_p;
		}
	}
	while (p < patlen && pat[p] == '*')
		p++;
	return p == patlen;
}
