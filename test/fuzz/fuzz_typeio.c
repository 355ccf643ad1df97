/*
 * fuzz_typeio.c — one libFuzzer target for every type input function,
 * receive function and aggregate-state deserializer (typeio_table.h).
 *
 * Input: the first byte selects an entry of the table (modulo its size);
 * the rest is what the server would hand the entry's function:
 *  - a text entry: a cstring, the bytes up to the first NUL, and only when
 *    they are valid UTF-8 (the server verifies the encoding of a literal
 *    before any input function sees it);
 *  - a binary entry: a message of exactly those bytes (a NUL-terminated
 *    StringInfo, as exec_bind_message builds it), which the function must
 *    consume entirely or the server rejects the value (22P03);
 *  - a state entry: a bytea of those bytes, given to the deserializer inside
 *    an aggregate (AggCheckCallContext succeeds), as a parallel leader or a
 *    distributed engine would.
 *
 * The functions are called through a FunctionCallInfo with the server's
 * arguments (input and receive get the type's I/O parameter and typmod -1;
 * a deserializer gets a dummy internal second argument).  A user error
 * (proper SQLSTATE) is an acceptable answer to bad bytes; an internal error
 * (XX000), a crash, a leak or unbounded memory is a finding (fuzz_common.c).
 *
 * When the value is accepted it must round-trip, and any failure or error on
 * the way back aborts (a value that cannot be printed or read back breaks a
 * dump, a parallel plan or a distributed query):
 *  - a type: output then input gives the same bytes; send then receive
 *    gives the same bytes (when the type has a binary form), and receive
 *    consumes everything send wrote;
 *  - a state: serialize, deserialize and serialize again gives the same
 *    bytes as the first serialization (the first one may canonicalise); for
 *    a state written in hash-table order (TYPEIO_UNORDERED_STATE), the same
 *    length, and the second serialization reads back.
 * Types are compared as varlena bytes: the extension's types are varlena
 * with canonical encodings, so two equal values have equal bytes.
 *
 * Entries with an open finding (TYPEIO_OPEN_FINDING) are left out unless
 * CLIENTELE_FUZZ_ALL is set; CLIENTELE_FUZZ_ENTRY=NAME fuzzes that entry
 * alone (skipped or not).  FUZZ_TYPEIO_LIST=1 build/fuzz_typeio prints
 * the entries fuzzed ("index name") and those skipped ("skip name number"),
 * which run.sh uses to prefix the stored seeds with their entry's index.
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "lexicon.h"
#include "pg_shim.h"
#include "textcore.h"

static const char *TARGET = "fuzz_typeio";

/* The extern declarations of the table's functions. */
#define TYPEIO_TEXT_TYPE(name, input, output) \
	extern Datum input(PG_FUNCTION_ARGS); extern Datum output(PG_FUNCTION_ARGS);
#define TYPEIO_TYPE(name, input, output, receive, send) \
	TYPEIO_TEXT_TYPE(name, input, output) \
	extern Datum receive(PG_FUNCTION_ARGS); extern Datum send(PG_FUNCTION_ARGS);
#define TYPEIO_BINARY_TYPE(name, receive, send) \
	extern Datum receive(PG_FUNCTION_ARGS); extern Datum send(PG_FUNCTION_ARGS);
#define TYPEIO_STATE(name, deserialize, serialize) \
	extern Datum deserialize(PG_FUNCTION_ARGS); extern Datum serialize(PG_FUNCTION_ARGS);
#define TYPEIO_UNORDERED_STATE(name, deserialize, serialize) TYPEIO_STATE(name, deserialize, serialize)
#define TYPEIO_OPEN_FINDING(entry, number)
#include "typeio_table.h"
#undef TYPEIO_TEXT_TYPE
#undef TYPEIO_TYPE
#undef TYPEIO_BINARY_TYPE
#undef TYPEIO_STATE
#undef TYPEIO_UNORDERED_STATE
#undef TYPEIO_OPEN_FINDING

typedef enum TypeioForm
{
	FORM_TEXT,					/* the input bytes go to the input function */
	FORM_BINARY,				/* ... to the receive function */
	FORM_STATE					/* ... to the deserializer, as a bytea */
} TypeioForm;

