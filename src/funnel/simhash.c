/*
 * simhash.c — 64-bit SimHash fingerprints of messages, for near-duplicate
 * detection (retweets, copy-paste campaigns, bot floods).
 *
 * The text is cut into units by the keyword matcher's scan (kwunits.c), so
 * case, accents, elongations and punctuation do not count; each unit counts
 * by its shortest key (a hashtag as its word, "l'Oréal" as "oreal"), and
 * @mentions, URLs, e-mail addresses, numbers and a leading "RT" are left
 * out: they say who is addressed or vary from copy to copy of a campaign.
 * A run of the same unit counts once.  The features are the units, and the pairs of consecutive words (so word
 * order counts, while an added emoji or hashtag weighs one feature only);
 * each is hashed to 64 bits, and the fingerprint's bit b is 1 when more
 * features have bit b set than not.  Texts that share most features
 * get fingerprints a few bits apart, so the Hamming distance between
 * fingerprints estimates how different two messages are: a retweet prefix
 * or one changed word flips a few bits, unrelated messages about 32.
 *
 * Grouping uses bands: the 64 bits are cut into four 16-bit bands, and two
 * fingerprints at distance 3 or less agree on at least one whole band (four
 * bands, at most three differing bits).  Joining messages on equal bands
 * and then checking hamming() <= 3 finds every such pair without comparing
 * all pairs; docs/funnel.md gives the SQL.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"

#include "funnel/kwquery.h"

PG_FUNCTION_INFO_V1(clientele_simhash);
PG_FUNCTION_INFO_V1(clientele_hamming);
PG_FUNCTION_INFO_V1(clientele_simhash_bands);

typedef struct SimState
{
	int			counts[64];
	uint64		previous;		/* hash of the previous word */
	uint64		last;			/* hash of the previous unit */
	int			nwords;
} SimState;

/* Add one 64-bit feature hash to the bit counts. */
static inline void
sim_add(SimState *st, uint64 h)
{
	int			b;

	for (b = 0; b < 64; b++)
		st->counts[b] += (h >> b) & 1 ? 1 : -1;
}

/* Unit callback: hash the unit's shortest key and the word pair it ends. */
static bool
sim_unit(void *arg, const KwUnit *u)
{
	SimState   *st = (SimState *) arg;
	uint64		h;
	int			k = 0,
				i;

	/* who is addressed or linked, a retweet marker and numbers are not content */
	if (u->kind == TC_MENTION || u->kind == TC_URL || u->kind == TC_EMAIL || u->kind == TC_NUMBER)
		return true;
	if (u->position == 1 && u->keylens[0] == 2 && memcmp(u->keys[0], "rt", 2) == 0)
		return true;
	/* the shortest key: "genial" for "géniaaal", "x" for "#x", "oreal" for "l'Oréal" */
	for (i = 1; i < u->nkeys; i++)
		if (u->keylens[i] < u->keylens[k])
			k = i;
	h = hash_bytes_extended((const unsigned char *) u->keys[k], u->keylens[k], 0x5eed);
	/* a run of the same unit ("😑😑😑", "!!!") counts once */
	if (h == st->last)
		return true;
	st->last = h;
	sim_add(st, h);
	/* words also count in pairs, in order; emoji and hashtags only alone */
	if (u->kind == TC_WORD || u->kind == TC_ELISION)
	{
		if (st->nwords > 0)
		{
			uint64		x = st->previous * UINT64CONST(0x9E3779B97F4A7C15);

			x = (x ^ (x >> 29) ^ h) * UINT64CONST(0xBF58476D1CE4E5B9);
			sim_add(st, x ^ (x >> 31));
		}
		st->previous = h;
		st->nwords++;
	}
	return true;
}

/* The SimHash of UTF-8 text. */
static uint64
simhash_utf8(const char *s, int len)
{
	SimState	st;
	uint64		out = 0;
	int			b;

	memset(&st, 0, sizeof(st));
	kw_scan_units(s, len, sim_unit, &st, NULL);
	for (b = 0; b < 64; b++)
		if (st.counts[b] > 0)
			out |= UINT64CONST(1) << b;
	return out;
}

/* SQL: simhash(text) returns bigint. */
Datum
clientele_simhash(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			len;
	char	   *s = tc_text_to_utf8(t, &len);

	PG_RETURN_INT64((int64) simhash_utf8(s, len));
}

/* SQL: hamming(bigint, bigint): number of differing bits. */
Datum
clientele_hamming(PG_FUNCTION_ARGS)
{
	uint64		x = (uint64) PG_GETARG_INT64(0) ^ (uint64) PG_GETARG_INT64(1);

	PG_RETURN_INT32(pg_popcount64(x));
}

/*
 * SQL: simhash_bands(fingerprint, max_distance): the fingerprint cut into
 * max_distance + 1 bands, each as band << 56 | bits; fingerprints within
 * max_distance bits of each other share at least one band.
 */
Datum
clientele_simhash_bands(PG_FUNCTION_ARGS)
{
	uint64		h = (uint64) PG_GETARG_INT64(0);
	int32		k = PG_GETARG_INT32(1);
	Datum		d[64];
	int			nb,
				i,
				start = 0;

	if (k < 0 || k > 15)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_distance must be between 0 and 15, not %d", k)));
	nb = k + 1;
	for (i = 0; i < nb; i++)
	{
		int			width = (64 - start) / (nb - i);
		uint64		bits = (h >> start) & (width == 64 ? ~UINT64CONST(0) : ((UINT64CONST(1) << width) - 1));

		d[i] = Int64GetDatum((int64) (((uint64) i << 56) | bits));
		start += width;
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(d, nb, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
