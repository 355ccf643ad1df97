/*
 * tokens.c — SQL access to the tokenizer: clientele.tokens() to inspect
 * how a message is cut and normalised, clientele.normal_form() for the
 * normal form of a whole string.
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "textcore.h"

PG_FUNCTION_INFO_V1(clientele_tokens);
PG_FUNCTION_INFO_V1(clientele_normal_form);

/* SQL: tokens(text, fold_accents) returns (position, token, normalized, kind). */
Datum
clientele_tokens(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *t = PG_GETARG_TEXT_PP(0);
	bool		fold = PG_GETARG_BOOL(1);
	TcTokenizer tz;
	TcToken		tok;
	int			len;
	char	   *s;

	InitMaterializedSRF(fcinfo, 0);
	s = tc_text_to_utf8(t, &len);
	tc_tokenizer_init(&tz, s, len, fold);
	while (tc_next_token(&tz, &tok))
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if ((tok.position & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(tok.position);
		values[1] = PointerGetDatum(tc_utf8_to_text(s + tok.start, tok.len));
		values[2] = PointerGetDatum(tc_utf8_to_text(tok.norm, tok.normlen));
		values[3] = CStringGetTextDatum(tc_kind_name(tok.kind));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(DatumGetPointer(values[1]));
		pfree(DatumGetPointer(values[2]));
		pfree(DatumGetPointer(values[3]));
	}
	tc_tokenizer_free(&tz);
	return (Datum) 0;
}

/* SQL: normal_form(text, fold_accents): normal forms of the tokens, space-joined. */
Datum
clientele_normal_form(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	bool		fold = PG_GETARG_BOOL(1);
	TcTokenizer tz;
	TcToken		tok;
	StringInfoData out;
	int			len;
	char	   *s = tc_text_to_utf8(t, &len);

	initStringInfo(&out);
	tc_tokenizer_init(&tz, s, len, fold);
	while (tc_next_token(&tz, &tok))
	{
		if ((tok.position & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (out.len > 0)
			appendStringInfoChar(&out, ' ');
		appendBinaryStringInfo(&out, tok.norm, tok.normlen);
	}
	tc_tokenizer_free(&tz);
	PG_RETURN_TEXT_P(tc_utf8_to_text(out.data, out.len));
}
