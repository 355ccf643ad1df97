/*
 * lexicon.c — the built-in lexicon as one map from normal form to knowledge.
 *
 * The compiled tables of lexicon_data.c (valences of English and French
 * words, emoji and emoticons, grammar words) are merged at first use into a
 * single map keyed by accent-folded normal form.  Each key carries,
 * per language, its valence, booster value and grammar flags, so the scorer
 * and the language detector make one look-up per token.
 *
 * Keys are produced by running every source term through the tokenizer, so
 * the data may be written in natural spelling ("Déçue", "c'est une tuerie")
 * and always agrees with run-time normal forms.  A term of several tokens is
 * a phrase: its key is the tokens' normal forms joined by single spaces, and
 * its first token records the longest phrase it starts, so the scorer only
 * tries phrase look-ups where one can match.  When two source terms fold to
 * the same key in one language, the first one is kept.
 *
 * The map is an open-addressing hash table, frozen once loaded.  It is the
 * hottest structure of the extension (one probe per token of every scored
 * message), and a flat index of 4-byte positions (16 bits of the key's hash
 * and a slot number) over dense slots answers in one or two cache lines,
 * where a JudyHS probe walks several JudyL levels (profiled: JudyHS probes
 * took 26% of sentiment() time on short messages).  The slots were first
 * kept in the index's order (2 MB, a third of them used); dense, they take
 * 641 kB, which stays in the CPU's cache better when other processes share
 * it: samples of a loaded machine put a fifth of the look-up time on the
 * read of the slot.
 * Phrases are tried at nearly every token (common words like "de" or "the"
 * start some), and almost every two-token key they probe is absent.  A
 * filter answers first: a bit per hash of the first two tokens' hashes,
 * set for every phrase at load (4,360 phrases of the release 0.2.0 data start
 * with 3,391 distinct pairs: 3,391 bits of 65,536, so about one absent pair
 * in nineteen gets past it).  The bits are a function of the tokens'
 * normal forms, so the filter only ever skips probes that would miss; it is
 * not used for a normal form holding a space (TC_F_SPACE), where the tokens
 * of a key could be split differently.
 * Each key's language evidence (langdetect.c) is computed once loaded and
 * kept in spare bits of its flags, so that the scorer adds it without
 * testing both languages' flags at every token.  The grammar tables are
 * loaded first: function words are the most frequent tokens, and their
 * slots, numbered first, fill a few pages instead of being spread over all.
 * The dynamic maps of the extension (custom lexicons, query automata) use
 * Judy.  The table lives for the backend's life in its own memory context.
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "lexicon.h"
#include "sentiment/lexicon_data.h"

uint32	   *lex_index = NULL;	/* 0: empty position; NULL until loaded */
LexSlot    *lex_slots;
uint32		lex_mask;
uint64		lex_pairs[LEX_PAIR_BITS / 64];
bool		lex_pairs_usable;
static uint32 lex_nkeys;
static MemoryContext lex_cxt = NULL;

/* Find or create the entry for a key. */
static LexEntry *
lex_entry_for(const char *key, int len)
{
	uint32		h = lex_hash(key, len);
	uint32		i = h & lex_mask;
	LexSlot    *slot;

	if (len == 0 || len > PG_UINT16_MAX)
		return NULL;
	for (;; i = (i + 1) & lex_mask)
	{
		uint32		e = lex_index[i];

		if (e == 0)
			break;
		if ((e & LEX_TAG_MASK) == (h & LEX_TAG_MASK) &&
			lex_slot_matches(&lex_slots[e & LEX_SLOT_MASK], key, len))
			return &lex_slots[e & LEX_SLOT_MASK].entry;
	}
	/* the table is sized at load; a full table would be a build-data error */
	if (++lex_nkeys > Min(lex_mask - lex_mask / 4, LEX_SLOT_MASK))
		elog(ERROR, "built-in lexicon has more keys than its table allows (%u)", lex_nkeys);
	slot = &lex_slots[lex_nkeys];
	memset(slot, 0, sizeof(LexSlot));	/* zero-padded key, zero entry */
	lex_index[i] = (h & LEX_TAG_MASK) | lex_nkeys;
	slot->len = len;
	if (len <= LEX_INLINE_KEY)
		memcpy(slot->key, key, len);
	else
	{
		char	   *p = pnstrdup(key, len);

		memcpy(slot->key, &p, sizeof(p));
	}
	return &slot->entry;
}

