/*
 * pg_shim.c — just enough of the PostgreSQL backend for the extension's
 * text core, sentiment scorer, keyword queries and type and state I/O
 * functions to run inside a libFuzzer process.
 *
 * The extension's C files are compiled unchanged against the server headers;
 * the backend functions they call are provided here, with the semantics the
 * fuzz targets rely on and nothing more:
 *
 *  - Memory contexts are lists of malloc'ed chunks.  Each chunk has a header
 *    naming its context, so pfree() and repalloc() work on bare pointers;
 *    deleting or resetting a context runs its reset callbacks (which is how
 *    the Judy arrays are freed), frees its chunks and deletes its children.
 *    Requests above MaxAllocSize fail as in the server: an internal error
 *    (XX000), which the fuzz targets treat as a bug.  The shim counts the
 *    bytes held and their high-water mark, so a target can bound the memory
 *    one input uses.
 *  - ereport()/elog() record the SQLSTATE and message, and at ERROR jump to
 *    the innermost PG_TRY() through PG_exception_stack, as the server does.
 *    A target catches the error, and aborts (a finding) if its SQLSTATE is
 *    XX000: users must only ever see errors with a proper SQLSTATE.
 *  - StringInfo is reimplemented with the server's contract (NUL-terminated,
 *    enlargeStringInfo refuses to pass MaxAllocSize with 54000).
 *  - CHECK_FOR_INTERRUPTS() finds no pending interrupt; ProcessInterrupts()
 *    counts calls so a target could check that long loops reach it.
 *  - The database encoding is UTF-8, so encoding conversions are never
 *    needed; the conversion entry points abort if they are ever reached.
 *  - SPI (used only to read custom lexicons) is not available: its entry
 *    points abort.  The targets never pass a custom lexicon.  The same for
 *    set-returning functions and tuplestores.
 *  - check_stack_depth() raises 54001 past 2 MB of stack below the frame of
 *    fuzz_run(), like the server's max_stack_depth default.
 *  - pqformat: the functions type send/receive functions use, with the
 *    server's errors for short messages (08P01).
 *  - float8in_internal_opt_error, hex_decode/hex_encode: the server's syntax
 *    and SQLSTATEs (22P02, 22003, 22023).
 *  - AggCheckCallContext: in an aggregate when fcinfo->context is an AggState
 *    node; the aggregate context is shim_aggregate_context.
 *  - Expanded objects: the header and its flatten methods.
 *  - Hash tables: dynahash's API for local tables (entries in the table's own
 *    context; iteration order is the shim's, not dynahash's).
 *
 * pg_qsort and pg_strcasecmp come from libpgport; ICU and Judy are the real
 * libraries.
 */
#include "postgres.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/spi.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/tuplestore.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "nodes/execnodes.h"
#include "port/pg_bswap.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/hsearch.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

#include "pg_shim.h"

/* ------------------------------------------------------------------
 * Memory contexts
 * ------------------------------------------------------------------
 */

typedef struct ShimChunk ShimChunk;
typedef struct ShimContext ShimContext;

struct ShimChunk
{
	ShimContext *cxt;
	ShimChunk  *prev;
	ShimChunk  *next;
	Size		size;
	/* 16-byte alignment of the payload, as palloc gives MAXALIGN or better */
	char		pad[(32 - (sizeof(void *) * 3 + sizeof(Size)) % 16) % 16];
};

struct ShimContext
{
	char		name[64];
	ShimContext *parent;
	ShimContext *firstchild;
	ShimContext *nextsibling;
	ShimChunk  *chunks;
	MemoryContextCallback *callbacks;
	Size		bytes;			/* payload bytes held */
};

static ShimContext top_context = {"TopMemoryContext"};
MemoryContext TopMemoryContext = (MemoryContext) &top_context;
MemoryContext CurrentMemoryContext = (MemoryContext) &top_context;
MemoryContext ErrorContext = NULL;

#define SHIM(cxt) ((ShimContext *) (cxt))

/* Payload bytes held by all contexts, and their high-water mark. */
static Size live_bytes = 0;
static Size peak_bytes = 0;

Size
shim_peak_bytes(void)
{
	return peak_bytes;
}

void
shim_reset_peak(void)
{
	peak_bytes = live_bytes;
}

/* Fail an allocation the way the server does (internal error). */
static void
shim_bad_size(Size size)
{
	elog(ERROR, "invalid memory alloc request size %zu", size);
}

/*
 * Allocate a chunk in a context, with the MCXT_ALLOC_* flags of
 * MemoryContextAllocExtended: HUGE raises the limit to MaxAllocHugeSize,
 * NO_OOM returns NULL when malloc fails, ZERO zeroes.
 */
