/*
 * module.c — the clientele shared library: magic block and initialisation.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Library load: nothing to set up yet; lexicons load lazily on first use. */
void
_PG_init(void)
{
}
