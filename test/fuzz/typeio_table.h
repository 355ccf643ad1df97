/*
 * typeio_table.h — what fuzz_typeio feeds: every type input and receive
 * function and every aggregate-state deserializer of the extension, one
 * line each.
 *
 *   TYPEIO_TEXT_TYPE(name, input, output)
 *       a type with a text form only: one entry, "name.text"
 *   TYPEIO_TYPE(name, input, output, receive, send)
 *       a type with text and binary forms: two entries, "name.text" (the
 *       input bytes go to input) and "name.binary" (they go to receive)
 *   TYPEIO_STATE(name, deserialize, serialize)
 *       an internal aggregate state: one entry, "name.state" (the input
 *       bytes are the bytea given to deserialize)
 *   TYPEIO_UNORDERED_STATE(name, deserialize, serialize)
 *       the same for a state serialized in hash-table order (equal states
 *       may have different bytes): its round trip compares lengths, and
 *       reads the second serialization back
 *
 * The functions are the C symbols of the SQL functions (AS 'MODULE_PATHNAME',
 * 'symbol'); their files must be in a directory of the Makefile's TYPEIO_DIRS.  The order
 * does not matter: the seeds are stored by entry name (corpus-typeio/NAME/)
 * and run.sh prefixes each with its entry's current position.  When an
 * internal state becomes a type, replace its TYPEIO_STATE line with a
 * TYPEIO_TYPE line and rename its seed directory.
 *
 *   TYPEIO_BINARY_TYPE(name, receive, send)
 *       a type fuzzed through its binary form only (its text form needs
 *       server code the shim does not have).
 *
 *   TYPEIO_OPEN_FINDING(entry, number)
 *       the entry has an open finding (docs/hardening.md, "Found by
 *       fuzz_typeio", item number) that the extension does not fix yet: the
 *       short run skips it so the test command keeps testing the others;
 *       CLIENTELE_FUZZ_ALL=1 runs it too (to reproduce, or to check a fix).
 *       Remove the line with the fix.
 */
TYPEIO_TYPE(kwquery, clientele_kwquery_in, clientele_kwquery_out, clientele_kwquery_recv, clientele_kwquery_send)
TYPEIO_TYPE(audience, clientele_audience_in, clientele_audience_out, clientele_audience_recv, clientele_audience_send)
TYPEIO_TYPE(kmeans_model, clientele_kmeans_model_in, clientele_kmeans_model_out, clientele_kmeans_model_recv, clientele_kmeans_model_send)
TYPEIO_TYPE(attribution_state, clientele_attribution_state_in, clientele_attribution_state_out, clientele_attribution_state_recv, clientele_attribution_state_send)
TYPEIO_TYPE(clv_rows, clientele_clv_rows_in, clientele_clv_rows_out, clientele_clv_rows_recv, clientele_clv_rows_send)
TYPEIO_TYPE(kmeans_points, clientele_kmeans_points_in, clientele_kmeans_points_out, clientele_kmeans_points_recv, clientele_kmeans_points_send)
/* portrait_state's text form is JSON (jsonb_in), which the shim does not have: binary only */
TYPEIO_BINARY_TYPE(portrait_state, clientele_portrait_state_recv, clientele_portrait_state_send)

