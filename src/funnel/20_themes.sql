-- Themes: named keyword queries grouped in theme sets, matched in one pass.

-- Versions come from a sequence so that they never repeat; a backend
-- recompiles a theme set when its version changes.
CREATE SEQUENCE clientele.theme_version_seq;

CREATE TABLE clientele.theme_set (
    name        text PRIMARY KEY CHECK (name <> ''),
    description text,
    version     bigint NOT NULL DEFAULT nextval('clientele.theme_version_seq')
);
COMMENT ON TABLE clientele.theme_set IS 'Named sets of themes; clientele.themes(message, set) matches all themes of a set in one pass';

CREATE TABLE clientele.theme (
    theme_set text NOT NULL DEFAULT 'default'
              REFERENCES clientele.theme_set (name) ON DELETE CASCADE ON UPDATE CASCADE,
    name      text NOT NULL CHECK (name <> ''),
    query     clientele.kwquery NOT NULL,
    parent    text CHECK (parent <> name),
    priority  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (theme_set, name)
);
COMMENT ON TABLE clientele.theme IS 'Themes: a keyword query, an optional parent theme of the same set (a sub-theme matches only with its parent) and a priority (higher first in results)';

INSERT INTO clientele.theme_set (name, description) VALUES ('default', 'The theme set used when none is named');

SELECT pg_catalog.pg_extension_config_dump('clientele.theme_set', 'WHERE name <> ''default''');
SELECT pg_catalog.pg_extension_config_dump('clientele.theme', '');
SELECT pg_catalog.pg_extension_config_dump('clientele.theme_version_seq', '');
GRANT SELECT ON clientele.theme_set, clientele.theme TO PUBLIC;

CREATE FUNCTION clientele.theme_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE clientele.theme_set s SET version = nextval('clientele.theme_version_seq')
         WHERE s.name IN (SELECT n.theme_set FROM new_rows n);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE clientele.theme_set s SET version = nextval('clientele.theme_version_seq')
         WHERE s.name IN (SELECT n.theme_set FROM new_rows n UNION SELECT o.theme_set FROM old_rows o);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE clientele.theme_set s SET version = nextval('clientele.theme_version_seq')
         WHERE s.name IN (SELECT o.theme_set FROM old_rows o);
    ELSE
        UPDATE clientele.theme_set s SET version = nextval('clientele.theme_version_seq');
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER theme_insert AFTER INSERT ON clientele.theme
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.theme_changed();
CREATE TRIGGER theme_update AFTER UPDATE ON clientele.theme
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.theme_changed();
CREATE TRIGGER theme_delete AFTER DELETE ON clientele.theme
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.theme_changed();
CREATE TRIGGER theme_truncate AFTER TRUNCATE ON clientele.theme
    FOR EACH STATEMENT EXECUTE FUNCTION clientele.theme_changed();

CREATE FUNCTION clientele.themes(message text, theme_set text DEFAULT 'default')
RETURNS text[]
AS 'MODULE_PATHNAME', 'clientele_themes'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clientele.themes(text, text) IS
'Names of the themes of the set whose query matches the message (a sub-theme only with its parent), by priority then name; one automaton per theme set';
