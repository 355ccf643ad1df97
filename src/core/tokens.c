/*
 * tokens.c — SQL access to the tokenizer: clientele.tokens() to inspect
 * how a message is cut and normalised, clientele.normal_form() for the
 * normal form of a whole string.
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "utils/builtins.h"

#include "textcore.h"

PG_FUNCTION_INFO_V1(clientele_tokens);
PG_FUNCTION_INFO_V1(clientele_normal_form);

/*
 * SQL: tokens(text, fold_accents) returns (position, token, normalized, kind).
 *
 * Value per call: the text and the tokenizer live in the call's
 * multi_call_memory_ctx, deleted when the last row has been returned, and
 * each row is built in the caller's per-row context.  So a call per row of
 * a big table keeps memory flat (a materialised result would stay in the
 * per-query context until the end of the statement).
 */
Datum
clientele_tokens(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	TcTokenizer *tz;
	TcToken		tok;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;
		text	   *t;
		int			len;
		char	   *s;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("function returning record called in context that cannot accept type record")));
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		/* a copy: the tokenizer reads the text across calls */
		t = PG_GETARG_TEXT_P_COPY(0);
		s = tc_text_to_utf8(t, &len);
		tz = palloc(sizeof(TcTokenizer));
		tc_tokenizer_init(tz, s, len, PG_GETARG_BOOL(1));
		funcctx->user_fctx = tz;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	tz = (TcTokenizer *) funcctx->user_fctx;
	if ((tz->ntokens & 1023) == 1023)
		CHECK_FOR_INTERRUPTS();
	if (tc_next_token(tz, &tok))
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		HeapTuple	tuple;

		values[0] = Int32GetDatum(tok.position);
		values[1] = PointerGetDatum(tc_utf8_to_text((const char *) tz->s + tok.start, tok.len));
		values[2] = PointerGetDatum(tc_utf8_to_text(tok.norm, tok.normlen));
		values[3] = CStringGetTextDatum(tc_kind_name(tok.kind));
		tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
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
