/*
 * encoding.c — conversion between the server encoding and the core's UTF-8.
 *
 * The text core works on UTF-8 only.  In a UTF-8 database text is used as
 * is; in any other database it is converted on the way in and the way out.
 * SQL_ASCII databases carry bytes of unknown encoding: they are passed
 * through and the tokenizer's decoder treats invalid sequences as U+FFFD.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "textcore.h"

/* Is the database encoding one that needs converting to reach UTF-8? */
static inline bool
needs_conversion(void)
{
	int			enc = GetDatabaseEncoding();

	return enc != PG_UTF8 && enc != PG_SQL_ASCII;
}

/* Return the text's bytes as UTF-8 (converted if the database is not UTF-8). */
char *
tc_text_to_utf8(text *t, int *len)
{
	char	   *s = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);

	if (needs_conversion() && n > 0)
	{
		char	   *c = (char *) pg_do_encoding_conversion((unsigned char *) s, n,
														   GetDatabaseEncoding(),
														   PG_UTF8);

		if (c != s)
			n = strlen(c);
		s = c;
	}
	*len = n;
	return s;
}

/* Build a text datum in the server encoding from UTF-8 bytes. */
text *
tc_utf8_to_text(const char *s, int len)
{
	if (needs_conversion() && len > 0)
	{
		char	   *c = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
														   PG_UTF8,
														   GetDatabaseEncoding());

		if (c != s)
			return cstring_to_text(c);
	}
	return cstring_to_text_with_len(s, len);
}

/* Return a NUL-terminated server-encoding C string from UTF-8 bytes. */
char *
tc_utf8_to_cstring(const char *s, int len)
{
	if (needs_conversion() && len > 0)
	{
		char	   *c = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
														   PG_UTF8,
														   GetDatabaseEncoding());

		if (c != s)
			return c;
	}
	return pnstrdup(s, len);
}

/* Append one code point to a StringInfo as UTF-8. */
void
tc_append_utf8(StringInfo buf, int32 cp)
{
	unsigned char b[4];
	int			n;

	if (cp < 0x80)
	{
		appendStringInfoCharMacro(buf, (char) cp);
		return;
	}
	if (cp < 0x800)
	{
		b[0] = 0xC0 | (cp >> 6);
		b[1] = 0x80 | (cp & 0x3F);
		n = 2;
	}
	else if (cp < 0x10000)
	{
		b[0] = 0xE0 | (cp >> 12);
		b[1] = 0x80 | ((cp >> 6) & 0x3F);
		b[2] = 0x80 | (cp & 0x3F);
		n = 3;
	}
	else
	{
		b[0] = 0xF0 | (cp >> 18);
		b[1] = 0x80 | ((cp >> 12) & 0x3F);
		b[2] = 0x80 | ((cp >> 6) & 0x3F);
		b[3] = 0x80 | (cp & 0x3F);
		n = 4;
	}
	appendBinaryStringInfo(buf, (char *) b, n);
}

/*
 * Build a text datum in the server encoding from UTF-8 bytes, dropping the
 * characters the server encoding cannot represent (emoji in a LATIN1
 * database).  *dropped, when given, counts them.
 */
text *
tc_utf8_to_text_lossy(const char *s, int len, int *dropped)
{
	static Oid	proc = InvalidOid;
	static int	proc_encoding = -1;
	int			enc = GetDatabaseEncoding();
	StringInfoData out;
	int			pos = 0;

	if (dropped)
		*dropped = 0;
	if (!needs_conversion() || len == 0)
		return cstring_to_text_with_len(s, len);
	if (proc_encoding != enc)
	{
		proc = FindDefaultConversionProc(PG_UTF8, enc);
		if (!OidIsValid(proc))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("no conversion from UTF8 to %s", GetDatabaseEncodingName())));
		proc_encoding = enc;
	}
	initStringInfo(&out);
	while (pos < len)
	{
		int			consumed;

		enlargeStringInfo(&out, (len - pos) * MAX_CONVERSION_GROWTH + 1);
		consumed = pg_do_encoding_conversion_buf(proc, PG_UTF8, enc,
												 (unsigned char *) s + pos, len - pos,
												 (unsigned char *) out.data + out.len,
												 out.maxlen - out.len, true);
		out.len += strlen(out.data + out.len);
		pos += consumed;
		if (pos < len)
		{
			/* an untranslatable character: skip it */
			pos += pg_utf_mblen((const unsigned char *) s + pos);
			if (dropped)
				(*dropped)++;
		}
	}
	return cstring_to_text_with_len(out.data, out.len);
}
