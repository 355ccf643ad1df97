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
#define LEX_F_RULES			0x03FF	/* the flags above */

/*
 * The entry's language evidence (langdetect.c) for this language, in
 * halves (0 to 2), computed from the flags above once the map is loaded:
 * the scorer reads it without looking at both languages' flags.
 */
#define LEX_EVIDENCE_SHIFT	12
#define LEX_F_EVIDENCE		0x3000

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

/*
 * The map (lexicon.c): an open-addressing index frozen once loaded, over a
 * dense array of slots.  A probe reads the index (4 bytes a position: the
 * key hash's top 16 bits and the number of a slot), and touches the slot
 * itself, half a cache line holding the key and its entry, only when those
 * 16 bits match.  The slots are dense (20,035 of them take 641 kB) so that
 * they stay in the CPU's cache even when other processes share it.  The
 * look-up functions are inline: they run once per token of every scored
 * message.
 */
#define LEX_INLINE_KEY 16

typedef struct LexSlot
{
	uint16		len;
	char		key[LEX_INLINE_KEY];	/* the key, or a pointer to it if longer */
	LexEntry	entry;
} LexSlot;

/* internal to the library: no indirection through the symbol table */
#if defined(__GNUC__)
#define LEX_INTERNAL __attribute__((visibility("hidden")))
#else
#define LEX_INTERNAL
#endif

#define LEX_TAG_MASK	0xFFFF0000u	/* the hash bits an index position keeps */
#define LEX_SLOT_MASK	0x0000FFFFu	/* the slot number (1..65535) */

extern LEX_INTERNAL uint32 *lex_index;	/* 0: empty position; NULL until loaded */
extern LEX_INTERNAL LexSlot *lex_slots;	/* lex_slots[0] is never used */
extern LEX_INTERNAL uint32 lex_mask;

/*
 * Phrase filter: a bit for each pair of first two tokens of a phrase, keyed
 * by the two tokens' hashes.  A clear bit means no phrase (and no phrase
 * prefix) starts with these two tokens.  Unusable (never consulted) if a
 * phrase's token has a normal form with a space.
 */
#define LEX_PAIR_BITS 65536
extern LEX_INTERNAL uint64 lex_pairs[LEX_PAIR_BITS / 64];
extern LEX_INTERNAL bool lex_pairs_usable;

/* Load the built-in lexicon (once per backend). */
extern TC_INTERNAL void lex_ensure_loaded(void);

/* Load 8 bytes (unaligned). */
static inline uint64
lex_load8(const char *s)
{
	uint64		w;

	memcpy(&w, s, 8);
	return w;
}

/* Load 4 bytes (unaligned). */
static inline uint32
lex_load4(const char *s)
{
	uint32		w;

	memcpy(&w, s, 4);
	return w;
}

/* The first n (0..8) bytes of an 8-byte load, as a mask (byte order aware). */
static inline uint64
lex_prefix_mask(int n)
{
	static const uint64 masks[9] = {
#ifdef WORDS_BIGENDIAN
		0, UINT64CONST(0xFF00000000000000), UINT64CONST(0xFFFF000000000000),
		UINT64CONST(0xFFFFFF0000000000), UINT64CONST(0xFFFFFFFF00000000),
		UINT64CONST(0xFFFFFFFFFF000000), UINT64CONST(0xFFFFFFFFFFFF0000),
		UINT64CONST(0xFFFFFFFFFFFFFF00), UINT64CONST(0xFFFFFFFFFFFFFFFF)
#else
		0, UINT64CONST(0xFF), UINT64CONST(0xFFFF), UINT64CONST(0xFFFFFF),
		UINT64CONST(0xFFFFFFFF), UINT64CONST(0xFFFFFFFFFF), UINT64CONST(0xFFFFFFFFFFFF),
		UINT64CONST(0xFFFFFFFFFFFFFF), UINT64CONST(0xFFFFFFFFFFFFFFFF)
#endif
	};

	return masks[n];
}

/* Mix one 8-byte chunk of a key into a hash state. */
static inline uint64
lex_hash_step(uint64 h, uint64 chunk)
{
	h = (h ^ chunk) * UINT64CONST(0xff51afd7ed558ccd);
	return h ^ (h >> 29);
}

/* Final mix of a hash state; never 0 (the mark of an empty slot). */
static inline uint32
lex_hash_final(uint64 h)
{
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32) h | 1;
}

/*
 * Hash a key: the key as 8-byte chunks, the last one zero-padded, mixed by
 * multiply-xorshift.  Keys in a zero-padded buffer hash the same way with
 * two masked loads (lex_hash_padded).
 */
