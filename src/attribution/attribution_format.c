/*
 * attribution_format.c — the three written forms of an attribution state:
 * the flat varlena (native), the binary send/receive form (network byte
 * order) and the text form, all written and read by one pair of routines.
 *
 * One description, three encodings.  attr_write() walks a state field by
 * field and attr_read() reads the fields back in the same order; each field
 * goes through a small writer/reader that knows the encoding:
 *
 *   native   the flat form inside the database (the varlena a state is
 *            stored, spilled or sent to a parallel leader as): integers and
 *            doubles as their machine bytes, strings as a length and bytes.
 *            Fast; it never leaves the machine.
 *   network  attribution_state_send/_recv: the same fields, integers and
 *            the IEEE-754 bit patterns of doubles in network byte order
 *            (big-endian), channel names in the client encoding, so a
 *            binary COPY moves between any two machines.
 *   text     attribution_state_out/_in, what Citus ships between nodes:
 *            labelled fields, doubles in the shortest decimal that reads
 *            back to the same double (PostgreSQL's float8 output
 *            algorithm), strings quoted.  Byte-order independent by
 *            construction, and readable.
 *
 * The text form, version 1 (tokens separated by exactly one space):
 *
 *   v1 models=M,... order=K half_life_us=D first_share=D last_share=D
 *   direct=(-|"S") custom=N ("S"=D)*N paths=D conversions=D value=D
 *   channels=N ("S"[=D,D,...])*N transitions=N (FROM>TO=D)*N
 *   sets=N (I.I...=D,D,D)*N
 *
 * M are model names in their fixed order (first_touch, last_touch,
 * last_non_direct, linear, time_decay, position_based, custom, markov,
 * shapley); a channel carries (credited conversions, credited value) for
 * each rule-based model of M, in that order; FROM is "start" or channel
 * indices joined by dots (the last K channels of a Markov state), TO a
 * channel index, "conv" or "null"; a set is its channel indices, then
 * paths, conversions and value.  Strings escape only \" and \\.  Doubles
 * are written as float8 prints them with extra_float_digits = 1 (NaN,
 * Infinity, -Infinity included; every NaN reads back as the one NaN float8
 * uses).  Transitions and sets are written sorted, so equal states built in
 * the same channel order print the same text.
 *
 * Validation is the same for every form, because it is the same reader:
 * every length and count is checked against what remains, integers against
 * their ranges, channel names against repeats, transition keys and set
 * masks against the dictionary, counts (paths, conversions, transition
 * counts) must be finite and non-negative with conversions <= paths, and
 * the parameters must be what the aggregates accept (half-life > 0, shares
 * >= 0 summing to at most 1, order 1..4, weights finite and >= 0).  The text and network
 * forms must also be canonical (fields in order, keys strictly ascending),
 * so a text has one reading only.  Errors: text 22P02 with the character
 * position, network 22P03 with the byte offset, a damaged flat form 22P03.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/float.h"

#include "attribution.h"

#define ATTR_MAGIC		0x41545432	/* "ATT2": the flat form of this layout */
#define ATTR_NET_MAGIC	0x41545431	/* the network form, version 1 */

typedef enum AttrFormat
{
	ATTR_NATIVE,
	ATTR_NETWORK,
	ATTR_TEXT
} AttrFormat;

typedef struct AttrWriter
{
	AttrFormat	format;
	StringInfo	buf;
} AttrWriter;

typedef struct AttrReader
{
	AttrFormat	format;
	const char *start;
	const char *p;
	const char *end;
	StringInfo	msg;			/* network: the message (for pq_getmsgtext) */
} AttrReader;

/* ---- writing ---- */

/* Text only: a literal (label, separator). */
static void
w_lit(AttrWriter *w, const char *s)
{
	if (w->format == ATTR_TEXT)
		appendStringInfoString(w->buf, s);
}

/* An unsigned 32-bit integer. */
static void
w_uint32(AttrWriter *w, uint32 v)
{
	if (w->format == ATTR_TEXT)
		appendStringInfo(w->buf, "%u", v);
	else if (w->format == ATTR_NETWORK)
		pq_sendint32(w->buf, v);
	else
		appendBinaryStringInfo(w->buf, (char *) &v, sizeof(v));
}

