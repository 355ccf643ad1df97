# search_path hijacking: an unprivileged user who may create objects in
# public plants look-alikes of the pg_catalog operators and functions the
# extension might call unqualified; every look-alike raises an error naming
# itself.  A superuser whose search_path puts public before pg_catalog then
# installs the extension and uses it: nothing may call a look-alike and every
# result must equal that of a clean database.
#
# The look-alikes are generated from the catalogue, not listed by hand:
#  - every binary operator of pg_catalog over ordinary types (text, numbers,
#    booleans, arrays, jsonb...), so unqualified "=" in SPI queries is caught;
#  - every pg_catalog function whose name appears in the body of one of the
#    extension's SQL or plpgsql functions, with the same argument types.
# A new module's SQL is therefore covered without editing this file; its
# calls only need adding to @calls below when they exercise new code paths.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('security');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->start;

# Calls whose results are compared between a clean and a hijacked database.
# Each is one SQL query returning one text value.
# Each is one SQL query; its whole output is compared.  The queries use no
# unqualified operator themselves (the victim's search_path would find the
# look-alikes); a call that fails because of a known bug in the extension
# may carry the bug as a TODO reason (none does now).
my @calls = (
	[q{SELECT clientele.lexicon_load('kit', E'waterproof\t2.5\ngras\t-1.5\ntient toute la journée\t2')}],
	[q{SELECT name, version FROM clientele.lexicon ORDER BY name}],
	[q{SELECT pg_catalog.round(clientele.sentiment('mascara waterproof qui tient toute la journée', 'fr', 'kit')::numeric, 6)}],
	[q{SELECT pg_catalog.round(clientele.sentiment('trop gras', 'fr', 'kit')::numeric, 6)}],
	[q{SELECT (clientele.sentiment_detail('trop gras', 'fr', 'kit')).evidence}],
	[q{SELECT pg_catalog.round(clientele.sentiment('I love it :)')::numeric, 6)}],
	[q{SELECT * FROM clientele.sentiment_detail('not bad at all, pas mal du tout')}],
	[q{SELECT clientele.normal_form('Déçue par L''Oréal 😍 #fail')}],
	[q{SELECT * FROM clientele.tokens('Sooo GOOD @brand http://x.io :-)')}],
	[q{SELECT clientele.detect_language('je suis très contente de ce produit')}],
	[q{SELECT clientele.sentiment_summary(s) FROM (VALUES (0.5), (-0.5), (0.0)) v(s)}],
	[q{SELECT count(*), pg_catalog.md5(pg_catalog.string_agg(body, '|' ORDER BY id)) FROM clientele.demo_messages(300)}],
	[q{SELECT count(*) FROM clientele.builtin_lexicon('fr')}],
	[q{SELECT clientele.lexicon_load('kit', E'superbe\t3', true)}],
	[q{SELECT term, valence FROM clientele.lexicon_entry ORDER BY term}],
	[q{DELETE FROM clientele.lexicon_entry WHERE term OPERATOR(pg_catalog.=) 'superbe' RETURNING term}],
	[q{SELECT name, version FROM clientele.lexicon ORDER BY name}],
	# one or more representative calls per module (qualified operators only)
	# funnel: keyword queries, matching, themes, near-duplicates
	[q{SELECT clientele.to_kwquery('"très bon" OR love -bad', 'fr')::text}],
	[q{SELECT clientele.matches('Très bon produit, I love it', clientele.to_kwquery('love OR hate', 'en'))}],
	[q{SELECT clientele.highlight('I love it', 'love'::clientele.kwquery, '<b>', '</b>')}],
	[q{SELECT clientele.themes('livraison rapide, produit cassé')}],
	[q{SELECT clientele.simhash('the quick brown fox jumps over the lazy dog')}],
	# segment: RFM rules, BG/NBD and Gamma-Gamma fits, portraits
	[q{SELECT clientele.rfm_segment(5, 5, 5, 'default')}],
	[q{SELECT pg_catalog.round(((clientele.bgnbd_fit(x, t_x, t_cal)).r)::numeric, 3)
	     FROM (VALUES (2::float8, 30::float8, 40::float8), (0, 0, 40), (5, 35, 40), (1, 10, 40), (3, 20, 40)) v(x, t_x, t_cal)}],
	[q{SELECT (clientele.portrait(s, a))::text FROM (VALUES (true, '{"city": "Paris"}'::jsonb), (false, '{"city": "Lyon"}')) v(s, a)}],
	# clustering: k-means on a table, audiences
	[q{CREATE TABLE points AS SELECT i AS id, ARRAY[i OPERATOR(pg_catalog.%) 7, i OPERATOR(pg_catalog.%) 3]::float8[] AS f
	     FROM pg_catalog.generate_series(1, 60) i}],
	[q{SELECT clientele.kmeans_table('points', 'f', 3, 20, 1e-4, 7)::text}],
	[q{SELECT clientele.audience_members(clientele.audience_union('{1,2}', clientele.audience('{2,3,9}')))}],
	# demo generators
	[q{SELECT count(*), pg_catalog.md5(pg_catalog.string_agg(city, '|' ORDER BY customer_id)) FROM clientele.demo_customers(200)}],
	# attribution and buzz
	[q{CREATE TABLE touches AS SELECT * FROM clientele.demo_touchpoints(60, 3, 4)}],
	[q{CREATE TABLE conversions AS SELECT * FROM clientele.demo_conversions(60, 3, 4)}],
	[q{SELECT model, channel, pg_catalog.round(share::numeric, 6) FROM clientele.attribution_report('touches', 'conversions') ORDER BY 1, 2}],
	[q{SELECT (clientele.attribution_markov(path, converted, value))::text FROM clientele.demo_paths(60, 3, 4)}],
	[q{CREATE TABLE posts AS SELECT created_at, brand, body, reach FROM clientele.demo_messages(500, 3)}],
	[q{SELECT count(*), pg_catalog.sum(volume) FROM clientele.buzz_timeline('posts')}],
	# offer: the demo catalogue and a decision
	[q{SELECT * FROM clientele.demo_offers_load(100, 1)}],
	[q{SELECT offer_id, stage FROM clientele.next_best_offers(7, 3, 'email', '2026-03-10 12:00+00', '{}', false, 1, false)}],
);