typedef struct TypeioEntry
{
	const char *name;
	TypeioForm	form;
	PGFunction	input;			/* FORM_STATE: the deserializer */
	PGFunction	output;			/* FORM_STATE: the serializer */
	PGFunction	receive;		/* NULL: no binary form */
	PGFunction	send;
	bool		unordered;		/* FORM_STATE: serialization in hash-table order */
} TypeioEntry;

static const TypeioEntry table[] = {
#define TYPEIO_OPEN_FINDING(entry, number)
#define TYPEIO_TEXT_TYPE(name, input, output) \
	{#name ".text", FORM_TEXT, input, output, NULL, NULL, false},
#define TYPEIO_TYPE(name, input, output, receive, send) \
	{#name ".text", FORM_TEXT, input, output, receive, send, false}, \
	{#name ".binary", FORM_BINARY, input, output, receive, send, false},
#define TYPEIO_BINARY_TYPE(name, receive, send) \
	{#name ".binary", FORM_BINARY, NULL, NULL, receive, send, false},
#define TYPEIO_STATE(name, deserialize, serialize) \
	{#name ".state", FORM_STATE, deserialize, serialize, NULL, NULL, false},
#define TYPEIO_UNORDERED_STATE(name, deserialize, serialize) \
	{#name ".state", FORM_STATE, deserialize, serialize, NULL, NULL, true},
#include "typeio_table.h"
#undef TYPEIO_TEXT_TYPE
#undef TYPEIO_TYPE
#undef TYPEIO_BINARY_TYPE
#undef TYPEIO_STATE
#undef TYPEIO_UNORDERED_STATE
#undef TYPEIO_OPEN_FINDING
};

typedef struct OpenFinding
{
	const char *entry;
	int			number;
} OpenFinding;

static const OpenFinding open_findings[] = {
#define TYPEIO_TEXT_TYPE(name, input, output)
#define TYPEIO_TYPE(name, input, output, receive, send)
#define TYPEIO_BINARY_TYPE(name, receive, send)
#define TYPEIO_STATE(name, deserialize, serialize)
#define TYPEIO_UNORDERED_STATE(name, deserialize, serialize)
#define TYPEIO_OPEN_FINDING(entry, number) {entry, number},
#include "typeio_table.h"
#undef TYPEIO_TEXT_TYPE
#undef TYPEIO_TYPE
#undef TYPEIO_BINARY_TYPE
#undef TYPEIO_STATE
#undef TYPEIO_UNORDERED_STATE
#undef TYPEIO_OPEN_FINDING
	{NULL, 0}
};

/* The entries fuzzed: the table's, less those with an open finding unless asked. */
static const TypeioEntry *entries[lengthof(table)];
static int	num_entries;

/* The entry of the input being run, for the failure messages. */
static const TypeioEntry *current;

/* The node a deserializer's fcinfo->context points to: an aggregate. */
static AggState fake_aggstate;

/*
 * Call fn with nargs arguments (the first is arg, the others what the server
 * passes: InvalidOid as I/O parameter, -1 as typmod, or a NULL internal), as
 * FunctionCall3 and its siblings do; in_aggregate makes fcinfo->context an
 * AggState.  A NULL result is a finding: the server raises XX000 for it.
 */
static Datum
call_function(PGFunction fn, int nargs, Datum arg, bool in_aggregate, const char *role)
{
	LOCAL_FCINFO(fcinfo, 3);
	FmgrInfo	flinfo;
	Datum		result;

	memset(&flinfo, 0, sizeof(flinfo));
	flinfo.fn_addr = fn;
	flinfo.fn_nargs = (short) nargs;
	flinfo.fn_strict = true;
	flinfo.fn_mcxt = CurrentMemoryContext;
	InitFunctionCallInfoData(*fcinfo, &flinfo, nargs,
							 InvalidOid, in_aggregate ? (Node *) &fake_aggstate : NULL, NULL);
	fcinfo->args[0].value = arg;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = ObjectIdGetDatum(InvalidOid);
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = Int32GetDatum(-1);
	fcinfo->args[2].isnull = false;
	result = fn(fcinfo);
	if (fcinfo->isnull)
		fuzz_fail(TARGET, "%s: the %s function returned NULL", current->name, role);
	return result;
}

/* A varlena datum in flat form (an expanded object is flattened). */
static struct varlena *
flat_value(Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_EXTERNAL_EXPANDED(v))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);
		Size		size = EOH_get_flat_size(eoh);

		v = palloc(size);
		EOH_flatten_into(eoh, v, size);
	}
	return v;
}

/* Print up to 64 bytes in hexadecimal, for a failure message. */
static char *
hex_prefix(const struct varlena *v, Size from)
{
	const uint8 *p = (const uint8 *) VARDATA_ANY(v);
	Size		len = VARSIZE_ANY_EXHDR(v);
	StringInfoData buf;
	Size		i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%zu bytes, from byte %zu:", len, from);
	for (i = from; i < len && i < from + 64; i++)
		appendStringInfo(&buf, " %02x", p[i]);
	if (len > from + 64)
		appendStringInfoString(&buf, " ...");
	return buf.data;
}

/* Fail unless two varlena values have the same bytes. */
static void
check_same_bytes(const char *step, Datum a, Datum b)
{
	struct varlena *va = flat_value(a);
	struct varlena *vb = flat_value(b);

	Size		la = VARSIZE_ANY_EXHDR(va),
				lb = VARSIZE_ANY_EXHDR(vb),
				first = 0;

	/* the dump starts a little before the first differing byte */
	while (first < la && first < lb &&
		   ((const uint8 *) VARDATA_ANY(va))[first] == ((const uint8 *) VARDATA_ANY(vb))[first])
		first++;
	if (la != lb || first < la)
	{
		Size		from = first > 16 ? first - 16 : 0;

		fuzz_fail(TARGET, "%s: %s changes the value (first difference at byte %zu)\n  before: %s\n  after:  %s",
				  current->name, step, first, hex_prefix(va, from), hex_prefix(vb, from));
	}
}

/* A message of len bytes, NUL-terminated, as the server hands a receive function. */
static StringInfo
message_of(const char *data, Size len)
{
	StringInfo	msg = palloc(sizeof(StringInfoData));

	msg->data = palloc(len + 1);
	memcpy(msg->data, data, len);
	msg->data[len] = '\0';
	msg->len = (int) len;
	msg->maxlen = (int) len + 1;
	msg->cursor = 0;
	return msg;
}

/* A bytea of len bytes. */
static bytea *
bytea_of(const char *data, Size len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), data, len);
	return b;
}

/* Receive a message; leaving bytes unread is an error, as in the server. */
static Datum
receive_message(StringInfo msg, bool must_consume)
{
	Datum		d = call_function(current->receive, 3, PointerGetDatum(msg), false, "receive");

	if (msg->cursor != msg->len)
	{
		if (must_consume)
			fuzz_fail(TARGET, "%s: receive leaves %d of the %d bytes send wrote",
					  current->name, msg->len - msg->cursor, msg->len);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("incorrect binary data format in bind parameter 1")));
	}
	return d;
}

