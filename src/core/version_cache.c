/*
 * version_cache.c — the backend's cache of objects compiled from versioned
 * configuration rows.
 *
 * Theme sets (src/funnel/themes.c) and custom lexicons
 * (src/sentiment/custom.c) are compiled from rows of the extension's
 * configuration tables into something fast to use: an automaton, a JudyHS
 * map.  Compiling costs far more than one call of the function that uses the
 * result, so each backend keeps what it compiled.  This file is that one
 * cache; a "kind" (VersionCacheKind) says which tables an object is read
 * from and how to compile it.
 *
 * Versioning.  Each named object has a row in a version table
 * (clientele.theme_set, clientele.lexicon) whose version column statement
 * triggers bump from a sequence whenever the rows it is compiled from
 * change.  Versions come from a sequence, so they never repeat, even after
 * a rolled-back transaction: a version seen once always means the same rows.
 * A statement reads the version once, through SPI under the statement's
 * snapshot, and keeps what it found in fn_extra (the memo) for its other
 * calls; that is what makes the functions STABLE: one statement, one
 * object, however its rows change meanwhile.  The memo also remembers the
 * command id: an FmgrInfo can outlive a statement (PL/pgSQL keeps the
 * state of a simple expression for the whole transaction), and a write in
 * between (which is what changes a version) advances the command id, so
 * the next call reads the version again.  What the command id does not
 * see is a setting changed between two evaluations of one PL/pgSQL
 * expression in one transaction; a policy that reads such a setting should
 * not be changed under a running function.
 *
 * Keying.  What a compile reads is what the current user may read: the
 * look-up queries run under the user's privileges and row-level security
 * policies.  A cached object may be given to a later statement only if
 * that statement would read the very same rows.  Two things decide it:
 *
 *  - The key is (kind, name, version, user id).  Another user (SET ROLE, a
 *    pooled connection changing role, a SECURITY DEFINER function) never
 *    shares an entry with the user who compiled it.
 *  - Every statement also asks, in the same query as the version, whether
 *    the user has SELECT on every source table and whether row-level
 *    security applies to it there (row_security_active(): true unless the
 *    table has no RLS, or the user is a superuser, has BYPASSRLS, or owns
 *    a table without FORCE ROW LEVEL SECURITY).  When RLS applies, the
 *    rows a user sees may depend on anything a policy reads — a setting
 *    such as current_setting('app.tenant'), another table, the time —
 *    none of which moves the version.  So then nothing is shared between
 *    statements: the object is compiled for the statement alone and lives
 *    in its fn_mcxt.  When RLS does not apply, the user sees every row, and
 *    the version says exactly which rows those are.  The row_security
 *    setting needs no place in the key: it never widens what a user sees;
 *    off, it turns a query RLS would filter into an error (42501), which
 *    the compile, always run in that case, raises as the query would.
 *    Without table-level SELECT (column privileges only, or none) the
 *    object is compiled for the statement too, so a revoked privilege is
 *    honoured at once, by the same error a direct query gives.
 *
 * Eviction.  The cache holds at most VC_MAX_ENTRIES objects of all kinds.
 * A compile for a key whose (kind, name, user) is cached under an older
 * version replaces that entry; otherwise, when the cache is full, the entry
 * used least recently goes.  Each entry has a serial number, never reused,
 * and the memo remembers the serial rather than trusting a pointer: an
 * entry evicted in the middle of a statement (one that switches between
 * many names) is then looked up again, never used after it was freed.
 *
 * Memory.  Each entry owns a memory context, a child of the cache's
 * context (under TopMemoryContext); the kind's compile function allocates
 * the object in it, and the Judy arrays inside are freed by its reset
 * callbacks when the entry is evicted.  An object compiled for one
 * statement lives in a child of the function's fn_mcxt and goes with the
 * statement (or sooner, when the same call site moves to another name).
 *
 * ERROR mid-compile.  The compile runs inside PG_TRY: on any error (a bad
 * row, a missing privilege, a cancel) its context is deleted at once and
 * the error re-thrown; the cache itself is changed only after a compile
 * succeeds, so it never holds a half-built object, and the memo is written
 * last.  SPI is cleaned up by the transaction (or subtransaction) abort as
 * usual.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "version_cache.h"

#define VC_MAX_ENTRIES 32

/* One compiled object shared between the statements of one user. */
typedef struct VersionCacheEntry
{
	const VersionCacheKind *kind;
	char	   *name;
	int64		version;
	Oid			userid;
	uint64		serial;			/* unique for the backend's life */
	uint64		last_used;		/* tick of the last look-up that returned it */
	MemoryContext cxt;			/* owns the object and name */
	void	   *object;
} VersionCacheEntry;

/* Per-statement memo kept in fn_extra. */
typedef struct VersionCacheMemo
{
	text	   *name;
	Oid			userid;
	CommandId	cid;			/* the command it was made in */
	uint64		serial;			/* of the shared entry, or 0 if private */
	MemoryContext private_cxt;	/* the statement's own object, or NULL */
	void	   *object;
} VersionCacheMemo;

static MemoryContext cache_cxt = NULL;
static VersionCacheEntry cache[VC_MAX_ENTRIES];
static int	ncached = 0;
static uint64 next_serial = 1;
static uint64 tick = 0;

/* The shared entry with this serial number, or NULL if it was evicted. */
static VersionCacheEntry *
entry_by_serial(uint64 serial)
{
	int			i;

	for (i = 0; i < ncached; i++)
		if (cache[i].serial == serial)
			return &cache[i];
	return NULL;
}

