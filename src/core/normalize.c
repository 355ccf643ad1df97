/*
 * normalize.c — the one normal form of a word.
 *
 * A word's normal form is, in this order:
 *   1. NFKC with full Unicode case folding (ICU's NFKC_Casefold), so "ﬁ",
 *      "Ｆｉ" and "FI" all become "fi", and "ß" becomes "ss";
 *   2. optionally, accent folding: canonical decomposition, removal of the
 *      non-spacing marks, recomposition, and the letters that Unicode does
 *      not decompose but readers treat as accented (œ→oe, æ→ae, ø→o, ł→l,
 *      đ→d, ħ→h, ı→i), so "Déçue" and "decue" meet;
 *   3. every apostrophe variant (' ’ ‘ ʼ ´ `) written as ASCII "'", and the
 *      middle dot that NFKC writes for "ŀ" dropped (a punctuation mark, it
 *      would cut the normal form in three tokens: "ŀa" gives "la");
 *   4. elongation: a letter repeated three or more times is cut to two
 *      ("goooood" → "good", "géniaaaal" → "géniaal"); a second, "squeezed"
 *      form cuts it to one ("géniaal" → "génial", "sooo" → "so") and
 *      look-ups try both.
 *
 * Speed.  Almost all French and English text is ASCII plus Latin-1 and
 * Latin Extended letters.  Those code points are normalised by table: at
 * first use the table is filled by running every code point below U+0250
 * through the ICU path itself, so the fast path and ICU agree by
 * construction.  A word holding anything else (Greek, combining marks,
 * compatibility forms, CJK) goes through ICU whole.  The most common
 * accented word, Latin letters ending at a space or punctuation, is scanned
 * and normalised by the table in one pass (tc_scan_latin_word), instead of
 * being scanned by the tokenizer and then decoded again here.
 */
#include "postgres.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "utils/memutils.h"

#include "textcore.h"

#define FAST_LIMIT 0x250		/* code points below this use the table */
#define FAST_MAXBYTES 7

typedef struct FastChar
{
	uint8		cls;			/* FC_* */
	uint8		nkeep;			/* bytes of the case-folded form */
	uint8		nfold;			/* bytes of the case- and accent-folded form */
	char		keep[FAST_MAXBYTES + 1];	/* + 1: copied 8 bytes at a time */
	char		fold[FAST_MAXBYTES + 1];
} FastChar;

#define FC_OTHER	0			/* punctuation, symbol: not part of words */
#define FC_LOWER	1			/* letter, not upper case */
#define FC_UPPER	2			/* upper-case letter */
#define FC_DIGIT	3
#define FC_SPACE	4
#define FC_APOS		5
#define FC_ICU		6			/* part of words, but normalised by ICU */

static FastChar fast_table[FAST_LIMIT];
static bool fast_table_ready = false;

static const UNormalizer2 *nfkc_cf = NULL;
static const UNormalizer2 *nfd = NULL;
static const UNormalizer2 *nfc = NULL;

/* Raise an ERROR for an ICU failure. */
static void
icu_error(const char *what, UErrorCode status)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("ICU %s failed: %s", what, u_errorName(status))));
}

/* Load the ICU normalisers once per backend. */
static void
load_normalizers(void)
{
	UErrorCode	status = U_ZERO_ERROR;

	if (nfkc_cf != NULL)
		return;
	nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);
	if (U_FAILURE(status))
		icu_error("NFKC_Casefold normaliser", status);
	nfd = unorm2_getNFDInstance(&status);
	if (U_FAILURE(status))
		icu_error("NFD normaliser", status);
	nfc = unorm2_getNFCInstance(&status);
	if (U_FAILURE(status))
		icu_error("NFC normaliser", status);
}

/* Letters readers see as accented that have no Unicode decomposition. */
static const char *
extra_accent_fold(UChar32 c)
{
	switch (c)
	{
		case 0x0153:
			return "oe";
		case 0x00E6:
			return "ae";
		case 0x00F8:
			return "o";
		case 0x0142:
			return "l";
		case 0x0111:
			return "d";
		case 0x0127:
			return "h";
		case 0x0131:
			return "i";
		default:
			return NULL;
	}
}