# the unprivileged attacker
$node->safe_psql('postgres', q{
	CREATE ROLE attacker LOGIN;
	CREATE DATABASE clean;
	CREATE DATABASE hijacked;
});
$node->safe_psql('hijacked', 'GRANT CREATE ON SCHEMA public TO attacker');

# Reference results, in a database nobody tampered with.
$node->safe_psql('clean', 'CREATE EXTENSION clientele');
my @expected = map { scalar $node->safe_psql('clean', $_->[0]) } @calls;

# Names of pg_catalog functions the extension's SQL-level bodies mention;
# read from a clean install so the look-alikes cover every module's SQL.
my $names = $node->safe_psql('clean', q{
	SELECT string_agg(DISTINCT quote_literal(m[1]), ',')
	  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'clientele'
	  JOIN pg_language l ON l.oid = p.prolang AND l.lanname IN ('sql', 'plpgsql'),
	  LATERAL regexp_matches(lower(p.prosrc), '([a-z_][a-z0-9_]*)\s*\(', 'g') AS m
	 WHERE EXISTS (SELECT 1 FROM pg_proc c WHERE c.proname = m[1] AND c.pronamespace = 'pg_catalog'::regnamespace)
});
cmp_ok(length($names), '>', 20, "the extension's bodies call pg_catalog functions ($names)");

