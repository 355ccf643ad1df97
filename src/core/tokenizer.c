/*
 * tokenizer.c — one tokenizer for every clientele module.
 *
 * Social messages mix French and English words, elisions (l'Oréal, j'adore,
 * qu'il), contractions (don't), hashtags, @mentions, $cashtags, URLs,
 * e-mail addresses, numbers (3,5 / 10:30), emoji sequences (ZWJ families,
 * skin tones, flags, keycaps), ASCII emoticons (":-)", "<3", "xD") and runs
 * of punctuation ("!!!", "?!").  The tokenizer cuts UTF-8 text into tokens
 * of those kinds in one left-to-right pass without backtracking more than a
 * few bytes, and gives each token its normal form (normalize.c).
 *
 * Rules, in the order they are tried at a token start:
 *   - "http://", "https://", "www." start a URL that runs to white space
 *     (trailing punctuation excluded);
 *   - a letter or digit starts a word (a combining mark does not: alone it
 *     is punctuation): letters, digits and marks, joined by
 *     an apostrophe or hyphen followed by a letter, or by . , : between
 *     digits.  A word of digits and separators only is a number.  A French
 *     elision (l' j' d' n' c' s' m' t' qu' jusqu' lorsqu' puisqu' quoiqu')
 *     at the start of a word is cut off as a token of its own;
 *   - a word followed by "@" and a word character is an e-mail address;
 *   - "#", "@", "$" followed by a word character start a hashtag, mention
 *     or cashtag ("$" before a digit starts a number);
 *   - an emoticon from the known list, longest first; one that starts with
 *     a letter or digit ("xD", "8)") must start after a space;
 *   - an emoji sequence;
 *   - anything else is punctuation: a run of the same character, or of
 *     "!" and "?" mixed, is one token.
 * White space separates tokens and is never part of one.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/memutils.h"

#include "textcore.h"


/* ASCII letters and digits. */
static inline bool
ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Word character test for the code point at s[0] (any encoding length). */
static inline bool
word_char_at(const unsigned char *s, int avail, int *clen)
{
	if (avail <= 0)
		return false;
	if (s[0] < 0x80)
	{
		*clen = 1;
		return ascii_alnum(s[0]);
	}
	return tc_is_word_char(tc_decode_utf8(s, avail, clen));
}

/*
 * Can the code point at s[0] start a word or a segment of one (after an
 * apostrophe or hyphen)?  A word character that is not a combining mark:
 * accent folding drops marks, and a segment made of marks only would leave
 * the joiner at the end of the normal form ("e'\u030D" giving "e'"), which
 * reads back as two tokens.
 */
static inline bool
letter_at(const unsigned char *s, int avail, int *clen)
{
	int32		c;

	if (avail <= 0)
		return false;
	if (s[0] < 0x80)
	{
		*clen = 1;
		return ascii_alnum(s[0]);
	}
	c = tc_decode_utf8(s, avail, clen);
	return tc_is_word_char(c) && !(c >= 0x300 && tc_is_mark(c));
}

/* Does an apostrophe variant start at s?  Sets its byte length. */
static inline bool
apostrophe_at(const unsigned char *s, int avail, int *clen)
{
	if (avail <= 0)
		return false;
	if (s[0] == '\'' || s[0] == '`')
	{
		*clen = 1;
		return true;
	}
	if (s[0] < 0x80)
		return false;
	return tc_is_apostrophe(tc_decode_utf8(s, avail, clen));
}

/* Case-insensitive ASCII prefix test. */
static bool
ascii_prefix(const unsigned char *s, int avail, const char *prefix)
{
	int			n = strlen(prefix);

	return avail >= n && pg_strncasecmp((const char *) s, prefix, n) == 0;
}