/* Print a value, read the text back: the same bytes. */
static void
text_round_trip(Datum value)
{
	char	   *text = DatumGetCString(call_function(current->output, 1, value, false, "output"));
	Datum		again = call_function(current->input, 3, CStringGetDatum(text), false, "input");

	check_same_bytes(psprintf("output then input (\"%.200s\")", text), value, again);
}

/* Send a value, receive the bytes back: all of them read, the same value. */
static void
binary_round_trip(Datum value)
{
	bytea	   *wire = DatumGetByteaPP(call_function(current->send, 1, value, false, "send"));
	StringInfo	msg = message_of(VARDATA_ANY(wire), VARSIZE_ANY_EXHDR(wire));

	check_same_bytes("send then receive", value, receive_message(msg, true));
}

/*
 * Serialize, deserialize, serialize: the two serializations are equal.  For
 * a state serialized in hash-table order (the order depends on the history
 * of insertions) they must have the same length, and the second must read
 * back.
 */
static void
state_round_trip(Datum state)
{
	Datum		first = call_function(current->output, 1, state, true, "serialize");
	Datum		again = call_function(current->input, 2, first, true, "deserialize");
	Datum		second = call_function(current->output, 1, again, true, "serialize");

	if (!current->unordered)
		check_same_bytes("deserializing its serialization and serializing again", first, second);
	else
	{
		if (VARSIZE_ANY_EXHDR(DatumGetPointer(first)) != VARSIZE_ANY_EXHDR(DatumGetPointer(second)))
			fuzz_fail(TARGET, "%s: deserializing its serialization and serializing again changes its length\n"
					  "  before: %s\n  after:  %s", current->name,
					  hex_prefix((struct varlena *) DatumGetPointer(first), 0),
					  hex_prefix((struct varlena *) DatumGetPointer(second), 0));
		(void) call_function(current->input, 2, second, true, "deserialize");
	}
}