/*
 * Normalise a source term; return its key and entry, marking the phrase
 * length on its first token for the given languages (mask of 1 << lang).
 */
static LexEntry *
lex_entry_for_term(const char *term, int langmask, StringInfo key, StringInfo first)
{
	TcTokenizer tz;
	TcToken		tok;
	int			ntok = 0;
	int			l;
	LexEntry   *e;
	uint32		pair[2] = {0, 0};

	resetStringInfo(key);
	resetStringInfo(first);
	tc_tokenizer_init(&tz, term, strlen(term), true);
	while (tc_next_token(&tz, &tok))
	{
		if (ntok > 0)
			appendStringInfoChar(key, ' ');
		else
			appendBinaryStringInfo(first, tok.norm, tok.normlen);
		appendBinaryStringInfo(key, tok.norm, tok.normlen);
		if (ntok < 2)
			pair[ntok] = lex_hash(tok.norm, tok.normlen);
		if (tok.flags & TC_F_SPACE)
			lex_pairs_usable = false;
		ntok++;
	}
	tc_tokenizer_free(&tz);
	if (ntok == 0 || ntok > LEX_MAX_PHRASE)
		return NULL;
	e = lex_entry_for(key->data, key->len);
	if (e != NULL && ntok > 1)
	{
		uint32		bit = lex_pair_bit(pair[0], pair[1]);
		LexEntry   *head = lex_entry_for(first->data, first->len);
		int			k,
					plen = first->len;

		lex_pairs[bit / 64] |= UINT64CONST(1) << (bit % 64);

		for (l = 0; head != NULL && l < TC_NUM_LANGS; l++)
			if ((langmask & (1 << l)) && head->phrase_len[l] < ntok)
				head->phrase_len[l] = ntok;
		/* mark the inner prefixes ("a waste", "a waste of") so matching can stop early */
		for (k = 2; k < ntok; k++)
		{
			LexEntry   *pe;

			plen += 1 + strcspn(key->data + plen + 1, " ");
			pe = lex_entry_for(key->data, plen);
			for (l = 0; pe != NULL && l < TC_NUM_LANGS; l++)
				if (langmask & (1 << l))
					pe->flags[l] |= LEX_F_PREFIX;
		}
	}
	return e;
}

/* Merge one valence table into the map. */
static void
load_valences(const LexValenceSource *src, int n, int langmask, bool emoji,
			  StringInfo key, StringInfo first)
{
	int			i,
				l;

	for (i = 0; i < n; i++)
	{
		LexEntry   *e = lex_entry_for_term(src[i].term, langmask, key, first);

		if (e == NULL)
			continue;
		for (l = 0; l < TC_NUM_LANGS; l++)
		{
			if (!(langmask & (1 << l)) || (e->flags[l] & LEX_F_VALENCE))
				continue;
			e->valence[l] = (int16) rint(src[i].valence * LEX_SCALE);
			e->flags[l] |= LEX_F_VALENCE | (emoji ? LEX_F_EMOJI : 0);
		}
	}
}

/* Merge one grammar-rule table into the map. */
static void
load_rules(const LexRuleSource *src, int n, TcLang lang, StringInfo key, StringInfo first)
{
	static const uint16 kind_flag[] = {
		0, LEX_F_NEGATOR, LEX_F_NE, LEX_F_CLOSER, LEX_F_BOOSTER,
		LEX_F_CONTRAST, LEX_F_CONCESSIVE, LEX_F_STOP
	};
	int			i;

	for (i = 0; i < n; i++)
	{
		LexEntry   *e = lex_entry_for_term(src[i].term, 1 << lang, key, first);

		if (e == NULL)
			continue;
		e->flags[lang] |= kind_flag[src[i].kind];
		if (src[i].kind == LEX_RULE_BOOSTER)
			e->booster[lang] = (int16) rint(src[i].value * LEX_SCALE);
	}
}