/* Is s[0..n) a French elided word (without its apostrophe)? */
static bool
is_elision(const unsigned char *s, int n)
{
	static const char *const long_elisions[] = {"jusqu", "lorsqu", "puisqu", "quoiqu"};
	int			i;

	if (n == 1)
	{
		unsigned char c = s[0] | 0x20;

		return c == 'l' || c == 'j' || c == 'd' || c == 'n' || c == 'c' ||
			c == 's' || c == 'm' || c == 't';
	}
	if (n == 2)
		return (s[0] | 0x20) == 'q' && (s[1] | 0x20) == 'u';
	if (n < 5 || n > 6)
		return false;
	for (i = 0; i < lengthof(long_elisions); i++)
		if ((int) strlen(long_elisions[i]) == n &&
			pg_strncasecmp((const char *) s, long_elisions[i], n) == 0)
			return true;
	return false;
}

/* Set up a tokenizer over UTF-8 bytes. */
void
tc_tokenizer_init(TcTokenizer *tz, const char *s, int len, bool fold_accents)
{
	tz->s = (const unsigned char *) s;
	tz->len = len;
	tz->pos = 0;
	tz->ntokens = 0;
	tz->fold_accents = fold_accents;
	initStringInfo(&tz->norm);	/* 1024 bytes: TC_NORM_READABLE holds */
	initStringInfo(&tz->squeezed);
	initStringInfo(&tz->scratch);
}

/*
 * The backend's shared tokenizer, for hot loops that tokenize one short
 * text per call: its buffers are allocated once and reused, so a call costs
 * no allocation.  Valid until the next call; never freed by the caller.
 */
TcTokenizer *
tc_tokenizer_shared(const char *s, int len, bool fold_accents)
{
	static TcTokenizer tz;
	static bool ready = false;

	if (!ready)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		tc_tokenizer_init(&tz, s, len, fold_accents);
		MemoryContextSwitchTo(old);
		ready = true;
		return &tz;
	}
	/* do not keep a huge buffer from an earlier, unusually long token */
	if (tz.norm.maxlen > 65536 || tz.squeezed.maxlen > 65536 || tz.scratch.maxlen > 65536)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		tc_tokenizer_free(&tz);
		tc_tokenizer_init(&tz, s, len, fold_accents);
		MemoryContextSwitchTo(old);
		return &tz;
	}
	tz.s = (const unsigned char *) s;
	tz.len = len;
	tz.pos = 0;
	tz.ntokens = 0;
	tz.fold_accents = fold_accents;
	resetStringInfo(&tz.norm);
	resetStringInfo(&tz.squeezed);
	return &tz;
}

/* Release a tokenizer's buffers. */
void
tc_tokenizer_free(TcTokenizer *tz)
{
	pfree(tz->norm.data);
	pfree(tz->squeezed.data);
	pfree(tz->scratch.data);
}

/* Name of a token kind, as shown by clientele.tokens(). */
const char *
tc_kind_name(TcTokenKind kind)
{
	static const char *const names[TC_NUM_KINDS] = {
		"word", "elision", "number", "hashtag", "mention", "cashtag", "url",
		"email", "emoji", "emoticon", "punct"
	};

	return names[kind];
}

/* End of a URL or e-mail: up to white space, minus trailing punctuation. */
static pg_noinline int
scan_to_space(const unsigned char *s, int len, int pos)
{
	int			end = pos;

	while (end < len)
	{
		int			clen;
		int32		c;

		if (s[end] < 0x80)
		{
			/* tc_is_space() of ASCII: controls, space and DEL */
			if (s[end] <= ' ' || s[end] == 0x7F)
				break;
			end++;
			continue;
		}
		c = tc_decode_utf8(s + end, len - end, &clen);
		if (tc_is_space(c))
			break;
		end += clen;
	}
	while (end > pos && strchr(".,;:!?)]}\"'>", s[end - 1]) != NULL)
		end--;
	return end;
}

/*
 * Append bytes that may hold invalid UTF-8 (only in a SQL_ASCII database),
 * each invalid byte written as U+FFFD, as the decoder reads it.
 */
static pg_noinline void
append_valid_utf8(StringInfo out, const unsigned char *s, int len)
{
	int			i = 0;

	while (i < len)
	{
		int			clen;
		int32		c = tc_decode_utf8(s + i, len - i, &clen);

		if (c == 0xFFFD && clen == 1)
			appendStringInfoString(out, "\xEF\xBF\xBD");
		else
			appendBinaryStringInfo(out, (const char *) s + i, clen);
		i += clen;
	}
}

