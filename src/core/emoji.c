/*
 * emoji.c — emoji sequences and ASCII emoticons.
 *
 * An emoji token is one user-perceived emoji: a pictographic base with its
 * optional variation selector (U+FE0E/U+FE0F) and skin tone (U+1F3FB..F),
 * ZWJ sequences (👩‍👩‍👧, ❤️‍🔥), keycaps (1️⃣), tag sequences (subdivision
 * flags) and regional-indicator pairs (🇫🇷).  Its normal form drops the
 * variation selectors and skin tones, so "👍🏽" and "👍" are the same term.
 *
 * Emoticons are matched against a fixed list: the core's own and every
 * ASCII entry of the built-in emoji lexicon (so the tokenizer recognises
 * each emoticon the lexicon rates, in every backend, whatever was loaded).
 * The longest match wins.
 */
#include "postgres.h"

#include <unicode/uchar.h>

#include "textcore.h"
#include "sentiment/lexicon_data.h"


/* Is cp a regional indicator (flag letter)? */
static inline bool
is_regional(int32 cp)
{
	return cp >= 0x1F1E6 && cp <= 0x1F1FF;
}

/* Can cp start an emoji sequence?  (From ICU; see tc_is_emoji_start.) */
static bool
icu_is_emoji_start(int32 cp)
{
	if (cp < 0xA9)
		return false;
	if (cp >= 0x2000 && cp <= 0x206F)
		return cp == 0x203C || cp == 0x2049;
	if (is_regional(cp))
		return true;
	return u_hasBinaryProperty(cp, UCHAR_EXTENDED_PICTOGRAPHIC);
}

/*
 * The answers for the first two planes, where every emoji base is, kept in
 * a bitmap filled from ICU a block of 256 code points at a time.
 */
#define EMOJI_CACHE_LIMIT 0x20000
#define EMOJI_BLOCK 256
static uint64 emoji_start_bits[EMOJI_CACHE_LIMIT / 64];
static bool emoji_block_ready[EMOJI_CACHE_LIMIT / EMOJI_BLOCK];

/* Fill the bitmap for the block of code point cp. */
static pg_noinline void
fill_emoji_block(int32 cp)
{
	int32		first = cp & ~(EMOJI_BLOCK - 1);
	int32		c;

	for (c = first; c < first + EMOJI_BLOCK; c++)
		if (icu_is_emoji_start(c))
			emoji_start_bits[c / 64] |= UINT64CONST(1) << (c % 64);
	emoji_block_ready[cp / EMOJI_BLOCK] = true;
}

/* Can cp start an emoji sequence? */
static inline bool
tc_is_emoji_start(int32 cp)
{
	if (cp < 0xA9)
		return false;
	if (cp < EMOJI_CACHE_LIMIT)
	{
		if (unlikely(!emoji_block_ready[cp / EMOJI_BLOCK]))
			fill_emoji_block(cp);
		return (emoji_start_bits[cp / 64] >> (cp % 64)) & 1;
	}
	return icu_is_emoji_start(cp);
}

/* Skip modifiers after an emoji base; returns bytes consumed. */
static int
skip_modifiers(const unsigned char *s, int avail, StringInfo norm)
{
	int			n = 0;

	while (n < avail)
	{
		int			clen;
		int32		c = tc_decode_utf8(s + n, avail - n, &clen);

		if (c == 0xFE0E || c == 0xFE0F || (c >= 0x1F3FB && c <= 0x1F3FF))
			n += clen;			/* dropped from the normal form */
		else if (c == 0x20E3 || (c >= 0xE0020 && c <= 0xE007F))
		{
			tc_append_utf8(norm, c);	/* keycap, tags: part of the emoji */
			n += clen;
		}
		else
			break;
	}
	return n;
}

/*
 * Scan one emoji sequence at s; append its normal form to norm and return
 * its byte length, or 0 (appending nothing) when s does not start an emoji.
 */