/*
 * An entry's language evidence in a language, in halves (the table of
 * langdetect.c's essay): a function word of the language 2 (1.0), a word
 * rated in this language only 1 (0.5), otherwise 0.
 */
static int
lex_entry_evidence(const LexEntry *e, int l)
{
	/* by (function word, rated here, rated in the other language) */
	static const uint8 halves[8] = {0, 0, 1, 0, 2, 2, 2, 2};

	return halves[((e->flags[l] & LEX_F_STOP) ? 4 : 0) |
				  ((e->flags[l] & LEX_F_VALENCE) ? 2 : 0) |
				  ((e->flags[1 - l] & LEX_F_VALENCE) ? 1 : 0)];
}

/* Load the built-in lexicon (once per backend). */
void
lex_ensure_loaded(void)
{
	StringInfoData key,
				first;
	MemoryContext old;

	uint32		capacity;
	int			sources;

	if (lex_index != NULL)
		return;
	lex_cxt = AllocSetContextCreate(TopMemoryContext, "clientele built-in lexicon",
									ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(lex_cxt);
	PG_TRY();
	{
		/*
		 * Keys: the terms, plus the first words and inner prefixes of the
		 * phrases (measured with release 0.1.0: 20,035 keys for 17,854 terms).
		 * At least two slots per term keep the load below 0.6; the check in
		 * lex_entry_for() stops a data file that would overfill the table.
		 */
		sources = clientele_en_count + clientele_fr_count + clientele_emoji_count +
			clientele_en_rules_count + clientele_fr_rules_count;
		for (capacity = 1024; capacity < (uint32) sources * 2; capacity *= 2)
			;
		lex_mask = capacity - 1;
		lex_nkeys = 0;
		memset(lex_pairs, 0, sizeof(lex_pairs));
		lex_pairs_usable = true;
		lex_index = palloc0(capacity * sizeof(uint32));
		/*
		 * Dense slots, numbered from 1, on cache-line boundaries (a probe
		 * touches one line); not zeroed here: each is zeroed when used, so
		 * the pages past the last one are never touched.
		 */
		lex_slots = (LexSlot *) TYPEALIGN(PG_CACHE_LINE_SIZE,
										  palloc((Min(lex_mask - lex_mask / 4, LEX_SLOT_MASK) + 1) *
												 sizeof(LexSlot) + PG_CACHE_LINE_SIZE));
		initStringInfo(&key);
		initStringInfo(&first);
		/*
		 * The grammar words first: they are the most frequent tokens of any
		 * text, and their slots, numbered first, share a few cache lines and
		 * pages.  The order of the tables changes no entry: rules never set
		 * a valence, and valence tables keep their relative order.
		 */
		load_rules(clientele_en_rules, clientele_en_rules_count, TC_LANG_EN, &key, &first);
		load_rules(clientele_fr_rules, clientele_fr_rules_count, TC_LANG_FR, &key, &first);
		load_valences(clientele_en, clientele_en_count, 1 << TC_LANG_EN, false, &key, &first);
		load_valences(clientele_fr, clientele_fr_count, 1 << TC_LANG_FR, false, &key, &first);
		load_valences(clientele_emoji, clientele_emoji_count,
					  (1 << TC_LANG_EN) | (1 << TC_LANG_FR), true, &key, &first);
		/* the language evidence of every key, now that its flags are final */
		{
			uint32		k;
			int			l;
			int			ev[TC_NUM_LANGS];

			StaticAssertStmt((LEX_F_RULES & LEX_F_EVIDENCE) == 0,
							 "the evidence bits must not overlap the rule flags");
			for (k = 1; k <= lex_nkeys; k++)
			{
				LexEntry   *e = &lex_slots[k].entry;

				for (l = 0; l < TC_NUM_LANGS; l++)
					ev[l] = lex_entry_evidence(e, l);
				for (l = 0; l < TC_NUM_LANGS; l++)
					e->flags[l] |= ev[l] << LEX_EVIDENCE_SHIFT;
			}
		}
	}
	PG_CATCH();
	{
		/* leave no half-built map behind */
		lex_index = NULL;
		MemoryContextSwitchTo(old);
		MemoryContextDelete(lex_cxt);
		lex_cxt = NULL;
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
}