/* Fill tok with the raw bytes as normal form (URLs, punctuation, emoticons). */
static pg_noinline void
set_raw(TcTokenizer *tz, TcToken *tok, int start, int end, TcTokenKind kind, bool lower)
{
	int			i;
	bool		ascii = true;

	tok->start = start;
	tok->len = end - start;
	tok->kind = kind;
	if (end - start == 1 && tz->norm.maxlen - tz->norm.len > 1)
	{
		/* one character of punctuation, the most common case */
		tz->norm.data[tz->norm.len++] = tz->s[start];
		tz->norm.data[tz->norm.len] = '\0';
	}
	else
	{
		for (i = start; i < end; i++)
			if (tz->s[i] >= 0x80)
				ascii = false;
		if (ascii)
			appendBinaryStringInfo(&tz->norm, (const char *) tz->s + start, end - start);
		else
			append_valid_utf8(&tz->norm, tz->s + start, end - start);
	}
	if (lower)
		for (i = 0; i < tz->norm.len; i++)
			if (tz->norm.data[i] >= 'A' && tz->norm.data[i] <= 'Z')
				tz->norm.data[i] += 'a' - 'A';
}

/* Classes of ASCII bytes for the fused word scanner (GCC range designators). */
#define ASCII_LOWER 1
#define ASCII_UPPER 2
#define ASCII_DIGIT 3
static const uint8 ascii_class[256] = {
	['a' ... 'z'] = ASCII_LOWER,
	['A' ... 'Z'] = ASCII_UPPER,
	['0' ... '9'] = ASCII_DIGIT,
};

#ifndef WORDS_BIGENDIAN
#define SWAR_ONES	UINT64CONST(0x0101010101010101)
#define SWAR_HIGH	UINT64CONST(0x8080808080808080)

/* The first n (0..8) bytes of a little-endian 8-byte load. */
static inline uint64
swar_prefix(int n)
{
	return n >= 8 ? ~UINT64CONST(0) : (UINT64CONST(1) << (8 * n)) - 1;
}

/*
 * scan_ascii_word() for a word shorter than 8 bytes with 8 bytes readable
 * at pos, all its bytes at once (SWAR, little-endian): the class of each
 * byte comes from carry-free additions on the 7-bit bytes, the word ends at
 * the first byte that is not an ASCII letter or digit, and three equal
 * bytes in a row show as a zero byte in y ^ (y >> 8) | y ^ (y >> 16).  A
 * byte of 0x80 or more may carry into the bytes after it, never into those
 * before it, and the word ends before it, so the bytes that count are
 * exact.  Returns false when the word is 8 bytes or longer (the caller
 * scans it byte by byte); otherwise sets *result to its length, or to 0
 * when the word needs the general path (see scan_ascii_word).
 */