int
tc_scan_emoji(const unsigned char *s, int avail, StringInfo norm)
{
	int			clen;
	int32		c = tc_decode_utf8(s, avail, &clen);
	int			n;

	/* keycap: [0-9#*] FE0F? 20E3 */
	if (c < 0x80)
	{
		int			k = 1;

		if (!((c >= '0' && c <= '9') || c == '#' || c == '*'))
			return 0;
		if (avail >= 4 && s[1] == 0xEF && s[2] == 0xB8 && s[3] == 0x8F)
			k = 4;
		if (avail >= k + 3 && s[k] == 0xE2 && s[k + 1] == 0x83 && s[k + 2] == 0xA3)
		{
			appendStringInfoChar(norm, (char) c);
			tc_append_utf8(norm, 0x20E3);
			return k + 3;
		}
		return 0;
	}
	if (!tc_is_emoji_start(c))
		return 0;

	if (is_regional(c))
	{
		int			clen2;

		tc_append_utf8(norm, c);
		n = clen;
		if (n < avail && is_regional(tc_decode_utf8(s + n, avail - n, &clen2)))
		{
			tc_append_utf8(norm, tc_decode_utf8(s + n, avail - n, &clen2));
			n += clen2;
		}
		return n;
	}

	tc_append_utf8(norm, c);
	n = clen;
	n += skip_modifiers(s + n, avail - n, norm);
	/* ZWJ sequences */
	while (n + 3 < avail && s[n] == 0xE2 && s[n + 1] == 0x80 && s[n + 2] == 0x8D)
	{
		int			clen2;
		int32		c2 = tc_decode_utf8(s + n + 3, avail - n - 3, &clen2);

		if (!tc_is_emoji_start(c2) && !(c2 >= 0x2640 && c2 <= 0x2642))
			break;
		tc_append_utf8(norm, 0x200D);
		tc_append_utf8(norm, c2);
		n += 3 + clen2;
		n += skip_modifiers(s + n, avail - n, norm);
	}
	return n;
}

/* ---- emoticons ---- */

#define MAX_EMOTICONS 512
#define MAX_EMOTICON_LEN 12

static const char *const core_emoticons[] = {
	":)", ":-)", ":))", ":(", ":-(", ":((", ":d", ":-d", ";)", ";-)",
	":p", ":-p", ":'(", ":'-(", ":')", ":/", ":-/", ":|", ":o", ":*", "<3", "xD",
	"</3", "^^", "^_^", "-_-", ">_<", "t_t", ":$", ":@", "=)", "=(", "=d",
	"o/", "\\o/", ":-*", ";(", ":s", ":-s", ">:(", ">:-(", "d:", ":3"
};

typedef struct Emoticon
{
	char		text[MAX_EMOTICON_LEN + 1];	/* lower-cased */
	uint8		len;
} Emoticon;

static Emoticon emoticons[MAX_EMOTICONS];
static int	n_emoticons = 0;
static bool emoticons_ready = false;
/* emoticons starting with byte c are emoticons[bucket_start[c] .. bucket_start[c + 1]) */
static int16 bucket_start[129];

/*
 * Can an emoticon start with this (lower-cased) ASCII byte?  All true
 * until the list is built, so that the first test calls tc_match_emoticon(),
 * which builds it.
 */
bool		tc_emoticon_first_byte[128] = {[0 ... 127] = true};
uint64		tc_emoticon_pairs[128 * 128 / 64] = {[0 ... 128 * 128 / 64 - 1] = ~UINT64CONST(0)};

/* Add an emoticon (ASCII, printable, no space) to the list, once. */
static void
tc_register_emoticon(const char *e)
{
	int			len = strlen(e);
	int			i;
	Emoticon	em;

	if (len < 2 || len > MAX_EMOTICON_LEN || n_emoticons >= MAX_EMOTICONS)
		return;
	for (i = 0; i < len; i++)
	{
		unsigned char c = e[i];

		if (c <= ' ' || c >= 0x7F)
			return;
		em.text[i] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
	}
	em.text[len] = '\0';
	em.len = len;
	/*
	 * A word ("lol") is not an emoticon: letters-only forms count only when
	 * written in mixed case ("xD") or as the two well-known faces.
	 */
	for (i = 0; i < len; i++)
		if (!((em.text[i] >= 'a' && em.text[i] <= 'z')))
			break;
	if (i == len && strcmp(em.text, "uwu") != 0 && strcmp(em.text, "owo") != 0)
	{
		bool		upper = false,
					lower = false;

		for (i = 0; i < len; i++)
		{
			upper |= (e[i] >= 'A' && e[i] <= 'Z');
			lower |= (e[i] >= 'a' && e[i] <= 'z');
		}
		if (!(upper && lower))
			return;
	}
	for (i = 0; i < n_emoticons; i++)
		if (strcmp(emoticons[i].text, em.text) == 0)
			return;
	emoticons[n_emoticons++] = em;
}