# The attacker plants look-alikes in public: each raises "hijacked: NAME".
my $planted = $node->safe_psql('hijacked', qq{
	SET ROLE attacker;
	DO \$plant\$
	DECLARE
	    r record;
	    n integer := 0;
	BEGIN
	    -- operators over ordinary (non-pseudo) types
	    FOR r IN
	        SELECT o.oprname, o.oprleft::regtype AS l, o.oprright::regtype AS r, o.oprresult::regtype AS res,
	               row_number() OVER () AS k
	          FROM pg_operator o
	          JOIN pg_type lt ON lt.oid = o.oprleft JOIN pg_type rt ON rt.oid = o.oprright
	          JOIN pg_type ot ON ot.oid = o.oprresult
	         WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprkind = 'b'
	           AND lt.typtype <> 'p' AND rt.typtype <> 'p' AND ot.typtype <> 'p'
	           AND (lt.typcategory IN ('S', 'N', 'B', 'A', 'U') OR rt.typcategory IN ('S', 'N', 'B', 'A', 'U'))
	    LOOP
	        EXECUTE format('CREATE FUNCTION public.evil_op_%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS '
	                       '\$\$BEGIN RAISE EXCEPTION ''%%'', %L; END\$\$', r.k, r.l, r.r, r.res,
	                       'hijacked: operator ' || r.oprname || '(' || r.l || ',' || r.r || ')');
	        EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.evil_op_%s)',
	                       r.oprname, r.l, r.r, r.k);
	        n := n + 1;
	    END LOOP;
	    -- functions the extension's SQL bodies call, with the same signatures
	    FOR r IN
	        SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
	               CASE WHEN p.proretset THEN 'SETOF ' ELSE '' END || p.prorettype::regtype AS res
	          FROM pg_proc p
	         WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
	           AND p.proname IN ($names)
	           AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::oid[] || p.prorettype) t(oid)
	                             JOIN pg_type ty ON ty.oid = t.oid WHERE ty.typtype = 'p' AND ty.oid <> 'trigger'::regtype)
	           AND p.prorettype <> 'trigger'::regtype AND p.provariadic = 0
	    LOOP
	        EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS '
	                       '\$\$BEGIN RAISE EXCEPTION ''%%'', %L; END\$\$', r.proname, r.args, r.res,
	                       'hijacked: function ' || r.proname || '(' || r.args || ')');
	        n := n + 1;
	    END LOOP;
	    RAISE NOTICE 'planted %', n;
	END
	\$plant\$;
	SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace;
	SELECT count(*) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace;
});
my ($planted_functions, $planted_operators) = split /\n/, $planted;
cmp_ok($planted_operators, '>', 200, "attacker planted $planted_operators look-alike operators");
cmp_ok($planted_functions, '>', $planted_operators, "and $planted_functions functions");

# the look-alikes really are reached with such a search_path
my ($rc, $out, $err) = $node->psql('hijacked', q{SET search_path = public, pg_catalog; SELECT 'a'::text = 'a'::text});
like($err, qr/hijacked: operator =\(text,text\)/, 'a look-alike operator is reached by unqualified SQL');

# The victim: a superuser whose search_path trusts public first.
my $victim = 'SET search_path = public, pg_catalog; ';
($rc, $out, $err) = $node->psql('hijacked', $victim . 'CREATE EXTENSION clientele');
is($rc, 0, 'CREATE EXTENSION under a hijacked search_path succeeds');
is($err, '', 'and calls no look-alike') or diag($err);

for my $i (0 .. $#calls)
{
	my ($sql, $todo) = @{ $calls[$i] };
	local $TODO = $todo;
	($rc, $out, $err) = $node->psql('hijacked', $victim . $sql);
	is($out, $expected[$i], "same result under hijack: $sql") or diag($err);
}

# An unknown lexicon must stay an error.
($rc, $out, $err) = $node->psql('hijacked', q{SELECT clientele.sentiment('waterproof', 'en', 'no_such_lexicon')});
like($err, qr/lexicon "no_such_lexicon" does not exist/, 'unknown lexicon is an error (clean search_path)');
{
	($rc, $out, $err) = $node->psql('hijacked', $victim . q{SELECT clientele.sentiment('waterproof', 'en', 'no_such_lexicon')});
	like($err, qr/lexicon "no_such_lexicon" does not exist/, 'unknown lexicon is an error under hijack');
	unlike($err, qr/hijacked/, 'lexicon look-up reaches no look-alike operator');
}

# Row-level security and the compiled-lexicon cache: a role from whom a
# policy hides a lexicon's entries must not score with them, even when another
# role of the same backend (SET ROLE, a pooled connection) compiled the
# lexicon first.
$node->safe_psql('clean', q{
	CREATE ROLE reader;
	SELECT clientele.lexicon_load('hidden', E'bidule\t3');
	ALTER TABLE clientele.lexicon_entry ENABLE ROW LEVEL SECURITY;
	CREATE POLICY hide ON clientele.lexicon_entry FOR SELECT
	    USING (lexicon <> 'hidden' OR current_user <> 'reader');
});
my $rls = $node->safe_psql('clean', q{
	SELECT clientele.sentiment('un bidule', 'fr', 'hidden') > 0;
	SET ROLE reader;
	SELECT count(*) FROM clientele.lexicon_entry WHERE lexicon = 'hidden';
	SELECT clientele.sentiment('un bidule', 'fr', 'hidden');
});
my ($owner_positive, $reader_visible, $reader_score) = split /\n/, $rls;
is($owner_positive, 't', 'the owner scores with the lexicon entry');
is($reader_visible, '0', 'the policy hides the entry from the reader');
{
	is($reader_score, '0', 'the reader scores without the hidden entry in the same backend');
}

$node->stop;
done_testing();