/* A signed 32-bit integer. */
static void
w_int32(AttrWriter *w, int32 v)
{
	if (w->format == ATTR_TEXT)
		appendStringInfo(w->buf, "%d", v);
	else
		w_uint32(w, (uint32) v);
}

/* One byte (binary forms only). */
static void
w_byte(AttrWriter *w, uint8 v)
{
	if (w->format != ATTR_TEXT)
		appendStringInfoChar(w->buf, (char) v);
}

/* A double: exact bits in binary, the shortest exact decimal in text. */
static void
w_double(AttrWriter *w, double v)
{
	if (w->format == ATTR_TEXT)
	{
		char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

		if (isnan(v))
			appendStringInfoString(w->buf, "NaN");
		else if (isinf(v))
			appendStringInfoString(w->buf, v > 0 ? "Infinity" : "-Infinity");
		else
		{
			double_to_shortest_decimal_buf(v, num);
			appendStringInfoString(w->buf, num);
		}
	}
	else if (w->format == ATTR_NETWORK)
	{
		uint64		bits;

		memcpy(&bits, &v, sizeof(bits));
		pq_sendint64(w->buf, bits);
	}
	else
		appendBinaryStringInfo(w->buf, (char *) &v, sizeof(v));
}

/* A string: quoted in text, length and bytes in binary (client encoding on the network). */
static void
w_string(AttrWriter *w, const char *s, int len)
{
	int			i;

	if (w->format == ATTR_TEXT)
	{
		appendStringInfoChar(w->buf, '"');
		for (i = 0; i < len; i++)
		{
			if (s[i] == '"' || s[i] == '\\')
				appendStringInfoChar(w->buf, '\\');
			appendStringInfoChar(w->buf, s[i]);
		}
		appendStringInfoChar(w->buf, '"');
	}
	else if (w->format == ATTR_NETWORK)
	{
		StringInfoData conv;

		initStringInfo(&conv);
		pq_sendtext(&conv, s, len);
		pq_sendint32(w->buf, (uint32) conv.len);
		appendBinaryStringInfo(w->buf, conv.data, conv.len);
		pfree(conv.data);
	}
	else
	{
		w_int32(w, len);
		appendBinaryStringInfo(w->buf, s, len);
	}
}

/* The model set: a bit mask in binary, names in text. */
static void
w_models(AttrWriter *w, uint32 models)
{
	int			m;
	bool		first = true;

	if (w->format != ATTR_TEXT)
	{
		w_uint32(w, models);
		return;
	}
	for (m = 0; m < ATTR_NUM_MODELS; m++)
		if (models & ATTR_BIT(m))
		{
			if (!first)
				appendStringInfoChar(w->buf, ',');
			appendStringInfoString(w->buf, attr_model_names[m]);
			first = false;
		}
}

/* A transition key: bytes in binary, "FROM>TO" in text. */
static void
w_key(AttrWriter *w, const AttrTransitionKey *key)
{
	int			i;

	if (w->format != ATTR_TEXT)
	{
		w_byte(w, key->len);
		for (i = 0; i < key->len; i++)
			w_byte(w, key->from[i]);
		w_byte(w, key->to);
		return;
	}
	for (i = 0; i < key->len; i++)
	{
		if (i > 0)
			appendStringInfoChar(w->buf, '.');
		if (key->from[i] == ATTR_SYM_START)
			appendStringInfoString(w->buf, "start");
		else
			appendStringInfo(w->buf, "%d", key->from[i]);
	}
	appendStringInfoChar(w->buf, '>');
	if (key->to == ATTR_SYM_CONV)
		appendStringInfoString(w->buf, "conv");
	else if (key->to == ATTR_SYM_NULL)
		appendStringInfoString(w->buf, "null");
	else
		appendStringInfo(w->buf, "%d", key->to);
}