static pg_attribute_always_inline bool
scan_short_ascii_word(TcTokenizer *tz, TcToken *tok, int pos, int *result)
{
	const unsigned char *s = tz->s;
	uint64		w,
				y,
				alpha,
				digit,
				upper,
				stop,
				m,
				z;
	int			n;
	unsigned char next;

	memcpy(&w, s + pos, 8);
	y = w | (SWAR_ONES * 0x20);
	/* y in 'a'..'z' (w a letter); w in '0'..'9' */
	alpha = (y + SWAR_ONES * (0x80 - 'a')) & ~(y + SWAR_ONES * (0x80 - 'z' - 1));
	digit = (w + SWAR_ONES * (0x80 - '0')) & ~(w + SWAR_ONES * (0x80 - '9' - 1));
	stop = ~((alpha | digit) & ~w) & SWAR_HIGH;
	if (stop == 0)
		return false;
	n = pg_rightmost_one_pos64(stop) >> 3;
	*result = 0;
	next = s[pos + n];
	m = swar_prefix(n);
	alpha &= ~w & SWAR_HIGH & m;
	if (next >= 0x80 || next == '\'' || next == '`' || next == '-' || next == '@' ||
		(alpha == 0 && (next == '.' || next == ',' || next == ':')))
		return true;
	if (alpha != 0 && n >= 3)
	{
		/* elongation ("sooo") takes the general path */
		z = (y ^ (y >> 8)) | (y ^ (y >> 16));
		z = ~(((z & ~SWAR_HIGH) + ~SWAR_HIGH) | z) & SWAR_HIGH;
		if (z & swar_prefix(n - 2))
			return true;
	}
	if (tz->norm.maxlen - tz->norm.len <= 16)
		enlargeStringInfo(&tz->norm, 17);
	/*
	 * Letters lower-cased by the 0x20 bit, digits unchanged, zero-padded
	 * (which NUL-terminates it) to 16 bytes by two 8-byte stores: a reader
	 * of the form by 8-byte loads gets them forwarded from the stores.
	 */
	y &= m;
	memcpy(tz->norm.data + tz->norm.len, &y, 8);
	z = 0;
	memcpy(tz->norm.data + tz->norm.len + 8, &z, 8);
	tz->norm.len += n;

	tok->start = pos;
	tok->len = n;
	tok->kind = alpha == 0 ? TC_NUMBER : TC_WORD;
	/* upper case: a letter whose 0x20 bit (moved to the top bit) is clear */
	upper = alpha & ~(w << 2);
	if (alpha & ~upper)
		tok->flags |= TC_F_LOWER;
	else if (upper & (upper - 1))	/* two capitals or more */
		tok->flags |= TC_F_ALLCAPS;
	tz->pos = pos + n;
	*result = n;
	return true;
}
#endif

/*
 * The common case, fused: a word of ASCII letters and digits that ends at
 * white space or plain punctuation is scanned, then normalised by OR-ing
 * 0x20 into each byte (which lower-cases ASCII letters and leaves digits
 * unchanged).  Returns false (having written nothing) when the word needs
 * the general path: an apostrophe, hyphen, separator, '@', non-ASCII byte
 * or elongation.
 */
static bool
scan_ascii_word(TcTokenizer *tz, TcToken *tok, int pos)
{
	const unsigned char *s = tz->s;
	int			len = tz->len;
	int			end = pos;
	int			nlower = 0,
				nupper = 0,
				ndigits = 0;	/* scalars: no array on the stack, no stack canary */
	int			n,
				i;
	unsigned char next;
	char	   *out;

#ifndef WORDS_BIGENDIAN
	if (pos + 8 <= len && scan_short_ascii_word(tz, tok, pos, &n))
		return n > 0;
#endif
	for (; end < len; end++)
	{
		int			k = ascii_class[s[end]];

		if (k == 0)
			break;
		nlower += k == ASCII_LOWER;
		nupper += k == ASCII_UPPER;
		ndigits += k == ASCII_DIGIT;
	}
	n = end - pos;
	next = end < len ? s[end] : ' ';
	if (next >= 0x80 || next == '\'' || next == '`' || next == '-' || next == '@' ||
		(ndigits == n && (next == '.' || next == ',' || next == ':')))
		return false;

	if (tz->norm.maxlen - tz->norm.len <= n)
		enlargeStringInfo(&tz->norm, n + 1);
	out = tz->norm.data + tz->norm.len;
	for (i = 0; i < n; i++)
		out[i] = s[pos + i] | 0x20;
	/* elongation ("sooo") takes the general path */
	if (ndigits < n)
		for (i = 2; i < n; i++)
			if (out[i] == out[i - 1] && out[i] == out[i - 2])
				return false;
	out[n] = '\0';
	tz->norm.len += n;

	tok->start = pos;
	tok->len = n;
	tok->kind = ndigits == n ? TC_NUMBER : TC_WORD;
	if (nlower > 0)
		tok->flags |= TC_F_LOWER;
	else if (nupper >= 2)
		tok->flags |= TC_F_ALLCAPS;
	tz->pos = end;
	return true;
}

