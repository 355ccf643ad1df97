-- The keyword index access method: CREATE INDEX ... USING kwindex (body).

CREATE FUNCTION clientele.kwindex_handler(internal) RETURNS index_am_handler
AS 'MODULE_PATHNAME', 'kwindex_handler' LANGUAGE C STRICT;
COMMENT ON FUNCTION clientele.kwindex_handler(internal) IS
'Access method handler of the keyword index (kwindex)';

CREATE ACCESS METHOD kwindex TYPE INDEX HANDLER clientele.kwindex_handler;
COMMENT ON ACCESS METHOD kwindex IS
'inverted index of the keys of text for keyword queries (text @~> clientele.kwquery)';

-- The one operator class: text matched by a keyword query.
CREATE OPERATOR CLASS clientele.kw_text_ops
DEFAULT FOR TYPE text USING kwindex AS
    OPERATOR 1 clientele.@~> (text, clientele.kwquery);

-- amcheck-style verification of an index.
CREATE FUNCTION clientele.kw_index_check(index regclass, heapallindexed boolean DEFAULT true,
    OUT pages bigint, OUT keys bigint, OUT postings bigint, OUT pending_rows bigint,
    OUT heap_rows bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'kw_index_check' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION clientele.kw_index_check(regclass, boolean) IS
'Verify a keyword index: page structure, key order, posting lists, and (heapallindexed) that every key of every visible row is indexed';
