-- Funnels: named, ordered stages from a day of messages to the ones that matter.

CREATE TABLE clientele.funnel (
    name        text PRIMARY KEY CHECK (name <> ''),
    description text,
    theme_set   text NOT NULL DEFAULT 'default'
                REFERENCES clientele.theme_set (name) ON UPDATE CASCADE
);
COMMENT ON TABLE clientele.funnel IS 'Named funnels; theme_set gives the themes reported for the surviving messages';

CREATE TABLE clientele.funnel_stage (
    funnel       text NOT NULL REFERENCES clientele.funnel (name) ON DELETE CASCADE ON UPDATE CASCADE,
    stage        integer NOT NULL CHECK (stage > 0),
    kind         text NOT NULL CHECK (kind IN ('keyword', 'language', 'theme', 'dedupe', 'significance', 'top')),
    query        clientele.kwquery,
    lang         text CHECK (lang IN ('fr', 'en')),
    theme        text,
    max_distance integer CHECK (max_distance BETWEEN 0 AND 15),
    threshold    float8 CHECK (threshold BETWEEN 0 AND 1),
    top_n        integer CHECK (top_n > 0),
    PRIMARY KEY (funnel, stage),
    CHECK ((kind = 'keyword') = (query IS NOT NULL)),
    CHECK ((kind = 'language') = (lang IS NOT NULL)),
    CHECK (kind = 'theme' OR theme IS NULL),
    CHECK (kind = 'dedupe' OR max_distance IS NULL),
    CHECK ((kind = 'significance') = (threshold IS NOT NULL)),
    CHECK ((kind = 'top') = (top_n IS NOT NULL))
);
COMMENT ON TABLE clientele.funnel_stage IS
'Stages of a funnel, applied in stage order: keyword (query), language (lang), theme (any theme of the funnel''s set, or the named theme), dedupe (near-duplicates within max_distance bits, default 3, keep the smallest id), significance (threshold), top (top_n by significance)';

SELECT pg_catalog.pg_extension_config_dump('clientele.funnel', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.funnel_stage', '');
GRANT SELECT ON clientele.funnel, clientele.funnel_stage TO PUBLIC;

-- The one SQL statement that runs a funnel over a source: a chain of CTEs,
-- one per stage, each reading the previous one.  mode 'report' counts the
-- rows of every stage; mode 'run' returns the survivors.
--
-- search_path: like every function of the extension these three pin
-- search_path = pg_catalog, pg_temp, so nothing in their bodies can be taken
-- over by an object in a schema of the caller's path.  The source, though,
-- must resolve as in the caller's own query ('posts' is the caller's posts).
-- A function cannot see the path it was called with once its SET clause has
-- applied, so the caller's path is captured by a defaulted argument,
-- caller_search_path DEFAULT current_setting('search_path'): a default is
-- evaluated in the caller's query, before the call.  The source is resolved
-- under that path (a table name to a schema-qualified name, once), and the
-- generated statement runs under it (a source query names the caller's
-- tables); the statement itself schema-qualifies every function, operator
-- and type it uses, so it means the same under any path.  SET LOCAL inside a
-- function with a SET clause ends with the function: the caller's setting is
-- untouched afterwards.
CREATE FUNCTION clientele.funnel_sql(funnel text, source text, mode text DEFAULT 'run',
    caller_search_path text DEFAULT pg_catalog.current_setting('search_path'))
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f        record;
    st       record;
    rel      regclass;
    src      text;
    sql      text;
    prev     text := 's0';
    cur      text;
    hitq     text := NULL;
    counts   text;
    hits     text;
    sig      text;
    n        integer := 0;
    k        integer;