/* Error for a normal form too long to be allocated (or to be text). */
static pg_attribute_noreturn() void
normal_form_too_long(int64 nchars)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("normal form of a word is too long"),
			 errdetail("Normalising the word (NFKC, case folding) needs " INT64_FORMAT " UTF-16 code units; at most %zu can be allocated.",
					   nchars, (Size) (MaxAllocSize / sizeof(UChar)) - 1),
			 errhint("Compatibility characters such as U+FDFA expand to up to 18 characters each.")));
}

/*
 * Normalise UTF-16 text with one ICU normaliser into a palloc'd buffer.
 * Sizes are computed in 64 bits: the first guess (three code units per
 * input unit, enough for all but a few compatibility characters) is capped
 * at the largest allocation, and when ICU needs more than that the word is
 * refused with 54000 instead of an allocation failure.
 */
static UChar *
icu_apply(const UNormalizer2 *n, const UChar *src, int32 srclen, int32 *outlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	const int64 maxcap = (int64) (MaxAllocSize / sizeof(UChar)) - 1;
	int64		cap = Min((int64) srclen * 3 + 8, maxcap);
	UChar	   *dst = palloc((Size) cap * sizeof(UChar));
	int32		len;

	len = unorm2_normalize(n, src, srclen, dst, (int32) cap, &status);
	if (status == U_INDEX_OUTOFBOUNDS_ERROR)
		normal_form_too_long(PG_INT32_MAX);	/* past what ICU can count */
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		pfree(dst);
		if ((int64) len + 1 > maxcap)
			normal_form_too_long((int64) len);
		cap = (int64) len + 1;
		dst = palloc((Size) cap * sizeof(UChar));
		status = U_ZERO_ERROR;
		len = unorm2_normalize(n, src, srclen, dst, (int32) cap, &status);
	}
	if (U_FAILURE(status))
		icu_error("normalisation", status);
	*outlen = len;
	return dst;
}

/*
 * Normalise a word through ICU: steps 1-3 of the essay.  Appends UTF-8 to
 * out; returns TC_F_* flags for case and non-ASCII letters.
 */
static int
icu_normalize_word(const unsigned char *s, int len, bool fold_accents, StringInfo out)
{
	int			start = out->len;
	UErrorCode	status = U_ZERO_ERROR;
	UChar	   *u16;
	int32		u16len;
	UChar	   *cf;
	int32		cflen;
	int32		i;
	int			flags = 0;
	int			nletters = 0,
				nupper = 0;

	load_normalizers();
	/* UTF-16 needs at most one code unit per UTF-8 byte */
	if ((int64) len + 1 > (int64) (MaxAllocSize / sizeof(UChar)))
		normal_form_too_long((int64) len);
	u16 = palloc(((Size) len + 1) * sizeof(UChar));
	u_strFromUTF8WithSub(u16, len + 1, &u16len, (const char *) s, len, 0xFFFD, NULL, &status);
	if (U_FAILURE(status))
		icu_error("UTF-8 conversion", status);

	/* Case flags come from the original letters. */
	for (i = 0; i < u16len;)
	{
		UChar32		c;

		U16_NEXT(u16, i, u16len, c);
		if (u_isalpha(c))
		{
			nletters++;
			if (u_isupper(c) || u_istitle(c))
				nupper++;
			else if (u_islower(c))
				flags |= TC_F_LOWER;
			if (c >= 0x80)
				flags |= TC_F_NONASCII;
		}
	}
	if (nletters >= 2 && nupper == nletters)
		flags |= TC_F_ALLCAPS;

	cf = icu_apply(nfkc_cf, u16, u16len, &cflen);
	if (fold_accents)
	{
		int32		dlen,
					j = 0;
		UChar	   *d = icu_apply(nfd, cf, cflen, &dlen);
		UChar	   *kept = palloc((dlen + 1) * sizeof(UChar));

		for (i = 0; i < dlen;)
		{
			UChar32		c;

			U16_NEXT(d, i, dlen, c);
			if (u_charType(c) == U_NON_SPACING_MARK)
				continue;
			U16_APPEND_UNSAFE(kept, j, c);
		}
		cf = icu_apply(nfc, kept, j, &cflen);
	}

	for (i = 0; i < cflen;)
	{
		UChar32		c;
		const char *extra;

		U16_NEXT(cf, i, cflen, c);
		/*
		 * A middle dot is never part of a word (the tokenizer reads it as
		 * punctuation), but NFKC writes one for "ŀ" (U+0140 → "l·"): kept,
		 * the normal form "l·a" of "ŀa" would read back as three tokens.
		 */
		if (c == 0x00B7)
			continue;
		if (tc_is_apostrophe(c))
			appendStringInfoCharMacro(out, '\'');
		else if (fold_accents && (extra = extra_accent_fold(c)) != NULL)
			appendStringInfoString(out, extra);
		else
			tc_append_utf8(out, c);
	}
	if (memchr(out->data + start, ' ', out->len - start) != NULL)
		flags |= TC_F_SPACE;
	return flags;
}