static inline uint32
lex_hash(const char *s, int len)
{
	uint64		h = UINT64CONST(0x9E3779B97F4A7C15) ^ (uint64) len;
	int			n = len;

	while (n >= 8)
	{
		h = lex_hash_step(h, lex_load8(s));
		s += 8;
		n -= 8;
	}
	if (n > 0)
	{
		uint64		w = 0;

		memcpy(&w, s, n);
		h = lex_hash_step(h, w);
	}
	return lex_hash_final(h);
}

/*
 * A key of at most 16 bytes in a buffer readable for 16 bytes, as two
 * zero-padded chunks: the form used by the fast look-ups below.
 */
typedef struct LexKey16
{
	uint64		w0;
	uint64		w1;
	int			len;
} LexKey16;

/*
 * Load 8 bytes (unaligned) into a general register.  The tokenizer has just
 * written the form with 8-byte stores; a 16-byte vector load of both halves
 * (which the compiler would otherwise make of two loads) cannot be served
 * from the pending stores and waits for them to reach the cache, while
 * each 8-byte load is forwarded from its store.
 */
static inline uint64
lex_load8_gpr(const char *s)
{
	uint64		w = lex_load8(s);

#if defined(__GNUC__)
	__asm__("" : "+r"(w));
#endif
	return w;
}

/* Read a key of len <= 16 bytes from a buffer readable for 16 bytes. */
static inline LexKey16
lex_key16(const char *buf, int len)
{
	LexKey16	k;

	k.len = len;
	k.w0 = lex_load8_gpr(buf) & lex_prefix_mask(Min(len, 8));
	k.w1 = lex_load8_gpr(buf + 8) & lex_prefix_mask(Max(len - 8, 0));
	return k;
}

/* The key without its first byte (len >= 1), computed in registers. */
static inline LexKey16
lex_key16_tail(LexKey16 k)
{
	LexKey16	t;

	t.len = k.len - 1;
#ifdef WORDS_BIGENDIAN
	t.w0 = (k.w0 << 8) | (k.w1 >> 56);
	t.w1 = k.w1 << 8;
#else
	t.w0 = (k.w0 >> 8) | (k.w1 << 56);
	t.w1 = k.w1 >> 8;
#endif
	return t;
}

/* lex_hash() of a LexKey16, with no loop and no branch on the length. */
static inline uint32
lex_hash16(LexKey16 k)
{
	uint64		h = UINT64CONST(0x9E3779B97F4A7C15) ^ (uint64) k.len;

	h = lex_hash_step(h, k.w0);
	if (k.len > 8)
		h = lex_hash_step(h, k.w1);
	return lex_hash_final(h);
}

/*
 * Are a and b, both len bytes, equal?  Up to 16 bytes, fixed-size
 * overlapping reads that stay inside both keys replace memcmp().
 */
static inline bool
lex_key_equal(const char *a, const char *b, int len)
{
	if (len >= 8)
	{
		if (len > 16)
			return memcmp(a, b, len) == 0;
		return lex_load8(a) == lex_load8(b) &&
			lex_load8(a + len - 8) == lex_load8(b + len - 8);
	}
	if (len >= 4)
		return lex_load4(a) == lex_load4(b) &&
			lex_load4(a + len - 4) == lex_load4(b + len - 4);
	/* zero to three bytes: the first, middle and last cover them all */
	return len == 0 ||
		(a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1]);
}

/* The bytes of a slot's key. */
static inline const char *
lex_slot_key(const LexSlot *slot)
{
	const char *p;

	if (slot->len <= LEX_INLINE_KEY)
		return slot->key;
	memcpy(&p, slot->key, sizeof(p));
	return p;
}

/* Does a slot hold this key? */
static inline bool
lex_slot_matches(const LexSlot *slot, const char *key, int len)
{
	return slot->len == len && lex_key_equal(lex_slot_key(slot), key, len);
}

/* Look a normal form up with its hash (from lex_hash); NULL if absent. */
static inline const LexEntry *
lex_lookup_hashed(const char *key, int len, uint32 h)
{
	uint32		i;

	for (i = h & lex_mask;; i = (i + 1) & lex_mask)
	{
		uint32		e = lex_index[i];

		if (e == 0)
			return NULL;
		if ((e & LEX_TAG_MASK) == (h & LEX_TAG_MASK) &&
			lex_slot_matches(&lex_slots[e & LEX_SLOT_MASK], key, len))
			return &lex_slots[e & LEX_SLOT_MASK].entry;
	}
}

/*
 * Look a LexKey16 up with its hash: slots keep keys of up to 16 bytes inline
 * and zero-padded, so a key compares in two word comparisons.
 */