static void *
shim_alloc_flags(ShimContext *cxt, Size size, int flags)
{
	ShimChunk  *c;

	if ((flags & MCXT_ALLOC_HUGE) ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		shim_bad_size(size);
	c = (flags & MCXT_ALLOC_ZERO) ? calloc(1, sizeof(ShimChunk) + size) : malloc(sizeof(ShimChunk) + size);
	if (c == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	c->cxt = cxt;
	c->size = size;
	c->prev = NULL;
	c->next = cxt->chunks;
	if (cxt->chunks)
		cxt->chunks->prev = c;
	cxt->chunks = c;
	cxt->bytes += size;
	live_bytes += size;
	if (live_bytes > peak_bytes)
		peak_bytes = live_bytes;
	return c + 1;
}

/* Allocate a chunk in a context (at most MaxAllocSize). */
static void *
shim_alloc(ShimContext *cxt, Size size, bool zero)
{
	return shim_alloc_flags(cxt, size, zero ? MCXT_ALLOC_ZERO : 0);
}

/* The chunk header of a payload pointer. */
static ShimChunk *
shim_chunk(void *p)
{
	return ((ShimChunk *) p) - 1;
}

/* Unlink a chunk from its context. */
static void
shim_unlink(ShimChunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->cxt->chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->cxt->bytes -= c->size;
	live_bytes -= c->size;
}

void *
palloc(Size size)
{
	return shim_alloc(SHIM(CurrentMemoryContext), size, false);
}

void *
palloc0(Size size)
{
	return shim_alloc(SHIM(CurrentMemoryContext), size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return shim_alloc_flags(SHIM(CurrentMemoryContext), size, flags);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return shim_alloc_flags(SHIM(context), size, flags);
}

void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return shim_alloc_flags(SHIM(context), size, MCXT_ALLOC_HUGE);
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return shim_alloc(SHIM(context), size, false);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return shim_alloc(SHIM(context), size, true);
}

void *
MemoryContextAllocZeroAligned(MemoryContext context, Size size)
{
	return shim_alloc(SHIM(context), size, true);
}

void
pfree(void *pointer)
{
	ShimChunk  *c = shim_chunk(pointer);

	shim_unlink(c);
	free(c);
}

void *
repalloc(void *pointer, Size size)
{
	ShimChunk  *c = shim_chunk(pointer);
	ShimContext *cxt = c->cxt;
	ShimChunk  *n;

	if (!AllocSizeIsValid(size))
		shim_bad_size(size);
	shim_unlink(c);
	n = realloc(c, sizeof(ShimChunk) + size);
	if (n == NULL)
	{
		/* put the old chunk back so that its context still owns it */
		c->prev = NULL;
		c->next = cxt->chunks;
		if (cxt->chunks)
			cxt->chunks->prev = c;
		cxt->chunks = c;
		cxt->bytes += c->size;
		live_bytes += c->size;
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	n->size = size;
	n->prev = NULL;
	n->next = cxt->chunks;
	if (cxt->chunks)
		cxt->chunks->prev = n;
	cxt->chunks = n;
	cxt->bytes += size;
	live_bytes += size;
	if (live_bytes > peak_bytes)
		peak_bytes = live_bytes;
	return n + 1;
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	Size		len = strlen(string) + 1;
	char	   *p = MemoryContextAlloc(context, len);

	memcpy(p, string, len);
	return p;
}

char *
pstrdup(const char *in)
{
	return MemoryContextStrdup(CurrentMemoryContext, in);
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *p;

	len = strnlen(in, len);
	p = palloc(len + 1);
	memcpy(p, in, len);
	p[len] = '\0';
	return p;
}

MemoryContext
AllocSetContextCreateInternal(MemoryContext parent, const char *name,
							  Size minContextSize, Size initBlockSize, Size maxBlockSize)
{
	ShimContext *cxt = calloc(1, sizeof(ShimContext));

	if (cxt == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	strlcpy(cxt->name, name, sizeof(cxt->name));
	cxt->parent = SHIM(parent);
	if (parent)
	{
		cxt->nextsibling = SHIM(parent)->firstchild;
		SHIM(parent)->firstchild = cxt;
	}
	return (MemoryContext) cxt;
}

void
MemoryContextRegisterResetCallback(MemoryContext context, MemoryContextCallback *cb)
{
	cb->next = SHIM(context)->callbacks;
	SHIM(context)->callbacks = cb;
}

/* Run the callbacks, free the chunks and delete the children of a context. */
static void
shim_reset(ShimContext *cxt)
{
	while (cxt->firstchild)
		MemoryContextDelete((MemoryContext) cxt->firstchild);
	while (cxt->callbacks)
	{
		MemoryContextCallback *cb = cxt->callbacks;

		cxt->callbacks = cb->next;
		cb->func(cb->arg);
	}
	while (cxt->chunks)
	{
		ShimChunk  *c = cxt->chunks;

		cxt->chunks = c->next;
		live_bytes -= c->size;
		free(c);
	}
	cxt->bytes = 0;
}

void
MemoryContextReset(MemoryContext context)
{
	shim_reset(SHIM(context));
}

void
MemoryContextResetOnly(MemoryContext context)
{
	shim_reset(SHIM(context));
}

void
MemoryContextDelete(MemoryContext context)
{
	ShimContext *cxt = SHIM(context);
	ShimContext **link;

	shim_reset(cxt);
	if (cxt->parent)
	{
		for (link = &cxt->parent->firstchild; *link; link = &(*link)->nextsibling)
			if (*link == cxt)
			{
				*link = cxt->nextsibling;
				break;
			}
	}
	if (CurrentMemoryContext == context)
		CurrentMemoryContext = (MemoryContext) cxt->parent;
	if (cxt != &top_context)
		free(cxt);
}

Size
shim_context_bytes(MemoryContext context)
{
	ShimContext *cxt = SHIM(context);
	ShimContext *child;
	Size		total = cxt->bytes;

	for (child = cxt->firstchild; child; child = child->nextsibling)
		total += shim_context_bytes((MemoryContext) child);
	return total;
}

/* ------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------
 */

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

ShimError	shim_error;

/* The level of the report being built, between errstart and errfinish. */
static int	report_level;

bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;			/* notices and debug output are dropped */
	report_level = elevel;
	shim_error.sqlstate = ERRCODE_INTERNAL_ERROR;	/* the server's default at ERROR */
	shim_error.message[0] = '\0';
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	shim_error.sqlstate = sqlerrcode;
	return 0;
}

int
errmsg(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(shim_error.message, sizeof(shim_error.message), fmt, ap);
	va_end(ap);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(shim_error.message, sizeof(shim_error.message), fmt, ap);
	va_end(ap);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	return 0;
}

int
errhint(const char *fmt,...)
{
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	snprintf(shim_error.where, sizeof(shim_error.where), "%s:%d (%s)", filename, lineno, funcname);
	if (report_level >= FATAL || PG_exception_stack == NULL)
	{
		fprintf(stderr, "uncaught error %s at %s: %s\n", shim_sqlstate(shim_error.sqlstate),
				shim_error.where, shim_error.message);
		abort();
	}
	siglongjmp(*PG_exception_stack, 1);
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
	{
		fprintf(stderr, "re-thrown error with no handler: %s\n", shim_error.message);
		abort();
	}
	siglongjmp(*PG_exception_stack, 1);
}

const char *
shim_sqlstate(int sqlerrcode)
{
	static char buf[6];

	buf[0] = PGUNSIXBIT(sqlerrcode);
	buf[1] = PGUNSIXBIT(sqlerrcode >> 6);
	buf[2] = PGUNSIXBIT(sqlerrcode >> 12);
	buf[3] = PGUNSIXBIT(sqlerrcode >> 18);
	buf[4] = PGUNSIXBIT(sqlerrcode >> 24);
	buf[5] = '\0';
	return buf;
}

/* ------------------------------------------------------------------
 * Interrupts
 * ------------------------------------------------------------------
 */

volatile sig_atomic_t InterruptPending = false;
long		shim_interrupt_checks = 0;

void
ProcessInterrupts(void)
{
	shim_interrupt_checks++;
	InterruptPending = false;
}

/* ------------------------------------------------------------------
 * StringInfo
 * ------------------------------------------------------------------
 */

void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	resetStringInfo(str);
}

StringInfo
makeStringInfo(void)
{
	StringInfo	s = palloc(sizeof(StringInfoData));

	initStringInfo(s);
	return s;
}

void
resetStringInfo(StringInfo str)
{
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	if (needed < 0)
		elog(ERROR, "invalid string enlargement request size: %d", needed);
	if (((Size) needed) >= (MaxAllocSize - (Size) str->len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("out of memory"),
				 errdetail("Cannot enlarge string buffer containing %d bytes by %d more bytes.",
						   str->len, needed)));
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	if (newlen > (int) MaxAllocSize)
		newlen = (int) MaxAllocSize;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

void
appendBinaryStringInfo(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
	str->data[str->len] = '\0';
}

void
appendBinaryStringInfoNT(StringInfo str, const char *data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
}

void
appendStringInfoString(StringInfo str, const char *s)
{
	appendBinaryStringInfo(str, s, strlen(s));
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	if (str->len + 1 >= str->maxlen)
		enlargeStringInfo(str, 1);
	str->data[str->len] = ch;
	str->len++;
	str->data[str->len] = '\0';
}

void
appendStringInfoSpaces(StringInfo str, int count)
{
	if (count > 0)
	{
		enlargeStringInfo(str, count);
		memset(str->data + str->len, ' ', count);
		str->len += count;
		str->data[str->len] = '\0';
	}
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	for (;;)
	{
		va_list		ap;
		int			avail = str->maxlen - str->len;
		int			n;

		va_start(ap, fmt);
		n = vsnprintf(str->data + str->len, avail, fmt, ap);
		va_end(ap);
		if (n < 0)
			elog(ERROR, "vsnprintf failed");
		if (n < avail)
		{
			str->len += n;
			return;
		}
		str->data[str->len] = '\0';
		enlargeStringInfo(str, n);
	}
}

/* ------------------------------------------------------------------
 * Text datums (always in plain 4-byte-header form here)
 * ------------------------------------------------------------------
 */

text *
cstring_to_text_with_len(const char *s, int len)
{
	text	   *result = (text *) palloc(len + VARHDRSZ);

	SET_VARSIZE(result, len + VARHDRSZ);
	memcpy(VARDATA(result), s, len);
	return result;
}

text *
cstring_to_text(const char *s)
{
	return cstring_to_text_with_len(s, strlen(s));
}

char *
text_to_cstring(const text *t)
{
	text	   *tunpacked = pg_detoast_datum_packed(unconstify(text *, t));
	int			len = VARSIZE_ANY_EXHDR(tunpacked);
	char	   *result = palloc(len + 1);

	memcpy(result, VARDATA_ANY(tunpacked), len);
	result[len] = '\0';
	return result;
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	if (VARATT_IS_EXTENDED(datum) && !VARATT_IS_SHORT(datum))
	{
		fprintf(stderr, "pg_shim: toasted datums do not exist here\n");
		abort();
	}
	return datum;
}

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	return pg_detoast_datum_packed(datum);
}

/* ------------------------------------------------------------------
 * Encoding: the database is UTF-8
 * ------------------------------------------------------------------
 */

int
GetDatabaseEncoding(void)
{
	return PG_UTF8;
}

const char *
GetDatabaseEncodingName(void)
{
	return "UTF8";
}

/* Length of the UTF-8 sequence a lead byte announces (1 for invalid bytes). */
int
pg_utf_mblen(const unsigned char *s)
{
	if (*s < 0x80)
		return 1;
	if ((*s & 0xE0) == 0xC0)
		return 2;
	if ((*s & 0xF0) == 0xE0)
		return 3;
	if ((*s & 0xF8) == 0xF0)
		return 4;
	return 1;
}

/* Is mbstr[0..len) valid UTF-8 without NUL (the server's rules: no surrogates, no overlong forms)? */
bool
pg_verifymbstr(const char *mbstr, int len, bool noError)
{
	const unsigned char *s = (const unsigned char *) mbstr;
	int			i = 0;

	while (i < len)
	{
		int			l = s[i] < 0x80 ? 1 : pg_utf_mblen(s + i);
		bool		ok = s[i] != 0 && i + l <= len;

		if (ok && l > 1)
		{
			unsigned char c0 = s[i],
						c1 = s[i + 1];
			int			k;

			ok = c0 >= 0xC2 && c0 <= 0xF4;
			for (k = 1; ok && k < l; k++)
				ok = (s[i + k] & 0xC0) == 0x80;
			if (ok && c0 == 0xE0)
				ok = c1 >= 0xA0;
			else if (ok && c0 == 0xED)
				ok = c1 < 0xA0;
			else if (ok && c0 == 0xF0)
				ok = c1 >= 0x90;
			else if (ok && c0 == 0xF4)
				ok = c1 < 0x90;
		}
		else if (ok && l == 1)
			ok = s[i] < 0x80;
		if (!ok)
		{
			if (noError)
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid byte sequence for encoding \"UTF8\": 0x%02x", s[i])));
		}
		i += l;
	}
	return true;
}