/* Fill the fast table from ICU (once per backend). */
static void
build_fast_table(void)
{
	StringInfoData buf;
	int32		c;

	initStringInfo(&buf);
	for (c = 0; c < FAST_LIMIT; c++)
	{
		FastChar   *fc = &fast_table[c];

		if (c < 0x80)
		{
			if (c >= 'a' && c <= 'z')
				fc->cls = FC_LOWER;
			else if (c >= 'A' && c <= 'Z')
				fc->cls = FC_UPPER;
			else if (c >= '0' && c <= '9')
				fc->cls = FC_DIGIT;
			else if (c == ' ' || (c >= '\t' && c <= '\r') || c < 0x20 || c == 0x7F)
				fc->cls = FC_SPACE;
			else if (c == '\'' || c == '`')
				fc->cls = FC_APOS;
			else
				fc->cls = FC_OTHER;
			fc->keep[0] = fc->fold[0] = (fc->cls == FC_UPPER) ? c + 32 : (fc->cls == FC_APOS ? '\'' : c);
			fc->nkeep = fc->nfold = 1;
			continue;
		}
		if (u_isUWhiteSpace(c) || u_iscntrl(c))
			fc->cls = FC_SPACE;
		else if (tc_is_apostrophe(c))
			fc->cls = FC_APOS;
		else if (u_isalpha(c) || u_isdigit(c))
		{
			unsigned char src[4];
			int			n = 0;
			int			fl;

			U8_APPEND_UNSAFE(src, n, c);
			resetStringInfo(&buf);
			fl = icu_normalize_word(src, n, false, &buf);
			/* a form with a space (none below U+0250) keeps TC_F_SPACE through ICU */
			if (buf.len > FAST_MAXBYTES || (fl & TC_F_SPACE))
			{
				fc->cls = FC_ICU;
				continue;
			}
			memcpy(fc->keep, buf.data, buf.len);
			fc->nkeep = buf.len;
			resetStringInfo(&buf);
			if ((icu_normalize_word(src, n, true, &buf) & TC_F_SPACE) || buf.len > FAST_MAXBYTES)
			{
				fc->cls = FC_ICU;
				continue;
			}
			memcpy(fc->fold, buf.data, buf.len);
			fc->nfold = buf.len;
			fc->cls = u_isdigit(c) ? FC_DIGIT : ((fl & TC_F_LOWER) ? FC_LOWER :
												 (u_isupper(c) || u_istitle(c)) ? FC_UPPER : FC_LOWER);
		}
		else if (u_charType(c) == U_NON_SPACING_MARK ||
				 u_charType(c) == U_COMBINING_SPACING_MARK)
			fc->cls = FC_ICU;
		else
			fc->cls = FC_OTHER;
	}
	pfree(buf.data);
	fast_table_ready = true;
}

/* tc_is_word_char() above the fast table, from ICU. */
static bool
icu_is_word_char(int32 cp)
{
	if (cp >= 0x2000 && cp <= 0x206F)	/* general punctuation */
		return false;
	if (cp == 0xFFFD)
		return false;
	return u_isalnum(cp) || u_charType(cp) == U_NON_SPACING_MARK ||
		u_charType(cp) == U_COMBINING_SPACING_MARK ||
		u_charType(cp) == U_ENCLOSING_MARK;
}