/* Run the round trips of an accepted value; any error on the way is a finding. */
static void
round_trips(Datum value)
{
	PG_TRY();
	{
		if (current->form == FORM_STATE)
			state_round_trip(value);
		else
		{
			if (current->input != NULL)
				text_round_trip(value);
			if (current->receive != NULL)
				binary_round_trip(value);
		}
	}
	PG_CATCH();
	{
		fuzz_fail(TARGET, "%s: an accepted value does not round-trip: error %s at %s: %s",
				  current->name, shim_sqlstate(shim_error.sqlstate), shim_error.where,
				  shim_error.message);
	}
	PG_END_TRY();
}

/* Is s[0..len) valid UTF-8 without NUL (what the server verifies before input)? */
static bool
valid_utf8(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		int			clen;
		int32		cp = tc_decode_utf8(s + i, (int) (len - i), &clen);

		if (cp == 0 || (cp == 0xFFFD && !(clen == 3 && s[i] == 0xEF)))
			return false;
		i += clen;
	}
	return true;
}

static void
body(const uint8 *data, size_t size)
{
	const char *payload = (const char *) data + 1;
	Size		len = size - 1;
	Datum		value;

	if (size == 0)
		return;
	if (num_entries == 0)
		return;
	current = entries[data[0] % num_entries];
	/* the aggregate's context lives as long as the input's (deleted with it) */
	shim_aggregate_context = AllocSetContextCreate(CurrentMemoryContext, "aggregate",
												   ALLOCSET_DEFAULT_SIZES);
	switch (current->form)
	{
		case FORM_TEXT:
			len = strnlen(payload, len);
			if (!valid_utf8((const unsigned char *) payload, len))
				return;
			value = call_function(current->input, 3, CStringGetDatum(pnstrdup(payload, len)),
								  false, "input");
			break;
		case FORM_BINARY:
			value = receive_message(message_of(payload, len), false);
			break;
		case FORM_STATE:
			value = call_function(current->input, 2, PointerGetDatum(bytea_of(payload, len)),
								  true, "deserialize");
			break;
		default:
			return;
	}
	round_trips(value);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bool		all = getenv("CLIENTELE_FUZZ_ALL") != NULL;
	const char *only = getenv("CLIENTELE_FUZZ_ENTRY");
	int			i,
				j;

	for (i = 0; i < (int) lengthof(table); i++)
	{
		int			finding = 0;

		if (only != NULL && strcmp(only, table[i].name) != 0)
			continue;
		for (j = 0; open_findings[j].entry != NULL; j++)
			if (strcmp(open_findings[j].entry, table[i].name) == 0)
				finding = open_findings[j].number;
		if (finding == 0 || all || only != NULL)
			entries[num_entries++] = &table[i];
		else if (getenv("FUZZ_TYPEIO_LIST") != NULL)
			printf("skip %s %d\n", table[i].name, finding);
	}
	if (getenv("FUZZ_TYPEIO_LIST") != NULL)
	{
		for (i = 0; i < num_entries; i++)
			printf("%d %s\n", i, entries[i]->name);
		exit(0);
	}
	fake_aggstate.ss.ps.type = T_AggState;
	lex_ensure_loaded();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	fuzz_run(TARGET, body, data, size);
	return 0;
}