/* Order emoticons by first byte, then longest first (the first match is the longest). */
static int
emoticon_cmp(const void *a, const void *b)
{
	const Emoticon *x = (const Emoticon *) a;
	const Emoticon *y = (const Emoticon *) b;

	if (x->text[0] != y->text[0])
		return (unsigned char) x->text[0] - (unsigned char) y->text[0];
	return y->len - x->len;
}

/* ASCII letter or digit? */
static inline bool
is_alnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Build the emoticon list once per backend. */
static void
load_emoticons(void)
{
	int			i,
				c;

	for (i = 0; i < lengthof(core_emoticons); i++)
		tc_register_emoticon(core_emoticons[i]);
	for (i = 0; i < clientele_emoji_count; i++)
		if ((unsigned char) clientele_emoji[i].term[0] < 0x80)
			tc_register_emoticon(clientele_emoji[i].term);
	qsort(emoticons, n_emoticons, sizeof(Emoticon), emoticon_cmp);
	for (c = 0, i = 0; c <= 128; c++)
	{
		while (i < n_emoticons && (unsigned char) emoticons[i].text[0] < c)
			i++;
		bucket_start[c] = i;
	}
	for (c = 0; c < 128; c++)
		tc_emoticon_first_byte[c] = bucket_start[c] != bucket_start[c + 1] ||
			(c >= 'A' && c <= 'Z' && bucket_start[c + 32] != bucket_start[c + 33]);
	/* the pairs of first two bytes, in both cases (the match ignores case) */
	memset(tc_emoticon_pairs, 0, sizeof(tc_emoticon_pairs));
	for (i = 0; i < n_emoticons; i++)
	{
		unsigned char c0 = emoticons[i].text[0],
					c1 = emoticons[i].text[1];
		int			k;

		for (k = 0; k < 4; k++)
		{
			unsigned char a = (k & 1) && c0 >= 'a' && c0 <= 'z' ? c0 - 32 : c0;
			unsigned char b = (k & 2) && c1 >= 'a' && c1 <= 'z' ? c1 - 32 : c1;
			uint32		bit = ((uint32) a << 7) | b;

			tc_emoticon_pairs[bit / 64] |= UINT64CONST(1) << (bit % 64);
		}
	}
	emoticons_ready = true;
}

/*
 * Length of the emoticon at s, or 0.  An emoticon must not run into a
 * letter or digit; one starting with a letter or digit needs at_boundary.
 */
int
tc_match_emoticon(const unsigned char *s, int avail, bool at_boundary)
{
	unsigned char c0 = s[0];
	int			i;

	if (unlikely(!emoticons_ready))
		load_emoticons();
	if (c0 >= 0x80)
		return 0;
	if (c0 >= 'A' && c0 <= 'Z')
		c0 += 32;
	if (bucket_start[c0] == bucket_start[c0 + 1])
		return 0;
	if (((c0 >= 'a' && c0 <= 'z') || (c0 >= '0' && c0 <= '9')) && !at_boundary)
		return 0;
	for (i = bucket_start[c0]; i < bucket_start[c0 + 1]; i++)
	{
		const Emoticon *em = &emoticons[i];
		int			k;

		if (em->len > avail)
			continue;
		for (k = 1; k < em->len; k++)
		{
			unsigned char c = s[k];

			if (c >= 'A' && c <= 'Z')
				c += 32;
			if (c != (unsigned char) em->text[k])
				break;
		}
		if (k < em->len)
			continue;
		/* must not run into a word: ":paris" is not ":p" */
		if (em->len < avail && is_alnum_ascii(em->text[em->len - 1]))
		{
			int			clen;

			if (tc_is_word_char(tc_decode_utf8(s + em->len, avail - em->len, &clen)))
				continue;
		}
		return em->len;
	}
	return 0;
}
