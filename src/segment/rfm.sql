-- RFM: quantile scores (a window function) and named segments from an
-- editable, versioned rule table.  See docs/segmentation.md.

CREATE FUNCTION clientele.rfm_score() RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_rfm_score' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.rfm_score() IS
'Window function: the quintile 1-5 of the row''s rank in the window''s ORDER BY (ties share the lower score); order recency by the last purchase ascending so the most recent get 5';

CREATE FUNCTION clientele.rfm_score(buckets integer) RETURNS integer
AS 'MODULE_PATHNAME', 'clientele_rfm_score' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clientele.rfm_score(integer) IS
'Window function: the quantile 1-buckets of the row''s rank in the window''s ORDER BY (ties share the lower score)';

CREATE TABLE clientele.rfm_rule (
    rule_set    text NOT NULL CHECK (rule_set <> ''),
    version     integer NOT NULL CHECK (version >= 1),
    priority    integer NOT NULL,
    segment     text NOT NULL CHECK (segment <> ''),
    r_min       smallint NOT NULL DEFAULT 1,
    r_max       smallint NOT NULL DEFAULT 5,
    f_min       smallint NOT NULL DEFAULT 1,
    f_max       smallint NOT NULL DEFAULT 5,
    m_min       smallint NOT NULL DEFAULT 1,
    m_max       smallint NOT NULL DEFAULT 5,
    description text,
    PRIMARY KEY (rule_set, version, priority),
    CHECK (r_min <= r_max AND f_min <= f_max AND m_min <= m_max)
);
COMMENT ON TABLE clientele.rfm_rule IS
'RFM segment rules: within the latest version of a rule set, the first rule (by priority) whose inclusive score ranges contain (r, f, m) names the segment; no match gives ''Others''. Rule set default version 1 is built in and read-only';

-- The built-in rules: the eleven usual segments, over R, F and M scores 1-5.
INSERT INTO clientele.rfm_rule
    (rule_set, version, priority, segment, r_min, r_max, f_min, f_max, m_min, m_max, description) VALUES
('default', 1,  10, 'Champions',          4, 5, 4, 5, 4, 5, 'bought recently, buy often and spend the most'),
('default', 1,  20, 'Can''t Lose Them',   1, 1, 4, 5, 4, 5, 'used to buy often and spend much, but long ago'),
('default', 1,  30, 'At Risk',            1, 2, 3, 5, 3, 5, 'spent much and bought often, not for a while'),
('default', 1,  40, 'Loyal Customers',    3, 5, 3, 5, 3, 5, 'buy regularly and spend well'),
('default', 1,  50, 'New Customers',      5, 5, 1, 1, 1, 5, 'first purchase very recently'),
('default', 1,  60, 'Promising',          4, 4, 1, 1, 1, 5, 'recent first-time buyers'),
('default', 1,  70, 'Potential Loyalist', 4, 5, 1, 3, 1, 5, 'recent, a few purchases: could become loyal'),
('default', 1,  80, 'Need Attention',     3, 3, 2, 3, 2, 5, 'average recency, frequency and spend'),
('default', 1,  90, 'About To Sleep',     3, 3, 1, 2, 1, 5, 'below average, will be lost without reactivation'),
('default', 1, 100, 'Lost',               1, 1, 1, 2, 1, 5, 'lowest recency and frequency'),
('default', 1, 110, 'Hibernating',        1, 2, 1, 5, 1, 5, 'last purchase long ago, few purchases');

-- pg_dump keeps the rows users add; the built-in version comes with CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('clientele.rfm_rule',
    'WHERE NOT (rule_set = ''default'' AND version = 1)');
GRANT SELECT ON clientele.rfm_rule TO PUBLIC;

CREATE FUNCTION clientele.rfm_rule_protect_builtin()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (TG_OP IN ('UPDATE', 'DELETE') AND OLD.rule_set = 'default' AND OLD.version = 1)
       OR (TG_OP IN ('INSERT', 'UPDATE') AND NEW.rule_set = 'default' AND NEW.version = 1) THEN
        RAISE EXCEPTION 'the built-in RFM rule set "default" version 1 is read-only'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Make an editable copy with SELECT clientele.rfm_rule_set_new_version(''default'') or under another name with clientele.rfm_rule_set_new_version(''mine'', ''default'').';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER rfm_rule_protect_builtin BEFORE INSERT OR UPDATE OR DELETE ON clientele.rfm_rule
    FOR EACH ROW EXECUTE FUNCTION clientele.rfm_rule_protect_builtin();

CREATE FUNCTION clientele.rfm_rule_set_new_version(rule_set text, copy_from text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src      text := coalesce(copy_from, rule_set);
    src_ver  integer;
    new_ver  integer;
BEGIN
    SELECT max(r.version) INTO src_ver FROM clientele.rfm_rule r WHERE r.rule_set = src;
    IF src_ver IS NULL THEN
        RAISE EXCEPTION 'RFM rule set "%" does not exist', src
            USING ERRCODE = 'undefined_object';
    END IF;
    SELECT coalesce(max(r.version), 0) + 1 INTO new_ver FROM clientele.rfm_rule r
     WHERE r.rule_set = rfm_rule_set_new_version.rule_set;
    INSERT INTO clientele.rfm_rule (rule_set, version, priority, segment, r_min, r_max,
                                    f_min, f_max, m_min, m_max, description)
    SELECT rfm_rule_set_new_version.rule_set, new_ver, r.priority, r.segment, r.r_min, r.r_max,
           r.f_min, r.f_max, r.m_min, r.m_max, r.description
      FROM clientele.rfm_rule r WHERE r.rule_set = src AND r.version = src_ver;
    RETURN new_ver;
END;
$$;
COMMENT ON FUNCTION clientele.rfm_rule_set_new_version(text, text) IS
'Copy the latest version of copy_from (default: rule_set itself) as the next version of rule_set, to be edited; returns the new version';

CREATE FUNCTION clientele.rfm_segment(r integer, f integer, m integer, rule_set text DEFAULT 'default')
RETURNS text
AS 'MODULE_PATHNAME', 'clientele_rfm_segment' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.rfm_segment(integer, integer, integer, text) IS
'The segment of RFM scores (r, f, m): the first matching rule of the latest version of the rule set, else ''Others''';
