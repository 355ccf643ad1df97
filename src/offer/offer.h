/*
 * offer.h — shared declarations of the next-best-offer module: the seeded
 * random numbers used by exploration, control groups and simulation.
 */
#ifndef CLIENTELE_OFFER_H
#define CLIENTELE_OFFER_H

#include "postgres.h"

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

#endif