/* Scan a word (or number, e-mail, elision) starting at pos. */
static pg_noinline void
scan_word(TcTokenizer *tz, TcToken *tok, int pos)
{
	const unsigned char *s = tz->s;
	int			len = tz->len;
	int			end = pos;
	bool		digits_only = true;
	bool		first_segment = true;
	int			clen,
				alen;

	/* the common accented word, scanned and normalised in one pass */
	if ((end = tc_scan_latin_word(s + pos, len - pos, tz->fold_accents, &tz->norm, &tok->flags)) > 0)
	{
		tok->start = pos;
		tok->len = end;
		tok->kind = TC_WORD;
		tz->pos = pos + end;
		return;
	}
	end = pos;
	for (;;)
	{
		if (end < len && s[end] < 0x80 && ascii_alnum(s[end]))
		{
			if (s[end] > '9')
				digits_only = false;
			end++;
			continue;
		}
		if (end < len && s[end] >= 0x80 && word_char_at(s + end, len - end, &clen))
		{
			digits_only = false;
			end += clen;
			continue;
		}
		if (end >= len || end == pos)
			break;
		if (apostrophe_at(s + end, len - end, &alen))
		{
			bool		letter_follows = letter_at(s + end + alen, len - end - alen, &clen) &&
				!(s[end + alen] >= '0' && s[end + alen] <= '9');
			bool		nothing_follows = end + alen >= len ||
				tc_is_space(tc_decode_utf8(s + end + alen, len - end - alen, &clen));

			/*
			 * A French elision ("l'Oréal") is emitted alone, the word comes on
			 * the next call; so is one with nothing after it ("n'" in a lexicon).
			 */
			if (first_segment && (letter_follows || nothing_follows) &&
				is_elision(s + pos, end - pos))
			{
				end += alen;
				tok->start = pos;
				tok->len = end - pos;
				tok->kind = TC_ELISION;
				tok->flags = tc_normalize_word(s + pos, end - pos, tz->fold_accents, &tz->norm, NULL);
				tz->pos = end;
				return;
			}
		}
		/* joiners: apostrophe or hyphen before a letter, separators in numbers */
		if (apostrophe_at(s + end, len - end, &alen) &&
			letter_at(s + end + alen, len - end - alen, &clen) &&
			!(s[end + alen] >= '0' && s[end + alen] <= '9'))
		{
			tok->flags |= TC_F_APOS;
			first_segment = false;
			digits_only = false;
			end += alen;
			continue;
		}
		if (s[end] == '-' && letter_at(s + end + 1, len - end - 1, &clen))
		{
			first_segment = false;
			end += 1;
			continue;
		}
		if ((s[end] == '.' || s[end] == ',' || s[end] == ':') && digits_only &&
			end + 1 < len && s[end + 1] >= '0' && s[end + 1] <= '9')
		{
			end += 1;
			continue;
		}
		break;
	}

	/* word@domain: an e-mail address */
	if (end + 1 < len && s[end] == '@' && word_char_at(s + end + 1, len - end - 1, &clen))
	{
		end = scan_to_space(s, len, end);
		set_raw(tz, tok, pos, end, TC_EMAIL, true);
		tz->pos = end;
		return;
	}

	tok->start = pos;
	tok->len = end - pos;
	tok->kind = digits_only ? TC_NUMBER : TC_WORD;
	tok->flags |= tc_normalize_word(s + pos, end - pos, tz->fold_accents, &tz->norm, &tz->squeezed);
	if (tok->flags & TC_F_ELONGATED)
	{
		tok->squeezed = tz->squeezed.data;
		tok->squeezedlen = tz->squeezed.len;
	}
	tz->pos = end;
}

/*
 * scan_tag() for the common tag, ASCII letters, digits and '_' ending at an
 * ASCII byte: the body is lower-cased as it is scanned.  Returns false
 * (having written nothing) for the general path: a non-ASCII byte, a '.'
 * in a mention, a body over 64 bytes or a possible elongation.
 */