/* Number of characters in the first len bytes (UTF-8, as the shim's database). */
int
pg_mbstrlen_with_len(const char *mbstr, int len)
{
	int			chars = 0;

	while (len > 0 && *mbstr)
	{
		int			l = pg_utf_mblen((const unsigned char *) mbstr);

		len -= l;
		mbstr += l;
		chars++;
	}
	return chars;
}

/* Abort: a code path the UTF-8 shim does not support was reached. */
static void
shim_unsupported(const char *what)
{
	fprintf(stderr, "pg_shim: %s is not available in the fuzzing shim\n", what);
	abort();
}

unsigned char *
pg_do_encoding_conversion(unsigned char *src, int len, int src_encoding, int dest_encoding)
{
	if (src_encoding == dest_encoding)
		return src;
	shim_unsupported("encoding conversion");
	return NULL;
}

int
pg_do_encoding_conversion_buf(Oid proc, int src_encoding, int dest_encoding,
							  unsigned char *src, int srclen,
							  unsigned char *dest, int destlen, bool noError)
{
	shim_unsupported("encoding conversion");
	return 0;
}

Oid
FindDefaultConversionProc(int32 for_encoding, int32 to_encoding)
{
	shim_unsupported("encoding conversion");
	return InvalidOid;
}

/* ------------------------------------------------------------------
 * SPI: not available (custom lexicons are read through it)
 * ------------------------------------------------------------------
 */