/* tc_is_space() above the fast table, from ICU. */
static bool
icu_is_space(int32 cp)
{
	return u_isUWhiteSpace(cp) || cp == 0x200B || cp == 0xFEFF;
}

/*
 * Above the fast table, the answers of the two tests for the first two
 * planes (where emoji, symbols and most scripts live) are kept in bitmaps,
 * filled from ICU a block of 256 code points at a time when a block is
 * first met: an emoji costs a bit test instead of four ICU property calls.
 */
#define CP_CACHE_LIMIT 0x20000
#define CP_BLOCK 256
static uint64 cp_word_bits[CP_CACHE_LIMIT / 64];
static uint64 cp_space_bits[CP_CACHE_LIMIT / 64];
static bool cp_block_ready[CP_CACHE_LIMIT / CP_BLOCK];

/* Fill the bitmaps for the block of code point cp. */
static pg_noinline void
fill_cp_block(int32 cp)
{
	int32		first = cp & ~(CP_BLOCK - 1);
	int32		c;

	for (c = first; c < first + CP_BLOCK; c++)
	{
		if (icu_is_word_char(c))
			cp_word_bits[c / 64] |= UINT64CONST(1) << (c % 64);
		if (icu_is_space(c))
			cp_space_bits[c / 64] |= UINT64CONST(1) << (c % 64);
	}
	cp_block_ready[cp / CP_BLOCK] = true;
}

/* Is a code point part of a word (letter, digit or mark)? */
bool
tc_is_word_char(int32 cp)
{
	if (cp < FAST_LIMIT)
	{
		int			cls;

		if (unlikely(!fast_table_ready))
			build_fast_table();
		cls = fast_table[cp].cls;
		return cls == FC_LOWER || cls == FC_UPPER || cls == FC_DIGIT || cls == FC_ICU;
	}
	if (cp < CP_CACHE_LIMIT)
	{
		if (unlikely(!cp_block_ready[cp / CP_BLOCK]))
			fill_cp_block(cp);
		return (cp_word_bits[cp / 64] >> (cp % 64)) & 1;
	}
	return icu_is_word_char(cp);
}

/* Is a code point a combining mark (Mn, Mc, Me)?  None below U+0300. */
bool
tc_is_mark(int32 cp)
{
	int8		type;

	if (cp < 0x300)
		return false;
	type = u_charType(cp);
	return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK ||
		type == U_ENCLOSING_MARK;
}

/* Is a code point white space (or a control character)? */
bool
tc_is_space(int32 cp)
{
	if (cp < FAST_LIMIT)
	{
		if (unlikely(!fast_table_ready))
			build_fast_table();
		return fast_table[cp].cls == FC_SPACE;
	}
	if (cp < CP_CACHE_LIMIT)
	{
		if (unlikely(!cp_block_ready[cp / CP_BLOCK]))
			fill_cp_block(cp);
		return (cp_space_bits[cp / 64] >> (cp % 64)) & 1;
	}
	return icu_is_space(cp);
}

/*
 * The quick check before collapsing elongations: is there a run of three
 * equal bytes, or of a two-byte character three times ("ééé"), at all?
 */
static inline bool
may_have_run(const unsigned char *p, int n)
{
	int			i;

	for (i = 2; i < n; i++)
	{
		if (p[i] == p[i - 1] && p[i] == p[i - 2])
			return true;
		if (i >= 5 && p[i] >= 0x80 && p[i] == p[i - 2] && p[i] == p[i - 4] &&
			p[i - 1] == p[i - 3] && p[i - 1] == p[i - 5])
			return true;
	}
	return false;
}

/*
 * Collapse elongations in out[start..]: runs of 3+ identical letters become
 * two; when squeezed is given it receives the same text with such runs cut
 * to one.  Returns true if anything was elongated.
 */