/* A channel set: 64 bits in binary, indices joined by dots in text. */
static void
w_mask(AttrWriter *w, uint64 mask)
{
	int			i;
	bool		first = true;

	if (w->format == ATTR_NETWORK)
	{
		pq_sendint64(w->buf, mask);
		return;
	}
	if (w->format == ATTR_NATIVE)
	{
		appendBinaryStringInfo(w->buf, (char *) &mask, sizeof(mask));
		return;
	}
	for (i = 0; i < 64; i++)
		if (mask & (UINT64CONST(1) << i))
		{
			if (!first)
				appendStringInfoChar(w->buf, '.');
			appendStringInfo(w->buf, "%d", i);
			first = false;
		}
}

/* Write every field of a state (sorted tables unless native). */
static void
attr_write(AttrState *st, AttrWriter *w)
{
	int			i,
				m,
				n;

	if (w->format == ATTR_TEXT)
		w_lit(w, "v1 models=");
	else
		w_uint32(w, w->format == ATTR_NATIVE ? ATTR_MAGIC : ATTR_NET_MAGIC);
	w_models(w, st->models);
	w_lit(w, " order=");
	w_int32(w, st->params.order);
	w_lit(w, " half_life_us=");
	w_double(w, st->params.half_life_us);
	w_lit(w, " first_share=");
	w_double(w, st->params.first_share);
	w_lit(w, " last_share=");
	w_double(w, st->params.last_share);
	w_lit(w, " direct=");
	if (w->format != ATTR_TEXT)
		w_byte(w, st->params.direct != NULL);
	if (st->params.direct)
		w_string(w, st->params.direct, st->params.direct_len);
	else
		w_lit(w, "-");
	w_lit(w, " custom=");
	w_int32(w, st->params.ncustom);
	for (i = 0; i < st->params.ncustom; i++)
	{
		w_lit(w, " ");
		w_string(w, st->params.custom_names[i], st->params.custom_lens[i]);
		w_lit(w, "=");
		w_double(w, st->params.custom_weights[i]);
	}
	w_lit(w, " paths=");
	w_double(w, st->paths);
	w_lit(w, " conversions=");
	w_double(w, st->conversions);
	w_lit(w, " value=");
	w_double(w, st->total_value);
	w_lit(w, " channels=");
	w_int32(w, st->nchannels);
	for (i = 0; i < st->nchannels; i++)
	{
		const char *sep = "=";

		w_lit(w, " ");
		w_string(w, st->names[i], st->lens[i]);
		for (m = 0; m < ATTR_NUM_RULES; m++)
			if (st->models & ATTR_BIT(m))
			{
				w_lit(w, sep);
				w_double(w, st->conv[m][i]);
				w_lit(w, ",");
				w_double(w, st->value[m][i]);
				sep = ",";
			}
	}

	{
		AttrTransition **all = attr_transitions_in_order(st, w->format != ATTR_NATIVE, &n);

		w_lit(w, " transitions=");
		w_int32(w, n);
		for (i = 0; i < n; i++)
		{
			w_lit(w, " ");
			w_key(w, &all[i]->key);
			w_lit(w, "=");
			w_double(w, all[i]->count);
		}
		pfree(all);
	}

	{
		AttrChannelSet **all = attr_sets_in_order(st, w->format != ATTR_NATIVE, &n);

		w_lit(w, " sets=");
		w_int32(w, n);
		for (i = 0; i < n; i++)
		{
			w_lit(w, " ");
			w_mask(w, all[i]->mask);
			w_lit(w, "=");
			w_double(w, all[i]->paths);
			w_lit(w, ",");
			w_double(w, all[i]->conversions);
			w_lit(w, ",");
			w_double(w, all[i]->value);
		}
		pfree(all);
	}
}

/* ---- reading ---- */

/* Report a bad field at the reader's position, in the form's own terms. */
static void
pg_attribute_noreturn()
bad(AttrReader *r, const char *what)
{
	int			pos = (int) (r->p - r->start);

	if (r->format == ATTR_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type clientele.attribution_state"),
				 errdetail("Expected %s at character %d.", what,
						   pg_mbstrlen_with_len(r->start, pos) + 1),
				 errhint("The text form is written by attribution_state_out: \"v1 models=...\"; see docs/attribution.md.")));
	else if (r->format == ATTR_NETWORK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external binary attribution state"),
				 errdetail("Expected %s at byte %d.", what, pos)));
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid serialized attribution state"),
				 errdetail("Expected %s at byte %d.", what, pos)));
}