uint64		SPI_processed = 0;
SPITupleTable *SPI_tuptable = NULL;

int
SPI_connect(void)
{
	shim_unsupported("SPI");
	return 0;
}

int
SPI_finish(void)
{
	shim_unsupported("SPI");
	return 0;
}

int
SPI_execute_with_args(const char *src, int nargs, Oid *argtypes, Datum *Values,
					  const char *Nulls, bool read_only, long tcount)
{
	shim_unsupported("SPI");
	return 0;
}

Datum
SPI_getbinval(HeapTuple tuple, TupleDesc tupdesc, int fnumber, bool *isnull)
{
	shim_unsupported("SPI");
	return (Datum) 0;
}

/* ------------------------------------------------------------------
 * Stack depth: the server's check_stack_depth() with a 2 MB limit,
 * measured from the frame of fuzz_run()
 * ------------------------------------------------------------------
 */

char	   *shim_stack_base = NULL;

#define SHIM_MAX_STACK_DEPTH (2 * 1024 * 1024)

void
check_stack_depth(void)
{
	char		here;
	long		depth;

	if (shim_stack_base == NULL)
		return;
	depth = (long) (shim_stack_base - &here);
	if (depth < 0)
		depth = -depth;
	if (depth > SHIM_MAX_STACK_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded")));
}

/* ------------------------------------------------------------------
 * More strings and buffers
 * ------------------------------------------------------------------
 */

char *
psprintf(const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		ap;
		int			avail = buf.maxlen - buf.len;
		int			n;

		va_start(ap, fmt);
		n = vsnprintf(buf.data + buf.len, avail, fmt, ap);
		va_end(ap);
		if (n < 0)
			elog(ERROR, "vsnprintf failed");
		if (n < avail)
		{
			buf.len += n;
			return buf.data;
		}
		enlargeStringInfo(&buf, n);
	}
}

