/*
 * version_cache.h — one per-backend cache of objects compiled from versioned
 * configuration rows (theme sets, custom lexicons), keyed so that a user
 * never gets an object compiled from rows only another user may read.
 * See version_cache.c for the keying, versioning and eviction rules.
 */
#ifndef CLIENTELE_VERSION_CACHE_H
#define CLIENTELE_VERSION_CACHE_H

#include "postgres.h"
#include "fmgr.h"

/*
 * Compile the object of one name and version.  Called with SPI connected
 * (temporary allocations may go to CurrentMemoryContext); everything the
 * object needs must be allocated in cxt, which the cache owns and deletes.
 * It may ERROR: the cache then deletes cxt and keeps nothing.
 */
typedef void *(*VersionCacheCompile) (const char *name, int64 version, MemoryContext cxt);

/* What one kind of cached object is compiled from. */
typedef struct VersionCacheKind
{
	const char *label;			/* "theme set": names errors and memory contexts */
	const char *version_table;	/* qualified table with one row per name */
	const char *name_column;	/* its text column holding the name */
	const char *version_column; /* its bigint column bumped on every change */
	const char *const *sources; /* qualified tables compile reads, NULL-terminated */
	const char *missing_hint;	/* HINT of the 42704 error for an unknown name */
	VersionCacheCompile compile;
} VersionCacheKind;

/*
 * The compiled object of this kind and name, current as of the statement's
 * snapshot, as user userid may read it; ERROR 42704 if the name is unknown.
 * Valid until the next call of version_cache_get in this backend.
 */
extern void *version_cache_get(FunctionCallInfo fcinfo, const VersionCacheKind *kind,
							   text *name, Oid userid);

#endif							/* CLIENTELE_VERSION_CACHE_H */