BEGIN
    IF mode NOT IN ('run', 'report') THEN
        RAISE EXCEPTION 'unknown funnel mode "%"', mode USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use ''run'' or ''report''.';
    END IF;
    SELECT * INTO f FROM clientele.funnel fu WHERE fu.name = funnel_sql.funnel;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'funnel "%" does not exist', funnel USING ERRCODE = 'undefined_object',
              HINT = 'Create it by inserting into clientele.funnel and clientele.funnel_stage.';
    END IF;
    IF source ~* '^\s*\(?\s*(select|with|values|table)\s' THEN
        -- a query: its names resolve when the statement runs, under the caller's path
        src := '(' || source || ')';
    ELSE
        -- a table or view: resolved under the caller's path, then named with its schema
        IF caller_search_path IS NOT NULL THEN
            PERFORM set_config('search_path', caller_search_path, true);
        END IF;
        rel := to_regclass(source);
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
        IF rel IS NULL THEN
            RAISE EXCEPTION 'relation "%" does not exist', source USING ERRCODE = 'undefined_table',
                  HINT = 'The source is a table or view with columns id, body, reach and likes, or a query returning them.';
        END IF;
        SELECT format('%I.%I', ns.nspname, c.relname) INTO src
          FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE c.oid = rel;
    END IF;
    -- the keyword queries together: their hits count for significance
    SELECT string_agg('(' || s.query::text || ')', ' AND ' ORDER BY s.stage) INTO hitq
      FROM clientele.funnel_stage s WHERE s.funnel = f.name AND s.kind = 'keyword';
    hits := CASE WHEN hitq IS NULL THEN '0, 0'
            ELSE format('(SELECT pg_catalog.count(*)::pg_catalog.int4 FROM clientele.match_positions(p.body, %L::clientele.kwquery)), '
                        '(SELECT pg_catalog.count(*)::pg_catalog.int4 FROM clientele.match_positions(p.body, %L::clientele.kwquery) m '
                        'WHERE pg_catalog.starts_with(m.matched, ''#''))',
                        hitq, hitq) END;
    sig := format('coalesce(p.significance, clientele.significance(%s, coalesce(p.sentiment, clientele.sentiment(p.body)), p.reach, p.likes, false))', hits);

    -- s0 is read once, by the first stage (PostgreSQL inlines it); the report
    -- counts the source with a second, plain count(*) instead of keeping it
    sql := format('WITH s0 AS (SELECT src.id::bigint AS id, src.body::pg_catalog.text AS body, '
                  'coalesce(src.reach, 0)::bigint AS reach, coalesce(src.likes, 0)::bigint AS likes, '
                  'NULL::pg_catalog.text[] AS themes, NULL::pg_catalog.float8 AS sentiment, '
                  'NULL::pg_catalog.float8 AS significance FROM %s src)', src);
    counts := 'SELECT 0 AS stage, ''source''::pg_catalog.text AS kind, NULL::pg_catalog.text AS detail, '
              'pg_catalog.count(*) AS kept FROM ' || src || ' src';

    FOR st IN SELECT * FROM clientele.funnel_stage s WHERE s.funnel = f.name ORDER BY s.stage LOOP
        n := n + 1;
        cur := 's' || n;
        CASE st.kind
        WHEN 'keyword' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT p.* FROM %s p WHERE clientele.matches(p.body, %L::clientele.kwquery))',
                                 cur, prev, st.query::text);
        WHEN 'language' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT p.* FROM %s p WHERE clientele.detect_language(p.body) '
                                 'OPERATOR(pg_catalog.=) %L::pg_catalog.text)',
                                 cur, prev, st.lang);
        WHEN 'theme' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT * FROM (SELECT p.id, p.body, p.reach, p.likes, '
                                 'coalesce(p.themes, clientele.themes(p.body, %L::pg_catalog.text)) AS themes, p.sentiment, p.significance FROM %s p) t WHERE %s)',
                                 cur, f.theme_set, prev,
                                 CASE WHEN st.theme IS NULL THEN 'pg_catalog.cardinality(t.themes) OPERATOR(pg_catalog.>) 0'
                                      ELSE format('%L::pg_catalog.text OPERATOR(pg_catalog.=) ANY (t.themes)', st.theme) END);
        WHEN 'dedupe' THEN
            k := coalesce(st.max_distance, 3);
            sql := sql || format(', %1$s_fp AS MATERIALIZED (SELECT p.id, clientele.simhash(p.body) AS fp FROM %2$s p), '
                                 '%1$s_bands AS MATERIALIZED (SELECT b.id, b.fp, pg_catalog.unnest(clientele.simhash_bands(b.fp, %3$s)) AS band FROM %1$s_fp b), '
                                 '%1$s_dups AS (SELECT DISTINCT a.id FROM %1$s_bands a JOIN %1$s_bands b '
                                 'ON a.band OPERATOR(pg_catalog.=) b.band AND b.id OPERATOR(pg_catalog.<) a.id '
                                 'WHERE clientele.hamming(a.fp, b.fp) OPERATOR(pg_catalog.<=) %3$s), '
                                 '%1$s AS MATERIALIZED (SELECT p.* FROM %2$s p WHERE NOT EXISTS '
                                 '(SELECT FROM %1$s_dups d WHERE d.id OPERATOR(pg_catalog.=) p.id))',
                                 cur, prev, k);
        WHEN 'significance' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT * FROM (SELECT p.id, p.body, p.reach, p.likes, p.themes, '
                                 'coalesce(p.sentiment, clientele.sentiment(p.body)) AS sentiment, %s AS significance FROM %s p) t '
                                 'WHERE t.significance OPERATOR(pg_catalog.>=) %L::pg_catalog.float8)', cur, sig, prev, st.threshold);
        WHEN 'top' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT p.id, p.body, p.reach, p.likes, p.themes, '
                                 'coalesce(p.sentiment, clientele.sentiment(p.body)) AS sentiment, %s AS significance FROM %s p '
                                 'ORDER BY 7 DESC, p.id LIMIT %s)', cur, sig, prev, st.top_n);
        END CASE;
        counts := counts || format(' UNION ALL SELECT %s, %L, %L, pg_catalog.count(*) FROM %s', st.stage, st.kind,
            CASE st.kind WHEN 'keyword' THEN st.query::text WHEN 'language' THEN st.lang
                         WHEN 'theme' THEN coalesce(st.theme, 'any theme of ' || f.theme_set)
                         WHEN 'dedupe' THEN 'within ' || coalesce(st.max_distance, 3) || ' bits'
                         WHEN 'significance' THEN '>= ' || st.threshold
                         ELSE 'top ' || st.top_n END, cur);
        prev := cur;
    END LOOP;

    IF mode = 'report' THEN
        RETURN sql || ', counts AS (' || counts || ') SELECT c.stage, c.kind, c.detail, '
               'pg_catalog.lag(c.kept) OVER (ORDER BY c.stage) AS entered, c.kept FROM counts c ORDER BY c.stage';
    END IF;
    RETURN sql || format(', final AS (SELECT p.id, coalesce(p.themes, clientele.themes(p.body, %L::pg_catalog.text)) AS themes, '
                         'coalesce(p.sentiment, clientele.sentiment(p.body)) AS sentiment, %s AS significance FROM %s p) '
                         'SELECT x.id, x.themes[1] AS theme, x.themes, x.sentiment, x.significance FROM final x '
                         'ORDER BY x.significance DESC, x.id', f.theme_set, sig, prev);