void *
repalloc_huge(void *pointer, Size size)
{
	if (!AllocHugeSizeIsValid(size))
		shim_bad_size(size);
	if (!AllocSizeIsValid(size))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return repalloc(pointer, size);
}

/* The longest prefix of at most limit bytes that ends on a character boundary. */
int
pg_mbcliplen(const char *mbstr, int len, int limit)
{
	int			clen = 0;

	while (clen < len && *mbstr)
	{
		int			l = pg_utf_mblen((const unsigned char *) mbstr);

		if (clen + l > limit)
			break;
		clen += l;
		if (clen == limit)
			break;
		mbstr += l;
	}
	return clen;
}

/* ------------------------------------------------------------------
 * Binary I/O (pqformat), as the type send/receive functions use it; the
 * client encoding is the database encoding (UTF-8)
 * ------------------------------------------------------------------
 */

int
pq_getmsgbyte(StringInfo msg)
{
	if (msg->cursor >= msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("no data left in message")));
	return (unsigned char) msg->data[msg->cursor++];
}

char *
pq_getmsgtext(StringInfo msg, int rawbytes, int *nbytes)
{
	char	   *p;

	if (rawbytes < 0 || rawbytes > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	p = palloc(rawbytes + 1);
	memcpy(p, &msg->data[msg->cursor], rawbytes);
	p[rawbytes] = '\0';
	msg->cursor += rawbytes;
	if (nbytes)
		*nbytes = rawbytes;
	return p;
}

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	appendStringInfoSpaces(buf, VARHDRSZ);
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendtext(StringInfo buf, const char *str, int slen)
{
	appendBinaryStringInfo(buf, str, slen);
}

/* The server's checks of a message with datalen bytes to read (08P01). */
static void
shim_msg_need(StringInfo msg, int datalen)
{
	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
}

void
pq_copymsgbytes(StringInfo msg, char *buf, int datalen)
{
	shim_msg_need(msg, datalen);
	memcpy(buf, &msg->data[msg->cursor], datalen);
	msg->cursor += datalen;
}

const char *
pq_getmsgbytes(StringInfo msg, int datalen)
{
	const char *p;

	shim_msg_need(msg, datalen);
	p = &msg->data[msg->cursor];
	msg->cursor += datalen;
	return p;
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	uint8		n8;
	uint16		n16;
	uint32		n32;

	switch (b)
	{
		case 1:
			pq_copymsgbytes(msg, (char *) &n8, 1);
			return n8;
		case 2:
			pq_copymsgbytes(msg, (char *) &n16, 2);
			return pg_ntoh16(n16);
		case 4:
			pq_copymsgbytes(msg, (char *) &n32, 4);
			return pg_ntoh32(n32);
		default:
			elog(ERROR, "unsupported integer size %d", b);
			return 0;
	}
}

int64
pq_getmsgint64(StringInfo msg)
{
	uint64		n64;

	pq_copymsgbytes(msg, (char *) &n64, sizeof(n64));
	return (int64) pg_ntoh64(n64);
}

float8
pq_getmsgfloat8(StringInfo msg)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.i = pq_getmsgint64(msg);
	return swap.f;
}

