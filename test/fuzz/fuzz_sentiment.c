/*
 * fuzz_sentiment.c — libFuzzer target for the sentiment scorer
 * (src/sentiment/sentiment.c: rules, phrases, emoji, evidence).
 *
 * Input: one byte (bits 0-1: language none/en/fr; bit 2: ask for the
 * evidence), then the message bytes.  Checked:
 *  - the compound score is a number in [-1, 1]; the positive, negative and
 *    neutral shares are in [0, 1] and sum to 1, or are all 0;
 *  - asking for the evidence does not change the scores;
 *  - every evidence item lies inside the message, at a token position, with
 *    finite valences, and there are no more than the scorer allows.
 */
#include "postgres.h"

#include <math.h>

#include "sentiment.h"
#include "pg_shim.h"

static const char *TARGET = "fuzz_sentiment";

static void
body(const uint8 *data, size_t size)
{
	static const TcLang langs[4] = {TC_LANG_NONE, TC_LANG_EN, TC_LANG_FR, TC_LANG_NONE};
	TcLang		lang = size > 0 ? langs[data[0] & 3] : TC_LANG_NONE;
	bool		evidence = size > 0 && (data[0] & 4);
	const char *s = size > 0 ? (const char *) data + 1 : "";
	int			len = size > 0 ? (int) size - 1 : 0;
	SentimentResult res,
				plain;
	double		sum;
	int			i;

	memset(&res, 0, sizeof(res));
	sentiment_score(s, len, lang, NULL, evidence, &res);
	if (!(res.compound >= -1.0 && res.compound <= 1.0))
		fuzz_fail(TARGET, "compound %g outside [-1, 1]", res.compound);
	if (!(res.positive >= 0 && res.positive <= 1 && res.negative >= 0 && res.negative <= 1 &&
		  res.neutral >= 0 && res.neutral <= 1))
		fuzz_fail(TARGET, "shares %g %g %g outside [0, 1]", res.positive, res.negative, res.neutral);
	sum = res.positive + res.negative + res.neutral;
	if (sum != 0 && fabs(sum - 1.0) > 1e-9)
		fuzz_fail(TARGET, "shares sum to %.17g", sum);
	if (sentiment_label(res.compound) == NULL)
		fuzz_fail(TARGET, "no label for %g", res.compound);

	if (evidence)
	{
		if (res.nitems < 0 || res.nitems > SENTIMENT_MAX_EVIDENCE || res.dropped < 0)
			fuzz_fail(TARGET, "%d evidence items, %d dropped", res.nitems, res.dropped);
		for (i = 0; i < res.nitems; i++)
		{
			const SentimentItem *it = &res.items[i];

			if (it->start < 0 || it->len <= 0 || it->start + it->len > len || it->position < 1)
				fuzz_fail(TARGET, "item %d spans [%d, %d) at position %d in %d bytes",
						  i, it->start, it->start + it->len, it->position, len);
			if (!isfinite(it->valence) || !isfinite(it->adjusted))
				fuzz_fail(TARGET, "item %d has valence %g adjusted to %g", i, it->valence, it->adjusted);
		}
		memset(&plain, 0, sizeof(plain));
		sentiment_score(s, len, lang, NULL, false, &plain);
		if (plain.compound != res.compound || plain.positive != res.positive ||
			plain.negative != res.negative || plain.neutral != res.neutral)
			fuzz_fail(TARGET, "evidence changes the score: %.17g vs %.17g", res.compound, plain.compound);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	lex_ensure_loaded();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	fuzz_run(TARGET, body, data, size);
	return 0;
}