END;
$$;
COMMENT ON FUNCTION clientele.funnel_sql(text, text, text, text) IS
'The single SQL statement that runs a funnel over a source (mode ''run'') or counts each stage (mode ''report''). search_path is pinned; the source resolves under caller_search_path, by default the caller''s search_path (a default is evaluated in the caller''s query), and the statement schema-qualifies everything else';

CREATE FUNCTION clientele.funnel_report(funnel text, source text,
    caller_search_path text DEFAULT pg_catalog.current_setting('search_path'),
    OUT stage integer, OUT kind text, OUT detail text, OUT entered bigint, OUT kept bigint)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stmt text;
BEGIN
    stmt := clientele.funnel_sql(funnel, source, 'report', caller_search_path);
    -- a source query names the caller's tables: run under the caller's path
    -- (until this function returns); the statement qualifies everything else
    IF caller_search_path IS NOT NULL THEN
        PERFORM set_config('search_path', caller_search_path, true);
    END IF;
    RETURN QUERY EXECUTE stmt;
END;
$$;
COMMENT ON FUNCTION clientele.funnel_report(text, text, text) IS
'One row per stage of the funnel over the source (a table or view with id, body, reach, likes, or a query returning them): how many messages entered and how many were kept. search_path is pinned; the source resolves under caller_search_path, by default the caller''s search_path';

CREATE FUNCTION clientele.funnel_run(funnel text, source text,
    caller_search_path text DEFAULT pg_catalog.current_setting('search_path'),
    OUT id bigint, OUT theme text, OUT themes text[], OUT sentiment float8, OUT significance float8)
RETURNS SETOF record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stmt text;
BEGIN
    stmt := clientele.funnel_sql(funnel, source, 'run', caller_search_path);
    -- as in funnel_report: the statement runs under the caller's path
    IF caller_search_path IS NOT NULL THEN
        PERFORM set_config('search_path', caller_search_path, true);
    END IF;
    RETURN QUERY EXECUTE stmt;
END;
$$;
COMMENT ON FUNCTION clientele.funnel_run(text, text, text) IS
'The messages that survive every stage of the funnel: id, main theme (highest priority), all themes, sentiment and significance, most significant first. search_path is pinned; the source resolves under caller_search_path, by default the caller''s search_path';