void
pq_getmsgend(StringInfo msg)
{
	if (msg->cursor != msg->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid message format")));
}

void
pq_sendbytes(StringInfo buf, const char *data, int datalen)
{
	appendBinaryStringInfo(buf, data, datalen);
}

void
pq_sendfloat8(StringInfo buf, float8 f)
{
	union
	{
		float8		f;
		int64		i;
	}			swap;

	swap.f = f;
	pq_sendint64(buf, swap.i);
}

/* ------------------------------------------------------------------
 * Numbers and hexadecimal, with the server's syntax and errors
 * ------------------------------------------------------------------
 */

/*
 * float8in_internal_opt_error: strtod() after leading white space, the
 * spellings of NaN and the infinities strtod may not know, 22003 for an
 * overflow or an underflow to zero (a denormal is accepted), 22P02 for
 * anything else; trailing white space is skipped and, without endptr_p,
 * must end the string.  With have_error the errors set it and return 0.
 */
float8
float8in_internal_opt_error(char *num, char **endptr_p, const char *type_name,
							const char *orig_string, bool *have_error)
{
	static const struct
	{
		const char *word;
		double		value;
	}			specials[] = {
		{"NaN", NAN}, {"Infinity", INFINITY}, {"+Infinity", INFINITY},
		{"-Infinity", -INFINITY}, {"inf", INFINITY}, {"+inf", INFINITY}, {"-inf", -INFINITY}
	};
	double		val;
	char	   *endptr;
	int			i;

	while (*num != '\0' && isspace((unsigned char) *num))
		num++;
	if (*num == '\0')
		goto syntax;
	errno = 0;
	val = strtod(num, &endptr);
	if (endptr == num || errno != 0)
	{
		int			save_errno = errno;
		bool		special = false;

		for (i = 0; i < lengthof(specials) && !special; i++)
			if (pg_strncasecmp(num, specials[i].word, strlen(specials[i].word)) == 0)
			{
				val = specials[i].value;
				endptr = num + strlen(specials[i].word);
				special = true;
			}
		if (!special && save_errno == ERANGE)
		{
			if (val == 0.0 || val >= HUGE_VAL || val <= -HUGE_VAL)
			{
				if (have_error)
				{
					*have_error = true;
					return 0;
				}
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("\"%s\" is out of range for type double precision",
								pnstrdup(num, endptr - num))));
			}
		}
		else if (!special)
			goto syntax;
	}
	while (*endptr != '\0' && isspace((unsigned char) *endptr))
		endptr++;
	if (endptr_p)
		*endptr_p = endptr;
	else if (*endptr != '\0')
		goto syntax;
	return val;

syntax:
	if (have_error)
	{
		*have_error = true;
		return 0;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", type_name, orig_string)));
	return 0;
}

float8
float8in_internal(char *num, char **endptr_p, const char *type_name, const char *orig_string)
{
	return float8in_internal_opt_error(num, endptr_p, type_name, orig_string, NULL);
}

/* float8out_internal: the shortest exact form (extra_float_digits 1, the default). */
char *
float8out_internal(float8 num)
{
	char	   *ascii = palloc(32);

	if (isnan(num))
		strcpy(ascii, "NaN");
	else if (isinf(num))
		strcpy(ascii, num > 0 ? "Infinity" : "-Infinity");
	else
		double_to_shortest_decimal_buf(num, ascii);
	return ascii;
}

/* The value of a hexadecimal digit, or the server's 22023. */
static int
shim_hex_digit(const char *c)
{
	if (*c >= '0' && *c <= '9')
		return *c - '0';
	if (*c >= 'a' && *c <= 'f')
		return *c - 'a' + 10;
	if (*c >= 'A' && *c <= 'F')
		return *c - 'A' + 10;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid hexadecimal digit: \"%.*s\"",
					pg_utf_mblen((const unsigned char *) c), c)));
	return 0;
}

/* hex_decode: pairs of digits, white space between pairs skipped. */
uint64
hex_decode(const char *src, size_t len, char *dst)
{
	const char *s = src,
			   *end = src + len;
	char	   *p = dst;

	while (s < end)
	{
		int			hi;

		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		{
			s++;
			continue;
		}
		hi = shim_hex_digit(s++);
		if (s >= end)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid hexadecimal data: odd number of digits")));
		*p++ = (char) ((hi << 4) | shim_hex_digit(s++));
	}
	return p - dst;
}

/* hex_encode: two lower-case digits a byte. */
uint64
hex_encode(const char *src, size_t len, char *dst)
{
	static const char digits[] = "0123456789abcdef";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		*dst++ = digits[(unsigned char) src[i] >> 4];
		*dst++ = digits[(unsigned char) src[i] & 0xF];
	}
	return (uint64) len * 2;
}

/* ------------------------------------------------------------------
 * Aggregates: a function called with fcinfo->context an AggState is in an
 * aggregate, whose context is shim_aggregate_context (set by the target)
 * ------------------------------------------------------------------
 */

