/*
 * offer.h — shared declarations of the next-best-offer module: the seeded
 * random numbers used by exploration, control groups and simulation.
 */
#ifndef CLIENTELE_OFFER_H
#define CLIENTELE_OFFER_H

#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* A small deterministic generator (splitmix64 stream). */
typedef struct OfferRng
{
	uint64		state;
} OfferRng;

/* Seed a generator from a seed and two keys (customer, offer, draw...). */
extern void offer_rng_init(OfferRng *rng, int64 seed, int64 key1, int64 key2);

/* A uniform draw in [0, 1). */
extern double offer_rng_uniform(OfferRng *rng);

/* A Beta(alpha, beta) draw; alpha and beta must be positive and finite. */
extern double offer_rng_beta(OfferRng *rng, double alpha, double beta);

/* P(response | bins) under a naive Bayes model (offer_nb.c). */
extern double offer_nb_propensity(ArrayType *model, Datum *elems, bool *nulls, int n);

/* Whether the facts satisfy an eligibility rule (offer_rule.c). */
extern bool offer_rule_eval(JsonbContainer *rule, JsonbContainer *facts);

/* An offer's policy scope: what contact policies match it on (offer_rank.c). */
typedef struct OfferScope
{
	int32		id;
	char	   *group;
	int			nproducts;
	char	  **products;
} OfferScope;

/* The cached catalogue's offers, copied into the current memory context. */
extern int	offer_catalogue_scopes(OfferScope **out);

/* The tables a single decision scans directly (offer_read.c). */
typedef enum OfferRead
{
	OFFER_READ_CUSTOMER, OFFER_READ_CONTACTS, OFFER_READ_OUTCOMES, OFFER_READ_PURCHASES,
	OFFER_READ_STATS, OFFER_NREADS
} OfferRead;

/* One scan key: index column (1-based), B-tree strategy, comparison procedure, value. */
typedef struct OfferKey
{
	AttrNumber	column;
	StrategyNumber strategy;
	RegProcedure proc;
	Datum		arg;
} OfferKey;

/* A direct index scan in progress. */
typedef struct OfferScan
{
	OfferRead	which;
	Relation	rel;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
} OfferScan;

/* Whether the current role may read every decision table directly (no RLS, SELECT granted). */
extern bool offer_fast_reads_ok(void);
extern void offer_scan_begin(OfferScan *s, OfferRead which, int nkeys, const OfferKey *keys);
extern bool offer_scan_next(OfferScan *s);
extern Datum offer_scan_get(OfferScan *s, int col, bool *isnull);
extern void offer_scan_end(OfferScan *s);

/* Run a cache-load query under a fresh snapshot (inside SPI_connect). */
extern int	offer_spi_execute_latest(const char *sql);

/*
 * What the kernel needs to know about one customer (offer_fast.c computes
 * it for single decisions; offer_rank() receives it as SQL arguments).
 */
typedef struct OfferInputs
{
	int64		customer;
	char	   *segment;
	Jsonb	   *facts;
	int			nbins;			/* -1: no bins (NULL) */
	Datum	   *bins;
	bool	   *bin_nulls;
	bool		in_control;
	bool		opted_out;
	int			nblocked;
	int32	   *blocked_offers;
	char	  **blocked_codes;	/* NULL element: "BLOCKED" */
	char	  **blocked_policies;	/* NULL element: no policy */
	int			ndue;
	char	  **due;
	int			nnear;
	int32	   *near;
	char	   *channel;
	TimestampTz at;
	Jsonb	   *context;
	int64		seed;
	bool		explore;
	int			nfilter;		/* -1: every offer */
	int32	   *filter;
	int			k;				/* 0: every offer */
} OfferInputs;

/* Whether any offer of the catalogue uses a naive Bayes model (offer_rank.c). */
extern bool offer_catalogue_has_nb(void);

/*
 * Decide for one customer and put the rows of next_best_offers() into
 * rsi's tuplestore: the ranked offers (selected, or ranked out beyond k
 * when include_rejected), then, with include_rejected, the filtered ones.
 * Statistics are scanned directly when direct_reads, else read through SPI.
 */
extern void offer_decide_single(ReturnSetInfo *rsi, OfferInputs *in, int k, bool include_rejected,
								bool direct_reads);

#endif