/* Text only: the literal s, exactly. */
static void
r_lit(AttrReader *r, const char *s, const char *what)
{
	size_t		len = strlen(s);

	if (r->format != ATTR_TEXT)
		return;
	if ((size_t) (r->end - r->p) < len || memcmp(r->p, s, len) != 0)
		bad(r, what);
	r->p += len;
}

/* Text only: consume the literal s if it is next. */
static bool
r_maybe(AttrReader *r, const char *s)
{
	size_t		len = strlen(s);

	if (r->format != ATTR_TEXT || (size_t) (r->end - r->p) < len || memcmp(r->p, s, len) != 0)
		return false;
	r->p += len;
	return true;
}

/* Binary only: len bytes, checked to be there. */
static const char *
r_bytes(AttrReader *r, int len, const char *what)
{
	const char *s = r->p;

	if (r->end - r->p < len)
		bad(r, what);
	r->p += len;
	return s;
}

/* Text: a decimal integer without sign or leading zero, at most hi. */
static int64
r_text_uint(AttrReader *r, int64 hi, const char *what)
{
	int64		v = 0;
	const char *s = r->p;

	if (r->p >= r->end || !isdigit((unsigned char) *r->p) ||
		(*r->p == '0' && r->p + 1 < r->end && isdigit((unsigned char) r->p[1])))
		bad(r, what);
	while (r->p < r->end && isdigit((unsigned char) *r->p))
	{
		v = v * 10 + (*r->p - '0');
		r->p++;
		if (v > hi)
		{
			r->p = s;
			bad(r, what);
		}
	}
	return v;
}

/* An unsigned 32-bit integer (binary forms) in [lo, hi]. */
static uint32
r_uint32(AttrReader *r, const char *what)
{
	uint32		v;

	memcpy(&v, r_bytes(r, sizeof(v), what), sizeof(v));
	return r->format == ATTR_NETWORK ? pg_ntoh32(v) : v;
}

/* A count in [0, hi]. */
static int
r_count(AttrReader *r, int hi, const char *what)
{
	const char *s = r->p;
	int32		v;

	if (r->format == ATTR_TEXT)
		return (int) r_text_uint(r, hi, what);
	v = (int32) r_uint32(r, what);
	if (v < 0 || v > hi)
	{
		r->p = s;
		bad(r, what);
	}
	return v;
}

/* One byte (binary forms). */
static uint8
r_byte(AttrReader *r, const char *what)
{
	return (uint8) *r_bytes(r, 1, what);
}

/* A double: exact bits in binary; in text a decimal, NaN, Infinity or -Infinity. */
static double
r_double(AttrReader *r, const char *what)
{
	const char *s = r->p;
	const char *q = r->p;
	char		num[64];
	char	   *endp;
	double		v;

	if (r->format != ATTR_TEXT)
	{
		uint64		bits;

		memcpy(&bits, r_bytes(r, sizeof(bits), what), sizeof(bits));
		if (r->format == ATTR_NETWORK)
			bits = pg_ntoh64(bits);
		memcpy(&v, &bits, sizeof(v));
		/* every NaN reads as the one NaN, as in text: one value, one form */
		return isnan(v) ? get_float8_nan() : v;
	}
	if (r_maybe(r, "NaN"))
		return get_float8_nan();
	if (r_maybe(r, "Infinity"))
		return get_float8_infinity();
	if (r_maybe(r, "-Infinity"))
		return -get_float8_infinity();
	/* -?digits(.digits)?(e[+-]?digits)? */
	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end || !isdigit((unsigned char) *q))
		bad(r, what);
	while (q < r->end && isdigit((unsigned char) *q))
		q++;
	if (q < r->end && *q == '.')
	{
		q++;
		if (q >= r->end || !isdigit((unsigned char) *q))
			bad(r, what);
		while (q < r->end && isdigit((unsigned char) *q))
			q++;
	}
	if (q < r->end && *q == 'e')
	{
		q++;
		if (q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || !isdigit((unsigned char) *q))
			bad(r, what);
		while (q < r->end && isdigit((unsigned char) *q))
			q++;
	}
	if (q - s >= (ptrdiff_t) sizeof(num))
		bad(r, what);
	memcpy(num, s, q - s);
	num[q - s] = '\0';
	errno = 0;
	v = strtod(num, &endp);
	if (*endp != '\0' || (errno == ERANGE && (v == 0 || isinf(v))))
		bad(r, what);
	r->p = q;
	return v;
}