static inline bool
scan_ascii_tag(TcTokenizer *tz, TcToken *tok, int pos, TcTokenKind kind)
{
	const unsigned char *s = tz->s;
	int			len = tz->len;
	int			end = pos + 1;
	int			limit = Min(len, pos + 66);
	int			nlower = 0,
				nupper = 0;
	int			n,
				i;
	char	   *out;

	for (; end < limit; end++)
	{
		unsigned char b = s[end];
		int			k = ascii_class[b];

		if (k == 0)
		{
			if (b == '_')
				continue;
			if (b >= 0x80 || (b == '.' && kind == TC_MENTION))
				return false;
			break;
		}
		nlower += k == ASCII_LOWER;
		nupper += k == ASCII_UPPER;
	}
	n = end - pos;				/* sigil and body */
	if (n > 65)
		return false;
	if (tz->norm.maxlen - tz->norm.len <= n)
		enlargeStringInfo(&tz->norm, n + 1);
	out = tz->norm.data + tz->norm.len;
	out[0] = s[pos];
	for (i = 1; i < n; i++)
	{
		unsigned char c = s[pos + i];

		out[i] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
		/* elongation ("#loool") takes the general path */
		if (i >= 3 && out[i] == out[i - 1] && out[i] == out[i - 2])
			return false;
	}
	out[n] = '\0';
	tz->norm.len += n;
	tok->start = pos;
	tok->len = n;
	tok->kind = kind;
	tok->flags = nlower > 0 ? TC_F_LOWER : (nupper >= 2 ? TC_F_ALLCAPS : 0);
	tz->pos = end;
	return true;
}

/* Scan a hashtag, mention or cashtag body after its sigil. */
static pg_noinline void
scan_tag(TcTokenizer *tz, TcToken *tok, int pos, TcTokenKind kind)
{
	const unsigned char *s = tz->s;
	int			len = tz->len;
	int			end = pos + 1;
	int			clen;

	if (scan_ascii_tag(tz, tok, pos, kind))
		return;
	for (;;)
	{
		if (end < len && (s[end] == '_' || (kind == TC_MENTION && s[end] == '.' &&
											letter_at(s + end + 1, len - end - 1, &clen))))
		{
			end++;
			continue;
		}
		if (end < len && word_char_at(s + end, len - end, &clen))
		{
			end += clen;
			continue;
		}
		break;
	}
	tok->start = pos;
	tok->len = end - pos;
	tok->kind = kind;
	appendStringInfoChar(&tz->norm, s[pos]);
	tok->flags = tc_normalize_word(s + pos + 1, end - pos - 1, tz->fold_accents, &tz->norm, NULL);
	tz->pos = end;
}