MemoryContext shim_aggregate_context = NULL;

int
AggCheckCallContext(FunctionCallInfo fcinfo, MemoryContext *aggcontext)
{
	if (fcinfo->context && IsA(fcinfo->context, AggState) && shim_aggregate_context != NULL)
	{
		if (aggcontext)
			*aggcontext = shim_aggregate_context;
		return AGG_CONTEXT_AGGREGATE;
	}
	if (aggcontext)
		*aggcontext = NULL;
	return 0;
}

/* ------------------------------------------------------------------
 * Expanded objects: the header and its two methods
 * ------------------------------------------------------------------
 */

ExpandedObjectHeader *
DatumGetEOHP(Datum d)
{
	varattrib_1b_e *datum = (varattrib_1b_e *) DatumGetPointer(d);
	varatt_expanded ptr;

	if (!VARATT_IS_EXTERNAL_EXPANDED(datum))
	{
		fprintf(stderr, "pg_shim: DatumGetEOHP on a datum that is not expanded\n");
		abort();
	}
	memcpy(&ptr, VARDATA_EXTERNAL(datum), sizeof(ptr));
	return ptr.eohptr;
}

void
EOH_init_header(ExpandedObjectHeader *eohptr, const ExpandedObjectMethods *methods,
				MemoryContext obj_context)
{
	varatt_expanded ptr;

	eohptr->vl_len_ = EOH_HEADER_MAGIC;
	eohptr->eoh_methods = methods;
	eohptr->eoh_context = obj_context;
	ptr.eohptr = eohptr;
	SET_VARTAG_EXTERNAL(eohptr->eoh_rw_ptr, VARTAG_EXPANDED_RW);
	memcpy(VARDATA_EXTERNAL(eohptr->eoh_rw_ptr), &ptr, sizeof(ptr));
	SET_VARTAG_EXTERNAL(eohptr->eoh_ro_ptr, VARTAG_EXPANDED_RO);
	memcpy(VARDATA_EXTERNAL(eohptr->eoh_ro_ptr), &ptr, sizeof(ptr));
}

Size
EOH_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return eohptr->eoh_methods->get_flat_size(eohptr);
}

void
EOH_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	eohptr->eoh_methods->flatten_into(eohptr, result, allocated_size);
}

/* ------------------------------------------------------------------
 * Hash tables (dynahash's API for local tables): chained buckets that
 * double when the table is full, entries allocated in the table's own
 * context (a child of HASH_CONTEXT's, or of TopMemoryContext), keys
 * compared as bytes (HASH_BLOBS), as strings (HASH_STRINGS) or with the
 * caller's functions; the table does not grow while a scan is open
 * ------------------------------------------------------------------
 */

struct HTAB
{
	MemoryContext cxt;
	Size		keysize;
	Size		entrysize;
	int			flags;
	HashValueFunc hash;
	HashCompareFunc match;
	HashCopyFunc keycopy;
	HASHELEMENT **buckets;
	uint32		nbuckets;		/* a power of 2 */
	long		nentries;
	int			open_scans;
};

#define SHIM_ELEMENT_KEY(e) ((char *) (e) + MAXALIGN(sizeof(HASHELEMENT)))

static uint32
shim_string_hash(const void *key, Size keysize)
{
	return hash_bytes((const unsigned char *) key, (int) strnlen(key, keysize - 1));
}

static uint32
shim_blob_hash(const void *key, Size keysize)
{
	return hash_bytes((const unsigned char *) key, (int) keysize);
}

static int
shim_string_compare(const void *key1, const void *key2, Size keysize)
{
	return strncmp(key1, key2, keysize - 1);
}

static void *
shim_string_copy(void *dest, const void *src, Size keysize)
{
	strlcpy(dest, src, keysize);
	return dest;
}

HTAB *
hash_create(const char *tabname, long nelem, const HASHCTL *info, int flags)
{
	MemoryContext parent = (flags & HASH_CONTEXT) ? info->hcxt : TopMemoryContext;
	MemoryContext cxt;
	HTAB	   *h;

	if (!(flags & HASH_ELEM) || (flags & (HASH_SHARED_MEM | HASH_ALLOC | HASH_PARTITION)))
		shim_unsupported("hash_create without HASH_ELEM or in shared memory");
	cxt = AllocSetContextCreate(parent, "hash table", ALLOCSET_DEFAULT_SIZES);
	h = MemoryContextAllocZero(cxt, sizeof(HTAB));
	h->cxt = cxt;
	h->keysize = info->keysize;
	h->entrysize = info->entrysize;
	h->flags = flags;
	if (flags & HASH_FUNCTION)
		h->hash = info->hash;
	else if (flags & HASH_BLOBS)
		h->hash = shim_blob_hash;
	else
		h->hash = shim_string_hash;
	if (flags & HASH_COMPARE)
		h->match = info->match;
	else if (h->hash == shim_string_hash)
		h->match = shim_string_compare;
	else
		h->match = memcmp;
	if (flags & HASH_KEYCOPY)
		h->keycopy = info->keycopy;
	else if (h->hash == shim_string_hash)
		h->keycopy = shim_string_copy;
	else
		h->keycopy = memcpy;
	h->nbuckets = 16;
	while (h->nbuckets < (uint32) Min(nelem, 1L << 20))
		h->nbuckets <<= 1;
	h->buckets = MemoryContextAllocZero(cxt, h->nbuckets * sizeof(HASHELEMENT *));
	return h;
}