/* A count-like double: finite and not negative. */
static double
r_amount(AttrReader *r, const char *what)
{
	const char *s = r->p;
	double		v = r_double(r, what);

	if (!(v >= 0 && !isinf(v)))
	{
		r->p = s;
		bad(r, what);
	}
	return v;
}

/* A string, returned palloc'd and NUL-terminated (server encoding). */
static char *
r_string(AttrReader *r, int *len, const char *what)
{
	if (r->format == ATTR_TEXT)
	{
		StringInfoData s;

		if (r->p >= r->end || *r->p != '"')
			bad(r, what);
		r->p++;
		initStringInfo(&s);
		for (;;)
		{
			if (r->p >= r->end)
				bad(r, "a closing \" of the string");
			if (*r->p == '"')
				break;
			if (*r->p == '\\')
			{
				r->p++;
				if (r->p >= r->end || (*r->p != '"' && *r->p != '\\'))
					bad(r, "\\\" or \\\\ (the only escapes)");
			}
			appendStringInfoChar(&s, *r->p);
			r->p++;
		}
		r->p++;
		*len = s.len;
		return s.data;
	}
	else
	{
		const char *at = r->p;
		int			n = r_count(r, (int) Min(r->end - r->p, PG_INT32_MAX), what);
		char	   *out;

		if (r->end - r->p < n)
		{
			r->p = at;
			bad(r, what);
		}
		if (r->format == ATTR_NETWORK)
		{
			/* client encoding to server encoding, validated */
			r->msg->cursor = (int) (r->p - r->msg->data);
			out = pq_getmsgtext(r->msg, n, len);
			r->p += n;
			/* a NUL would cut the name short: refused as in the other forms */
			if (memchr(out, '\0', *len) != NULL)
			{
				r->p = at;
				bad(r, what);
			}
			return out;
		}
		out = palloc(n + 1);
		memcpy(out, r->p, n);
		out[n] = '\0';
		r->p += n;
		*len = n;
		if (memchr(out, '\0', n) != NULL)
		{
			r->p = at;
			bad(r, what);
		}
		return out;
	}
}

/* The model set: a non-empty bit mask, or model names in their fixed order. */
static uint32
r_models(AttrReader *r)
{
	uint32		models = 0;
	int			last = -1;

	if (r->format != ATTR_TEXT)
	{
		const char *s = r->p;

		models = r_uint32(r, "a set of models");
		if (models == 0 || models >= ATTR_BIT(ATTR_NUM_MODELS))
		{
			r->p = s;
			bad(r, "a set of models");
		}
		return models;
	}
	do
	{
		int			m;

		for (m = last + 1; m < ATTR_NUM_MODELS; m++)
		{
			size_t		len = strlen(attr_model_names[m]);

			if ((size_t) (r->end - r->p) >= len && memcmp(r->p, attr_model_names[m], len) == 0 &&
				(r->p + len == r->end || r->p[len] == ',' || r->p[len] == ' '))
				break;
		}
		if (m == ATTR_NUM_MODELS)
			bad(r, "a model name (first_touch, last_touch, last_non_direct, linear, time_decay, position_based, custom, markov, shapley, each once, in this order)");
		r->p += strlen(attr_model_names[m]);
		models |= ATTR_BIT(m);
		last = m;
	} while (r_maybe(r, ","));
	return models;
}

/* A channel index below n (text). */
static int
r_text_index(AttrReader *r, int n, const char *what)
{
	if (n == 0)
		bad(r, what);
	return (int) r_text_uint(r, n - 1, what);
}