static bool
collapse_elongation(StringInfo out, int start, StringInfo squeezed)
{
	unsigned char *p = (unsigned char *) out->data + start;
	int			n = out->len - start;
	int			i = 0,
				w = 0;
	bool		elongated = false;
	int32		prev = -1;
	int			run = 0;
	unsigned char *tmp;

	if (!may_have_run(p, n))
		return false;

	tmp = palloc(n);
	if (squeezed)
		resetStringInfo(squeezed);
	for (i = 0; i < n;)
	{
		int			clen;
		int32		c = tc_decode_utf8(p + i, n - i, &clen);

		if (c == prev && tc_is_word_char(c) && !(c >= '0' && c <= '9'))
			run++;
		else
		{
			run = 1;
			prev = c;
		}
		if (run <= 2)
		{
			memcpy(tmp + w, p + i, clen);
			w += clen;
		}
		else
			elongated = true;
		i += clen;
	}
	if (elongated && squeezed)
	{
		/* Squeezed: every run of the collapsed form that was elongated goes to one. */
		int32		last = -1;

		prev = -1;
		run = 0;
		for (i = 0; i < n;)
		{
			int			clen;
			int32		c = tc_decode_utf8(p + i, n - i, &clen);

			if (c == prev)
				run++;
			else
			{
				/* a new character: look ahead at its run length */
				int			j = i + clen,
							k = 1;

				while (j < n)
				{
					int			l2;
					int32		c2 = tc_decode_utf8(p + j, n - j, &l2);

					if (c2 != c)
						break;
					k++;
					j += l2;
				}
				prev = c;
				run = 1;
				last = (k >= 3 && tc_is_word_char(c)) ? 1 : 2;
			}
			if (run <= last)
				appendBinaryStringInfo(squeezed, (char *) p + i, clen);
			i += clen;
		}
	}
	memcpy(p, tmp, w);
	out->len = start + w;
	out->data[out->len] = '\0';
	pfree(tmp);
	return elongated;
}

/*
 * Normalise a word: NFKC, case folding, apostrophe variants unified, optional
 * accent folding, elongations collapsed.  Appends to out; when scratch is
 * given and the word was elongated, scratch receives the squeezed form.
 * Returns the TC_F_* flags observed.
 */
int
tc_normalize_word(const unsigned char *s, int len, bool fold_accents,
				  StringInfo out, StringInfo scratch)
{
	int			start = out->len;
	int			i;
	int			flags = 0;
	int			nletters = 0,
				nupper = 0;
	bool		maybe_run = false;
	char	   *data;
	int			olen;

	if (unlikely(!fast_table_ready))
		build_fast_table();

	if ((int64) out->maxlen - out->len <= (int64) len * 2 + 8)
		enlargeStringInfo(out, (int) Min((int64) len * 2 + 8, (int64) MaxAllocSize));
	/* the buffer in locals: stores through char * could alias out->len */
	data = out->data;
	olen = out->len;
	for (i = 0; i < len;)
	{
		unsigned char b = s[i];

		if (b < 0x80)
		{
			const FastChar *fc = &fast_table[b];

			if (fc->cls == FC_UPPER)
				nupper++, nletters++;
			else if (fc->cls == FC_LOWER)
				nletters++, flags |= TC_F_LOWER;
			data[olen++] = fc->keep[0];
			/* runs are seen after case folding: "looOOL" is elongated */
			if (olen - start >= 3 && data[olen - 2] == data[olen - 1] &&
				data[olen - 3] == data[olen - 1])
				maybe_run = true;
			i++;
		}
		else
		{
			int			clen;
			int32		c = tc_decode_utf8(s + i, len - i, &clen);
			const FastChar *fc;

			if (c >= FAST_LIMIT || (fc = &fast_table[c])->cls == FC_ICU)
			{
				/* Not for the table: the whole word goes through ICU. */
				out->len = start;
				out->data[start] = '\0';
				flags = icu_normalize_word(s, len, fold_accents, out);
				if (collapse_elongation(out, start, scratch))
					flags |= TC_F_ELONGATED;
				return flags;
			}
			if (fc->cls == FC_UPPER)
				nupper++, nletters++, flags |= TC_F_NONASCII;
			else if (fc->cls == FC_LOWER)
				nletters++, flags |= TC_F_LOWER | TC_F_NONASCII;
			{
				const char *form = fold_accents ? fc->fold : fc->keep;
				int			nform = fold_accents ? fc->nfold : fc->nkeep;

				/* a fixed-size copy where the buffer has room for it */
				if (out->maxlen - olen > FAST_MAXBYTES + 1)
					memcpy(data + olen, form, FAST_MAXBYTES + 1);
				else
					memcpy(data + olen, form, nform);
				olen += nform;
			}
			maybe_run = true;	/* multi-byte runs are checked below */
			i += clen;
		}
	}
	out->len = olen;
	data[olen] = '\0';
	if (nletters >= 2 && nupper == nletters)
		flags |= TC_F_ALLCAPS;
	if (maybe_run && collapse_elongation(out, start, scratch))
		flags |= TC_F_ELONGATED;
	return flags;
}