/* The query: version and whether the user reads every source row unfiltered. */
static char *
version_query(const VersionCacheKind *kind)
{
	StringInfoData q;
	int			i;

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT v.%s", kind->version_column);
	for (i = 0; kind->sources[i] != NULL; i++)
		appendStringInfo(&q, "%s pg_catalog.has_table_privilege('%s', 'SELECT')"
						 " AND NOT pg_catalog.row_security_active('%s')",
						 i == 0 ? "," : " AND", kind->sources[i], kind->sources[i]);
	if (i == 0)
		appendStringInfoString(&q, ", true");
	appendStringInfo(&q, " FROM %s v WHERE v.%s OPERATOR(pg_catalog.=) $1",
					 kind->version_table, kind->name_column);
	return q.data;
}

/* Compile into a new context under parent; delete it and re-throw on ERROR. */
static MemoryContext
compile_in(const VersionCacheKind *kind, const char *name, int64 version,
		   MemoryContext parent, void **object)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "clientele compiled object",
											  ALLOCSET_SMALL_SIZES);

	PG_TRY();
	{
		*object = kind->compile(name, version, cxt);
	}
	PG_CATCH();
	{
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return cxt;
}

/* Put a freshly compiled object in the cache, replacing or evicting an entry. */
static VersionCacheEntry *
cache_insert(const VersionCacheKind *kind, const char *name, int64 version, Oid userid,
			 MemoryContext cxt, void *object)
{
	VersionCacheEntry *e = NULL;
	int			i;

	/* an older version of the same object is dead: take its place */
	for (i = 0; i < ncached && e == NULL; i++)
		if (cache[i].kind == kind && cache[i].userid == userid &&
			strcmp(cache[i].name, name) == 0)
			e = &cache[i];
	if (e == NULL && ncached < VC_MAX_ENTRIES)
	{
		e = &cache[ncached++];
		e->cxt = NULL;
	}
	if (e == NULL)
	{
		/* full: the least recently used goes */
		e = &cache[0];
		for (i = 1; i < ncached; i++)
			if (cache[i].last_used < e->last_used)
				e = &cache[i];
	}
	if (e->cxt != NULL)
		MemoryContextDelete(e->cxt);
	e->kind = kind;
	e->name = MemoryContextStrdup(cxt, name);
	e->version = version;
	e->userid = userid;
	e->serial = next_serial++;
	e->last_used = ++tick;
	e->cxt = cxt;
	e->object = object;
	return e;
}

/*
 * The compiled object of this kind and name for user userid, current as of
 * the statement's snapshot; ERROR 42704 if the version table has no such
 * name.
 */
void *
version_cache_get(FunctionCallInfo fcinfo, const VersionCacheKind *kind, text *name, Oid userid)
{
	VersionCacheMemo *memo = (VersionCacheMemo *) fcinfo->flinfo->fn_extra;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	bool		shareable;
	int64		version;
	char	   *cname;
	void	   *object = NULL;
	uint64		serial = 0;
	MemoryContext private_cxt = NULL;
	int			i;

	if (memo != NULL && memo->userid == userid && memo->cid == GetCurrentCommandId(false) &&
		VARSIZE_ANY_EXHDR(memo->name) == VARSIZE_ANY_EXHDR(name) &&
		memcmp(VARDATA_ANY(memo->name), VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)) == 0)
	{
		VersionCacheEntry *e;

		if (memo->private_cxt != NULL)
			return memo->object;
		e = entry_by_serial(memo->serial);
		if (e != NULL)
		{
			e->last_used = ++tick;
			return e->object;
		}
		/* evicted during the statement: look it up again */
	}

	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "clientele version cache",
										  ALLOCSET_SMALL_SIZES);

	cname = text_to_cstring(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[0] = PointerGetDatum(name);
	if (SPI_execute_with_args(version_query(kind), 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s", kind->version_table);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s \"%s\" does not exist", kind->label, cname),
				 errhint("%s", kind->missing_hint)));
	version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	shareable = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));

	if (shareable)
	{
		for (i = 0; i < ncached; i++)
			if (cache[i].kind == kind && cache[i].userid == userid &&
				cache[i].version == version && strcmp(cache[i].name, cname) == 0)
				break;
		if (i < ncached)
		{
			cache[i].last_used = ++tick;
			object = cache[i].object;
			serial = cache[i].serial;
		}
		else
		{
			MemoryContext cxt = compile_in(kind, cname, version, cache_cxt, &object);

			serial = cache_insert(kind, cname, version, userid, cxt, object)->serial;
		}
	}
	else
		private_cxt = compile_in(kind, cname, version, fcinfo->flinfo->fn_mcxt, &object);
	SPI_finish();

	/* the memo: a private object of the call site's previous name goes now */
	if (memo == NULL)
	{
		memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(VersionCacheMemo));
		fcinfo->flinfo->fn_extra = memo;
	}
	else
	{
		if (memo->private_cxt != NULL)
			MemoryContextDelete(memo->private_cxt);
		pfree(memo->name);
	}
	memo->name = (text *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(name));
	memcpy(memo->name, name, VARSIZE_ANY(name));
	memo->userid = userid;
	memo->cid = GetCurrentCommandId(false);
	memo->serial = serial;
	memo->private_cxt = private_cxt;
	memo->object = object;
	pfree(cname);
	return object;
}