/* A transition key, checked against the dictionary of n channels and the order. */
static void
r_key(AttrReader *r, int nchannels, int order, AttrTransitionKey *key)
{
	const char *s = r->p;
	const char *what = "a Markov transition (\"start>C\", \"C.C>C\", \"C>conv\" or \"C>null\", C a channel index)";
	int			k;

	memset(key, 0, sizeof(*key));
	if (r->format == ATTR_TEXT)
	{
		if (r_maybe(r, "start"))
		{
			key->len = 1;
			key->from[0] = ATTR_SYM_START;
		}
		else
			do
			{
				if (key->len == order)
					bad(r, what);
				key->from[key->len++] = (uint8) r_text_index(r, nchannels, what);
			} while (r_maybe(r, "."));
		r_lit(r, ">", what);
		if (r_maybe(r, "conv"))
			key->to = ATTR_SYM_CONV;
		else if (r_maybe(r, "null"))
			key->to = ATTR_SYM_NULL;
		else
			key->to = (uint8) r_text_index(r, nchannels, what);
		return;
	}
	key->len = r_byte(r, what);
	if (key->len < 1 || key->len > order)
	{
		r->p = s;
		bad(r, what);
	}
	for (k = 0; k < key->len; k++)
		key->from[k] = r_byte(r, what);
	key->to = r_byte(r, what);
	/* the start state stands alone; channels are in the dictionary */
	for (k = 0; k < key->len; k++)
		if (key->from[k] == ATTR_SYM_START ? key->len != 1 : key->from[k] >= nchannels)
		{
			r->p = s;
			bad(r, what);
		}
	if (key->to < ATTR_SYM_NULL ? key->to >= nchannels : key->to == ATTR_SYM_START)
	{
		r->p = s;
		bad(r, what);
	}
}

/* A channel set of channels below n: non-empty. */
static uint64
r_mask(AttrReader *r, int nchannels)
{
	const char *s = r->p;
	const char *what = "a channel set (channel indices joined by dots, ascending)";
	uint64		mask = 0;

	if (r->format == ATTR_TEXT)
	{
		int			last = -1;

		do
		{
			int			i = r_text_index(r, Min(nchannels, ATTR_SHAPLEY_MAX), what);

			if (i <= last)
			{
				r->p = s;
				bad(r, what);
			}
			mask |= UINT64CONST(1) << i;
			last = i;
		} while (r_maybe(r, "."));
		return mask;
	}
	memcpy(&mask, r_bytes(r, sizeof(mask), what), sizeof(mask));
	if (r->format == ATTR_NETWORK)
		mask = pg_ntoh64(mask);
	if (mask == 0 || (nchannels < 64 && (mask >> nchannels) != 0))
	{
		r->p = s;
		bad(r, what);
	}
	return mask;
}