void
hash_destroy(HTAB *hashp)
{
	if (hashp)
		MemoryContextDelete(hashp->cxt);
}

/* Double the buckets (when no scan is open). */
static void
shim_hash_grow(HTAB *h)
{
	uint32		n = h->nbuckets * 2;
	HASHELEMENT **b = MemoryContextAllocZero(h->cxt, n * sizeof(HASHELEMENT *));
	uint32		i;

	for (i = 0; i < h->nbuckets; i++)
		while (h->buckets[i])
		{
			HASHELEMENT *e = h->buckets[i];

			h->buckets[i] = e->link;
			e->link = b[e->hashvalue & (n - 1)];
			b[e->hashvalue & (n - 1)] = e;
		}
	pfree(h->buckets);
	h->buckets = b;
	h->nbuckets = n;
}

void *
hash_search(HTAB *hashp, const void *keyPtr, HASHACTION action, bool *foundPtr)
{
	uint32		hv = hashp->hash(keyPtr, hashp->keysize);
	HASHELEMENT **link = &hashp->buckets[hv & (hashp->nbuckets - 1)];
	HASHELEMENT *e;

	for (; (e = *link) != NULL; link = &e->link)
		if (e->hashvalue == hv && hashp->match(SHIM_ELEMENT_KEY(e), keyPtr, hashp->keysize) == 0)
			break;
	if (foundPtr)
		*foundPtr = (e != NULL);
	switch (action)
	{
		case HASH_FIND:
			return e ? SHIM_ELEMENT_KEY(e) : NULL;
		case HASH_REMOVE:
			if (e == NULL)
				return NULL;
			*link = e->link;
			hashp->nentries--;
			/* dynahash keeps removed entries on a free list: the pointer stays valid */
			return SHIM_ELEMENT_KEY(e);
		case HASH_ENTER:
		case HASH_ENTER_NULL:
			if (e)
				return SHIM_ELEMENT_KEY(e);
			if (hashp->open_scans == 0 && hashp->nentries >= (long) hashp->nbuckets)
			{
				shim_hash_grow(hashp);
				link = &hashp->buckets[hv & (hashp->nbuckets - 1)];
				while (*link)
					link = &(*link)->link;
			}
			e = MemoryContextAlloc(hashp->cxt, MAXALIGN(sizeof(HASHELEMENT)) + hashp->entrysize);
			e->link = NULL;
			e->hashvalue = hv;
			*link = e;
			hashp->nentries++;
			hashp->keycopy(SHIM_ELEMENT_KEY(e), keyPtr, hashp->keysize);
			return SHIM_ELEMENT_KEY(e);
	}
	return NULL;
}

long
hash_get_num_entries(HTAB *hashp)
{
	return hashp->nentries;
}

void
hash_seq_init(HASH_SEQ_STATUS *status, HTAB *hashp)
{
	status->hashp = hashp;
	status->curBucket = 0;
	status->curEntry = NULL;
	hashp->open_scans++;
}

void *
hash_seq_search(HASH_SEQ_STATUS *status)
{
	HTAB	   *h = status->hashp;
	HASHELEMENT *e = status->curEntry;

	if (e != NULL)
	{
		status->curEntry = e->link;
		if (e->link == NULL)
			status->curBucket++;
		return SHIM_ELEMENT_KEY(e);
	}
	while (status->curBucket < h->nbuckets)
	{
		e = h->buckets[status->curBucket];
		if (e != NULL)
		{
			status->curEntry = e->link;
			if (e->link == NULL)
				status->curBucket++;
			return SHIM_ELEMENT_KEY(e);
		}
		status->curBucket++;
	}
	h->open_scans--;
	return NULL;
}

void
hash_seq_term(HASH_SEQ_STATUS *status)
{
	status->hashp->open_scans--;
}

/* ------------------------------------------------------------------
 * Executor services the fuzzed entry points do not use
 * ------------------------------------------------------------------
 */

bool
get_fn_expr_arg_stable(FmgrInfo *flinfo, int argnum)
{
	shim_unsupported("get_fn_expr_arg_stable");
	return false;
}

void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags)
{
	shim_unsupported("set-returning functions");
}

void
tuplestore_putvalues(Tuplestorestate *state, TupleDesc tdesc, Datum *values, bool *isnull)
{
	shim_unsupported("tuplestores");
}