static inline const LexEntry *
lex_lookup16(LexKey16 k, uint32 h)
{
	uint32		i;

	for (i = h & lex_mask;; i = (i + 1) & lex_mask)
	{
		uint32		e = lex_index[i];

		if ((e & LEX_TAG_MASK) == (h & LEX_TAG_MASK) && e != 0)
		{
			const LexSlot *slot = &lex_slots[e & LEX_SLOT_MASK];

			if (((lex_load8(slot->key) ^ k.w0) | (lex_load8(slot->key + 8) ^ k.w1) |
				 (uint64) (slot->len ^ k.len)) == 0)
				return &slot->entry;
		}
		else if (e == 0)
			return NULL;
	}
}

/*
 * Two-step look-up for batches: hash a key and prefetch its probe, then
 * look it up with lex_lookup_hashed() once the memory has had time to arrive.
 */
static inline void
lex_prefetch(uint32 h)
{
	__builtin_prefetch(&lex_index[h & lex_mask]);
}

/*
 * Second step of a batch: once the index position has arrived, prefetch
 * the slot its tag points to (the slot of a key present in the map, as a
 * matching tag nearly always is).
 */
static inline void
lex_prefetch_slot(uint32 h)
{
	uint32		e = lex_index[h & lex_mask];

	if ((e & LEX_TAG_MASK) == (h & LEX_TAG_MASK) && e != 0)
		__builtin_prefetch(&lex_slots[e & LEX_SLOT_MASK]);
}

/* Hash a key and prefetch the memory its look-up will read. */
static inline uint32
lex_hash_prefetch(const char *key, int len)
{
	uint32		h;

	if (unlikely(lex_index == NULL))
		lex_ensure_loaded();
	h = lex_hash(key, len);
	__builtin_prefetch(&lex_index[h & lex_mask]);
	return h;
}

/* Bit of the phrase filter for two token hashes. */
static inline uint32
lex_pair_bit(uint32 h1, uint32 h2)
{
	return (h1 * 0x9E3779B1u + h2 * 0x85EBCA77u) >> 16;
}

/*
 * May a phrase (or phrase prefix) start with the tokens of hashes h1, h2?
 * false only when none does.  Callers check lex_pairs_usable and that
 * neither token has TC_F_SPACE.
 */
static inline bool
lex_pair_possible(uint32 h1, uint32 h2)
{
	uint32		bit = lex_pair_bit(h1, h2);

	return (lex_pairs[bit / 64] >> (bit % 64)) & 1;
}

/* Look a normal form (accent-folded) up in the built-in lexicon; NULL if absent. */
static inline const LexEntry *
lex_lookup(const char *key, int len)
{
	if (unlikely(lex_index == NULL))
		lex_ensure_loaded();
	return lex_lookup_hashed(key, len, lex_hash(key, len));
}

/* Language evidence accumulated over tokens (langdetect.c). */
typedef struct LangEvidence
{
	float		score[TC_NUM_LANGS];
} LangEvidence;

extern TC_INTERNAL bool lang_has_english_clitic(const char *s, int len);

/*
 * Add one token's evidence (the table of langdetect.c's essay).  Inline, as
 * the scorer observes every token of a message's first window.  Every
 * amount is a multiple of 0.5, so the float sums are exact.
 */
static inline void
lang_observe_token(LangEvidence *ev, TcTokenKind kind, int flags,
				   const char *norm, int normlen, const LexEntry *e)
{
	if (kind == TC_ELISION)
	{
		ev->score[TC_LANG_FR] += 2.0f;
		return;
	}
	if (kind != TC_WORD)
		return;
	if ((flags & TC_F_APOS) && lang_has_english_clitic(norm, normlen))
		ev->score[TC_LANG_EN] += 1.5f;
	/* 0.5 or 0 (adding 0 changes nothing): no branch on the accents */
	ev->score[TC_LANG_FR] += (flags & TC_F_NONASCII) ? 0.5f : 0.0f;
	if (e == NULL)
		return;
	/* the entry's evidence (lex_entry_evidence), stored in its flags */
	ev->score[TC_LANG_EN] += ((e->flags[TC_LANG_EN] & LEX_F_EVIDENCE) >> LEX_EVIDENCE_SHIFT) * 0.5f;
	ev->score[TC_LANG_FR] += ((e->flags[TC_LANG_FR] & LEX_F_EVIDENCE) >> LEX_EVIDENCE_SHIFT) * 0.5f;
}

extern void lang_observe(LangEvidence *ev, const TcToken *tok, const LexEntry *e);
extern TC_INTERNAL TcLang lang_decide(const LangEvidence *ev);

/* Detect the language of UTF-8 text from its first max_tokens tokens. */
extern TcLang tc_detect_language(const char *s, int len, int max_tokens);

#endif