/*
 * Scan and normalise in one pass a word of ASCII and Latin letters (below
 * U+0250, by the table) holding at least one non-ASCII letter, the common
 * French word ("expérience", "déçue").  Appends its normal form to out, adds
 * its TC_F_* flags to *flags and returns its byte length; returns 0, having
 * appended nothing, when the word needs the general path of the tokenizer:
 * a character outside the table or normalised by ICU, an apostrophe or
 * hyphen, an '@', a possible elongation, no non-ASCII letter, or more than
 * LATIN_WORD_MAX bytes.  What it accepts, it normalises as
 * tc_normalize_word() does: the same table, the same flags, the same test
 * for elongations (which it leaves to the general path).
 */
#define LATIN_WORD_MAX 64

int
tc_scan_latin_word(const unsigned char *s, int avail, bool fold_accents,
				   StringInfo out, int *flags)
{
	int			i = 0;
	int			fl = 0;
	int			nletters = 0,
				nupper = 0;
	char	   *data;
	int			olen,
				start = out->len;
	int			limit = Min(avail, LATIN_WORD_MAX + 1);

	if (unlikely(!fast_table_ready))
		build_fast_table();
	/*
	 * Room for the form of LATIN_WORD_MAX + 2 bytes (up to FAST_MAXBYTES for
	 * two bytes) and the fixed-size copy of the last character.
	 */
	if (out->maxlen - out->len <= LATIN_WORD_MAX * 4 + 16)
		enlargeStringInfo(out, LATIN_WORD_MAX * 4 + 16);
	data = out->data;
	olen = out->len;
	while (i < limit)
	{
		unsigned char b = s[i];
		const FastChar *fc;

		if (b < 0x80)
		{
			fc = &fast_table[b];
			if (fc->cls == FC_UPPER)
				nupper++, nletters++;
			else if (fc->cls == FC_LOWER)
				nletters++, fl |= TC_F_LOWER;
			else if (fc->cls != FC_DIGIT)
			{
				/* the end, unless a joiner or an e-mail follows */
				if (b == '\'' || b == '`' || b == '-' || b == '@')
					return 0;
				break;
			}
			data[olen++] = fc->keep[0];
			i++;
			continue;
		}
		/* two-byte characters below FAST_LIMIT: lead bytes C2..C9 */
		if (b < 0xC2 || b > 0xC9 || i + 1 >= avail || (s[i + 1] & 0xC0) != 0x80)
			return 0;
		{
			int32		c = ((b & 0x1F) << 6) | (s[i + 1] & 0x3F);

			if (c >= FAST_LIMIT)
				return 0;
			fc = &fast_table[c];
		}
		if (fc->cls == FC_UPPER)
			nupper++, nletters++, fl |= TC_F_NONASCII;
		else if (fc->cls == FC_LOWER)
			nletters++, fl |= TC_F_LOWER | TC_F_NONASCII;
		else if (fc->cls == FC_OTHER || fc->cls == FC_SPACE)
			break;
		else if (fc->cls != FC_DIGIT)
			return 0;			/* an apostrophe variant, or for ICU */
		/* the buffer has room for the fixed-size copy (see above) */
		memcpy(data + olen, fold_accents ? fc->fold : fc->keep, FAST_MAXBYTES + 1);
		olen += fold_accents ? fc->nfold : fc->nkeep;
		i += 2;
	}
	if (i > LATIN_WORD_MAX || !(fl & TC_F_NONASCII) ||
		may_have_run((const unsigned char *) data + start, olen - start))
		return 0;
	data[olen] = '\0';
	out->len = olen;
	if (nletters >= 2 && nupper == nletters)
		fl |= TC_F_ALLCAPS;
	*flags |= fl;
	return i;
}
