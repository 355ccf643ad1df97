/*
 * offer.h — shared declarations of the next-best-offer module: the seeded
 * random numbers used by exploration, control groups and simulation.
 */
#ifndef CLIENTELE_OFFER_H
#define CLIENTELE_OFFER_H

#include "postgres.h"

#include "utils/array.h"
#include "utils/jsonb.h"

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

#endif