/* Return the next token, or false at the end of the text. */
bool
tc_next_token(TcTokenizer *tz, TcToken *tok)
{
	const unsigned char *s = tz->s;
	int			len = tz->len;
	int			pos = tz->pos;
	int			clen;
	int32		c;

	tz->norm.len = 0;
	tz->norm.data[0] = '\0';
	tok->flags = 0;
	tok->squeezed = NULL;
	tok->squeezedlen = 0;

	/* skip white space */
	while (pos < len)
	{
		if (s[pos] < 0x80)
		{
			if (s[pos] > ' ' && s[pos] != 0x7F)
				break;
			pos++;
			continue;
		}
		c = tc_decode_utf8(s + pos, len - pos, &clen);
		if (!tc_is_space(c))
			break;
		pos += clen;
	}
	if (pos >= len)
	{
		tz->pos = pos;
		return false;
	}

	c = s[pos];
	if (c < 0x80)
	{
		int			n;

		if (ascii_alnum(c))
		{
			if ((c == 'h' || c == 'H' || c == 'w' || c == 'W') && pos + 4 <= len &&
				(s[pos + 1] | 0x20) == (((c | 0x20) == 'h') ? 't' : 'w') &&
				(ascii_prefix(s + pos, len - pos, "http://") ||
				 ascii_prefix(s + pos, len - pos, "https://") ||
				 ascii_prefix(s + pos, len - pos, "www.")))
			{
				int			end = scan_to_space(s, len, pos);

				set_raw(tz, tok, pos, end, TC_URL, false);
				tz->pos = end;
				goto done;
			}
			/* keycap emoji: 1️⃣ */
			if (c <= '9' && pos + 1 < len && s[pos + 1] >= 0xE2 &&
				(n = tc_scan_emoji(s + pos, len - pos, &tz->norm)) > 0)
			{
				tok->start = pos;
				tok->len = n;
				tok->kind = TC_EMOJI;
				tz->pos = pos + n;
				goto done;
			}
			/*
			 * Emoticons that start with a letter or digit (xD, 8-), owo): only
			 * after white space, and (but for uwu/owo) not before a lower-case
			 * letter, which starts an ordinary word.
			 */
			if (pos + 1 < len && tc_emoticon_may_start(c, s[pos + 1]) &&
				(pos == 0 || s[pos - 1] == ' ' || s[pos - 1] == '\n' || s[pos - 1] == '\t') &&
				(pos + 1 >= len || !(s[pos + 1] >= 'a' && s[pos + 1] <= 'z') ||
				 c == 'o' || c == 'u') &&
				(n = tc_match_emoticon(s + pos, len - pos, true)) > 0)
			{
				set_raw(tz, tok, pos, pos + n, TC_EMOTICON, true);
				tz->pos = pos + n;
				goto done;
			}
			if (!scan_ascii_word(tz, tok, pos))
				scan_word(tz, tok, pos);
			goto done;
		}
		if ((c == '#' || c == '@' || c == '$') && pos + 1 < len &&
			letter_at(s + pos + 1, len - pos - 1, &clen) &&
			(pos == 0 || !ascii_alnum(s[pos - 1])))
		{
			if (c == '$' && s[pos + 1] >= '0' && s[pos + 1] <= '9')
			{
				scan_word(tz, tok, pos + 1);
				tok->start = pos;
				tok->len++;
				goto done;
			}
			scan_tag(tz, tok, pos, c == '#' ? TC_HASHTAG : c == '@' ? TC_MENTION : TC_CASHTAG);
			goto done;
		}
		if ((n = tc_scan_emoji(s + pos, len - pos, &tz->norm)) > 0)
		{
			tok->start = pos;
			tok->len = n;
			tok->kind = TC_EMOJI;
			tz->pos = pos + n;
			goto done;
		}
		/* emoticons have two characters or more: none before white space */
		if (pos + 1 < len && s[pos + 1] > ' ' && tc_emoticon_may_start(c, s[pos + 1]) &&
			(n = tc_match_emoticon(s + pos, len - pos, false)) > 0)
		{
			set_raw(tz, tok, pos, pos + n, TC_EMOTICON, true);
			tz->pos = pos + n;
			goto done;
		}
		/* punctuation: runs of one character, or of ! and ? mixed */
		{
			int			end = pos + 1;

			if (c == '!' || c == '?')
				while (end < len && (s[end] == '!' || s[end] == '?'))
					end++;
			else
				while (end < len && s[end] == c)
					end++;
			set_raw(tz, tok, pos, end, TC_PUNCT, false);
			if (c == '`')
				tz->norm.data[0] = '\'';
			tz->pos = end;
			goto done;
		}
	}

	c = tc_decode_utf8(s + pos, len - pos, &clen);
	/*
	 * A combining mark continues a word but does not start one: accent
	 * folding would drop it and leave a normal form that reads differently
	 * ("\u0301`nd" would give "'nd", which is "'" and "nd").
	 */
	if (tc_is_word_char(c) && !(c >= 0x300 && tc_is_mark(c)))
	{
		scan_word(tz, tok, pos);
		goto done;
	}
	{
		int			n = tc_scan_emoji(s + pos, len - pos, &tz->norm);

		if (n > 0)
		{
			tok->start = pos;
			tok->len = n;
			tok->kind = TC_EMOJI;
			tz->pos = pos + n;
			goto done;
		}
	}
	/* other punctuation or symbols: one code point, apostrophes unified */
	tok->start = pos;
	tok->len = clen;
	tok->kind = TC_PUNCT;
	if (tc_is_apostrophe(c))
		appendStringInfoChar(&tz->norm, '\'');
	else if (c == 0x2026)
		appendStringInfoString(&tz->norm, "...");
	else if (c == 0xFFFD && clen == 1)
		appendStringInfoString(&tz->norm, "\xEF\xBF\xBD");	/* an invalid byte */
	else
		appendBinaryStringInfo(&tz->norm, (const char *) s + pos, clen);
	tz->pos = pos + clen;

done:
	tok->position = ++tz->ntokens;
	tok->norm = tz->norm.data;
	tok->normlen = tz->norm.len;
	return true;
}