/* Read every field of a state, validating it; the state is made in cxt. */
static AttrState *
attr_read(MemoryContext cxt, AttrReader *r)
{
	AttrParams	p;
	AttrState  *st;
	uint32		models;
	int			i,
				m,
				n;
	const char *s;
	bool		has_direct;
	AttrTransitionKey prev_key;
	uint64		prev_mask = 0;

	memset(&p, 0, sizeof(p));
	memset(&prev_key, 0, sizeof(prev_key));
	if (r->format == ATTR_TEXT)
		r_lit(r, "v1 models=", "\"v1 models=\" (version 1 of the text form)");
	else
	{
		s = r->p;
		if (r_uint32(r, "the format's magic number") != (r->format == ATTR_NATIVE ? ATTR_MAGIC : ATTR_NET_MAGIC))
		{
			r->p = s;
			bad(r, "the format's magic number");
		}
	}
	models = r_models(r);
	r_lit(r, " order=", "\" order=\"");
	p.order = r->format == ATTR_TEXT ? (int) r_text_uint(r, ATTR_MAX_ORDER, "a Markov order from 1 to 4") :
		r_count(r, ATTR_MAX_ORDER, "a Markov order from 1 to 4");
	if (p.order < 1)
		bad(r, "a Markov order from 1 to 4");
	r_lit(r, " half_life_us=", "\" half_life_us=\"");
	s = r->p;
	p.half_life_us = r_double(r, "a positive half-life");
	if (!(p.half_life_us > 0 && !isinf(p.half_life_us)))
	{
		r->p = s;
		bad(r, "a positive half-life");
	}
	r_lit(r, " first_share=", "\" first_share=\"");
	p.first_share = r_amount(r, "a share in [0, 1]");
	r_lit(r, " last_share=", "\" last_share=\"");
	s = r->p;
	p.last_share = r_amount(r, "a share in [0, 1]");
	if (p.first_share + p.last_share > 1)
	{
		r->p = s;
		bad(r, "position shares that sum to at most 1");
	}
	r_lit(r, " direct=", "\" direct=\"");
	if (r->format == ATTR_TEXT)
		has_direct = !r_maybe(r, "-");
	else
	{
		s = r->p;
		i = r_byte(r, "0 or 1 (is there a direct channel)");
		if (i > 1)
		{
			r->p = s;
			bad(r, "0 or 1 (is there a direct channel)");
		}
		has_direct = i;
	}
	if (has_direct)
		p.direct = r_string(r, &p.direct_len, "a quoted channel name or -");
	r_lit(r, " custom=", "\" custom=\"");
	p.ncustom = r_count(r, (int) Min(r->end - r->p, ATTR_MAX_CHANNELS * 1000), "a number of custom weights");
	if (p.ncustom > 0)
	{
		p.custom_names = palloc(sizeof(char *) * p.ncustom);
		p.custom_lens = palloc(sizeof(int) * p.ncustom);
		p.custom_weights = palloc(sizeof(double) * p.ncustom);
		for (i = 0; i < p.ncustom; i++)
		{
			r_lit(r, " ", "\" \" and a custom weight");
			p.custom_names[i] = r_string(r, &p.custom_lens[i], "a quoted channel name");
			r_lit(r, "=", "\"=\"");
			p.custom_weights[i] = r_amount(r, "a finite, non-negative weight");
		}
	}
	st = attr_state_create(cxt, models, &p);
	r_lit(r, " paths=", "\" paths=\"");
	st->paths = r_amount(r, "a number of paths");
	r_lit(r, " conversions=", "\" conversions=\"");
	s = r->p;
	st->conversions = r_amount(r, "a number of conversions");
	if (st->conversions > st->paths)
	{
		r->p = s;
		bad(r, "at most as many conversions as paths");
	}
	r_lit(r, " value=", "\" value=\"");
	st->total_value = r_double(r, "a value");

	r_lit(r, " channels=", "\" channels=\"");
	n = r_count(r, ATTR_MAX_CHANNELS, "a number of channels from 0 to 250");
	for (i = 0; i < n; i++)
	{
		const char *sep = "=";
		int			len;
		char	   *name;

		r_lit(r, " ", "\" \" and a channel");
		s = r->p;
		name = r_string(r, &len, "a quoted channel name");
		if (attr_channel_index(st, name, len) != i)
		{
			r->p = s;
			bad(r, "a channel name not seen before");
		}
		for (m = 0; m < ATTR_NUM_RULES; m++)
			if (models & ATTR_BIT(m))
			{
				r_lit(r, sep, sep[0] == '=' ? "\"=\" and the channel's credits" : "\",\" and the channel's next credits");
				st->conv[m][i] = r_double(r, "credited conversions");
				r_lit(r, ",", "\",\"");
				st->value[m][i] = r_double(r, "credited value");
				sep = ",";
			}
	}

	r_lit(r, " transitions=", "\" transitions=\"");
	s = r->p;
	n = r_count(r, (int) Min(r->end - r->p, PG_INT32_MAX), "a number of transitions");
	if (n > 0 && st->transitions == NULL)
	{
		r->p = s;
		bad(r, "no transitions (the state has no Markov model)");
	}
	for (i = 0; i < n; i++)
	{
		AttrTransitionKey key;
		double		count;

		CHECK_FOR_INTERRUPTS();
		r_lit(r, " ", "\" \" and a transition");
		s = r->p;
		r_key(r, st->nchannels, p.order, &key);
		if (r->format != ATTR_NATIVE && i > 0 && attr_transition_key_cmp(&prev_key, &key) >= 0)
		{
			r->p = s;
			bad(r, "transitions in ascending order, each once");
		}
		prev_key = key;
		r_lit(r, "=", "\"=\"");
		s = r->p;
		count = r_amount(r, "a positive transition count");
		if (!(count > 0))
		{
			r->p = s;
			bad(r, "a positive transition count");
		}
		attr_count_transition(st, key.from, key.len, key.to, count);
	}

	r_lit(r, " sets=", "\" sets=\"");
	s = r->p;
	n = r_count(r, (int) Min(r->end - r->p, PG_INT32_MAX), "a number of channel sets");
	if (n > 0 && st->sets == NULL)
	{
		r->p = s;
		bad(r, "no channel sets (the state has no Shapley model)");
	}
	for (i = 0; i < n; i++)
	{
		uint64		mask;
		double		paths,
					conversions;

		CHECK_FOR_INTERRUPTS();
		r_lit(r, " ", "\" \" and a channel set");
		s = r->p;
		mask = r_mask(r, st->nchannels);
		if (r->format != ATTR_NATIVE && i > 0 && mask <= prev_mask)
		{
			r->p = s;
			bad(r, "channel sets in ascending order, each once");
		}
		prev_mask = mask;
		r_lit(r, "=", "\"=\"");
		s = r->p;
		paths = r_amount(r, "a positive number of paths");
		if (!(paths > 0))
		{
			r->p = s;
			bad(r, "a positive number of paths");
		}
		r_lit(r, ",", "\",\"");
		s = r->p;
		conversions = r_amount(r, "a number of conversions");
		if (conversions > paths)
		{
			r->p = s;
			bad(r, "at most as many conversions as paths");
		}
		r_lit(r, ",", "\",\"");
		attr_count_set(st, mask, paths, conversions, r_double(r, "a value"));
	}
	if (r->p != r->end)
		bad(r, "the end of the state");
	return st;
}

