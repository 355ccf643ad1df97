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
-- These three functions deliberately keep the caller's search_path: the
-- source (a table name or a query) must resolve as in the caller's own
-- query.  Everything they refer to is schema-qualified.
CREATE FUNCTION clientele.funnel_sql(funnel text, source text, mode text DEFAULT 'run')
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    f        record;
    st       record;
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
    SELECT * INTO f FROM clientele.funnel fu WHERE fu.name OPERATOR(pg_catalog.=) funnel_sql.funnel;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'funnel "%" does not exist', funnel USING ERRCODE = 'undefined_object',
              HINT = 'Create it by inserting into clientele.funnel and clientele.funnel_stage.';
    END IF;
    IF source ~* '^\s*\(?\s*(select|with|values|table)\s' THEN
        src := '(' || source || ')';
    ELSIF to_regclass(source) IS NULL THEN
        RAISE EXCEPTION 'relation "%" does not exist', source USING ERRCODE = 'undefined_table',
              HINT = 'The source is a table or view with columns id, body, reach and likes, or a query returning them.';
    ELSE
        src := to_regclass(source)::text;
    END IF;
    -- the keyword queries together: their hits count for significance
    SELECT string_agg('(' || s.query::text || ')', ' AND ' ORDER BY s.stage) INTO hitq
      FROM clientele.funnel_stage s WHERE s.funnel = f.name AND s.kind = 'keyword';
    hits := CASE WHEN hitq IS NULL THEN '0, 0'
            ELSE format('(SELECT count(*)::int FROM clientele.match_positions(p.body, %L::clientele.kwquery)), '
                        '(SELECT count(*)::int FROM clientele.match_positions(p.body, %L::clientele.kwquery) m WHERE m.matched LIKE ''#%%'')',
                        hitq, hitq) END;
    sig := format('coalesce(p.significance, clientele.significance(%s, coalesce(p.sentiment, clientele.sentiment(p.body)), p.reach, p.likes, false))', hits);

    -- s0 is read once, by the first stage (PostgreSQL inlines it); the report
    -- counts the source with a second, plain count(*) instead of keeping it
    sql := format('WITH s0 AS (SELECT src.id::bigint AS id, src.body::text AS body, '
                  'coalesce(src.reach, 0)::bigint AS reach, coalesce(src.likes, 0)::bigint AS likes, '
                  'NULL::text[] AS themes, NULL::float8 AS sentiment, NULL::float8 AS significance FROM %s src)', src);
    counts := 'SELECT 0 AS stage, ''source''::text AS kind, NULL::text AS detail, count(*) AS kept FROM ' || src || ' src';

    FOR st IN SELECT * FROM clientele.funnel_stage s WHERE s.funnel = f.name ORDER BY s.stage LOOP
        n := n + 1;
        cur := 's' || n;
        CASE st.kind
        WHEN 'keyword' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT p.* FROM %s p WHERE clientele.matches(p.body, %L::clientele.kwquery))',
                                 cur, prev, st.query::text);
        WHEN 'language' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT p.* FROM %s p WHERE clientele.detect_language(p.body) = %L)',
                                 cur, prev, st.lang);
        WHEN 'theme' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT * FROM (SELECT p.id, p.body, p.reach, p.likes, '
                                 'coalesce(p.themes, clientele.themes(p.body, %L)) AS themes, p.sentiment, p.significance FROM %s p) t WHERE %s)',
                                 cur, f.theme_set, prev,
                                 CASE WHEN st.theme IS NULL THEN 'cardinality(t.themes) > 0'
                                      ELSE format('%L = ANY (t.themes)', st.theme) END);
        WHEN 'dedupe' THEN
            k := coalesce(st.max_distance, 3);
            sql := sql || format(', %1$s_fp AS MATERIALIZED (SELECT p.id, clientele.simhash(p.body) AS fp FROM %2$s p), '
                                 '%1$s_bands AS MATERIALIZED (SELECT b.id, b.fp, unnest(clientele.simhash_bands(b.fp, %3$s)) AS band FROM %1$s_fp b), '
                                 '%1$s_dups AS (SELECT DISTINCT a.id FROM %1$s_bands a JOIN %1$s_bands b ON a.band = b.band AND b.id < a.id '
                                 'WHERE clientele.hamming(a.fp, b.fp) <= %3$s), '
                                 '%1$s AS MATERIALIZED (SELECT p.* FROM %2$s p WHERE p.id NOT IN (SELECT d.id FROM %1$s_dups d))',
                                 cur, prev, k);
        WHEN 'significance' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT * FROM (SELECT p.id, p.body, p.reach, p.likes, p.themes, '
                                 'coalesce(p.sentiment, clientele.sentiment(p.body)) AS sentiment, %s AS significance FROM %s p) t '
                                 'WHERE t.significance >= %s)', cur, sig, prev, st.threshold);
        WHEN 'top' THEN
            sql := sql || format(', %s AS MATERIALIZED (SELECT p.id, p.body, p.reach, p.likes, p.themes, '
                                 'coalesce(p.sentiment, clientele.sentiment(p.body)) AS sentiment, %s AS significance FROM %s p '
                                 'ORDER BY 7 DESC, p.id LIMIT %s)', cur, sig, prev, st.top_n);
        END CASE;
        counts := counts || format(' UNION ALL SELECT %s, %L, %L, count(*) FROM %s', st.stage, st.kind,
            CASE st.kind WHEN 'keyword' THEN st.query::text WHEN 'language' THEN st.lang
                         WHEN 'theme' THEN coalesce(st.theme, 'any theme of ' || f.theme_set)
                         WHEN 'dedupe' THEN 'within ' || coalesce(st.max_distance, 3) || ' bits'
                         WHEN 'significance' THEN '>= ' || st.threshold
                         ELSE 'top ' || st.top_n END, cur);
        prev := cur;
    END LOOP;

    IF mode = 'report' THEN
        RETURN sql || ', counts AS (' || counts || ') SELECT c.stage, c.kind, c.detail, '
               'lag(c.kept) OVER (ORDER BY c.stage) AS entered, c.kept FROM counts c ORDER BY c.stage';
    END IF;
    RETURN sql || format(', final AS (SELECT p.id, coalesce(p.themes, clientele.themes(p.body, %L)) AS themes, '
                         'coalesce(p.sentiment, clientele.sentiment(p.body)) AS sentiment, %s AS significance FROM %s p) '
                         'SELECT x.id, x.themes[1] AS theme, x.themes, x.sentiment, x.significance FROM final x '
                         'ORDER BY x.significance DESC, x.id', f.theme_set, sig, prev);
END;
$$;
COMMENT ON FUNCTION clientele.funnel_sql(text, text, text) IS
'The single SQL statement that runs a funnel over a source (mode ''run'') or counts each stage (mode ''report'')';

CREATE FUNCTION clientele.funnel_report(funnel text, source text,
    OUT stage integer, OUT kind text, OUT detail text, OUT entered bigint, OUT kept bigint)
RETURNS SETOF record
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN QUERY EXECUTE clientele.funnel_sql(funnel, source, 'report');
END;
$$;
COMMENT ON FUNCTION clientele.funnel_report(text, text) IS
'One row per stage of the funnel over the source (a table or view with id, body, reach, likes, or a query returning them): how many messages entered and how many were kept';

CREATE FUNCTION clientele.funnel_run(funnel text, source text,
    OUT id bigint, OUT theme text, OUT themes text[], OUT sentiment float8, OUT significance float8)
RETURNS SETOF record
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN QUERY EXECUTE clientele.funnel_sql(funnel, source, 'run');
END;
$$;
COMMENT ON FUNCTION clientele.funnel_run(text, text) IS
'The messages that survive every stage of the funnel: id, main theme (highest priority), all themes, sentiment and significance, most significant first';