/* ---- the three forms ---- */

/* Serialise a state to the flat (native) varlena of clientele.attribution_state. */
bytea *
attr_serialize(AttrState *st)
{
	StringInfoData buf;
	AttrWriter	w = {ATTR_NATIVE, &buf};

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	attr_write(st, &w);
	SET_VARSIZE(buf.data, buf.len);
	return (bytea *) buf.data;
}

/* Rebuild a state from its flat form, validating every field. */
AttrState *
attr_deserialize(MemoryContext cxt, bytea *b)
{
	AttrReader	r;

	r.format = ATTR_NATIVE;
	r.start = r.p = VARDATA_ANY(b);
	r.end = r.p + VARSIZE_ANY_EXHDR(b);
	r.msg = NULL;
	return attr_read(cxt, &r);
}

/* The text form of a state (version 1), palloc'd. */
char *
attr_state_to_text(AttrState *st)
{
	StringInfoData buf;
	AttrWriter	w = {ATTR_TEXT, &buf};

	initStringInfo(&buf);
	attr_write(st, &w);
	return buf.data;
}

/* Read a state from its text form, strictly (22P02 with the position). */
AttrState *
attr_state_from_text(MemoryContext cxt, const char *s)
{
	AttrReader	r;

	r.format = ATTR_TEXT;
	r.start = r.p = s;
	r.end = s + strlen(s);
	r.msg = NULL;
	return attr_read(cxt, &r);
}

/* Append the network binary form of a state to buf. */
void
attr_state_send(AttrState *st, StringInfo buf)
{
	AttrWriter	w = {ATTR_NETWORK, buf};

	attr_write(st, &w);
}

/* Read a state from the rest of a binary message (22P03 with the offset). */
AttrState *
attr_state_recv(MemoryContext cxt, StringInfo msg)
{
	AttrReader	r;
	AttrState  *st;

	r.format = ATTR_NETWORK;
	r.start = msg->data;
	r.p = msg->data + msg->cursor;
	r.end = msg->data + msg->len;
	r.msg = msg;
	st = attr_read(cxt, &r);
	msg->cursor = msg->len;
	return st;
}
