# Upgrades: install the previous release (the frozen script in src/upgrade/),
# run ALTER EXTENSION clientele UPDATE, and compare the catalogue with a fresh
# install of the current version.  Every object of the extension is described
# by one line (signature, volatility, parallel safety, strictness, ACL,
# comment, ...), so a module whose new SQL file forgets something in the
# upgrade path, or whose upgrade differs from its install, fails here with a
# diff of the lines that differ.
#
# The test also proves it can fail: it alters one function in a scratch
# database and checks that the comparison reports exactly that difference.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $previous = '0.1.0';

# One line per property of each object of the extension; sorted, so two
# databases can be compared line by line.
my $catalogue = <<'SQL';
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'clientele'),
members AS (
    SELECT d.classid, d.objid FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
lines(line) AS (
    -- every member object, by its description
    SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0) FROM members m
    UNION ALL
    -- functions, procedures and aggregates
    SELECT format('function %s kind=%s returns=%s volatility=%s parallel=%s strict=%s secdef=%s leakproof=%s '
                  'cost=%s rows=%s lang=%s symbol=%s body_md5=%s config=%s acl=%s args=(%s) comment=%s',
                  p.oid::regprocedure, p.prokind, pg_get_function_result(p.oid), p.provolatile, p.proparallel, p.proisstrict,
                  p.prosecdef, p.proleakproof, p.procost, p.prorows, l.lanname,
                  CASE WHEN l.lanname = 'c' THEN p.prosrc END,
                  CASE WHEN l.lanname <> 'c' THEN md5(p.prosrc) END,
                  p.proconfig, p.proacl, pg_get_function_arguments(p.oid),
                  quote_nullable(obj_description(p.oid, 'pg_proc')))
      FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
      JOIN pg_language l ON l.oid = p.prolang
    UNION ALL
    SELECT format('aggregate %s kind=%s sfunc=%s stype=%s sspace=%s final=%s finalextra=%s finalmodify=%s '
                  'combine=%s serial=%s deserial=%s msfunc=%s minv=%s mfinal=%s mstype=%s sortop=%s init=%s minit=%s',
                  a.aggfnoid::regprocedure, a.aggkind, a.aggtransfn::regprocedure, a.aggtranstype::regtype,
                  a.aggtransspace, a.aggfinalfn, a.aggfinalextra, a.aggfinalmodify, a.aggcombinefn,
                  a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn,
                  a.aggmtranstype::regtype, a.aggsortop::regoperator, a.agginitval, a.aggminitval)
      FROM members m JOIN pg_aggregate a ON m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid
    UNION ALL
    -- types, with their I/O functions and, for composites, their attributes
    SELECT format('type %s type=%s len=%s byval=%s align=%s storage=%s category=%s in=%s out=%s recv=%s send=%s '
                  'typmodin=%s analyze=%s subscript=%s elem=%s basetype=%s notnull=%s default=%s acl=%s comment=%s',
                  t.oid::regtype, t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage, t.typcategory,
                  t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typanalyze, t.typsubscript,
                  t.typelem::regtype, t.typbasetype::regtype, t.typnotnull, t.typdefault, t.typacl,
                  quote_nullable(obj_description(t.oid, 'pg_type')))
      FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    UNION ALL
    SELECT format('type %s domain constraint %s %s', t.oid::regtype, c.conname, pg_get_constraintdef(c.oid))
      FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
      JOIN pg_constraint c ON c.contypid = t.oid
    UNION ALL
    SELECT format('type %s attribute %s %s %s collation=%s', t.oid::regtype, a.attnum, quote_ident(a.attname),
                  format_type(a.atttypid, a.atttypmod), a.attcollation::regcollation)
      FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
      JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('type %s enum %s %s', t.oid::regtype, e.enumsortorder, e.enumlabel)
      FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
      JOIN pg_enum e ON e.enumtypid = t.oid
    UNION ALL
    -- relations: kind, options, ACL, RLS; columns; constraints; indexes; triggers; policies
    SELECT format('relation %s kind=%s persistence=%s rls=%s/%s options=%s acl=%s comment=%s',
                  c.oid::regclass, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
                  c.reloptions, c.relacl, quote_nullable(obj_description(c.oid, 'pg_class')))
      FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    UNION ALL
    SELECT format('relation %s column %s %s %s notnull=%s default=%s generated=%s identity=%s collation=%s acl=%s comment=%s',
                  c.oid::regclass, a.attnum, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                  a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attgenerated, a.attidentity,
                  a.attcollation::regcollation, a.attacl, quote_nullable(col_description(c.oid, a.attnum)))
      FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
    UNION ALL
    SELECT format('relation %s constraint %s %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
      FROM members m JOIN pg_constraint c ON m.classid = 'pg_class'::regclass AND c.conrelid = m.objid
    UNION ALL
    SELECT format('relation %s index %s', i.indrelid::regclass, pg_get_indexdef(i.indexrelid))
      FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
    UNION ALL
    SELECT format('relation %s trigger %s enabled=%s', t.tgrelid::regclass, pg_get_triggerdef(t.oid), t.tgenabled)
      FROM members m JOIN pg_trigger t ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid
     WHERE NOT t.tgisinternal
    UNION ALL
    SELECT format('relation %s policy %s cmd=%s permissive=%s roles=%s using=%s check=%s', p.polrelid::regclass,
                  p.polname, p.polcmd, p.polpermissive, p.polroles::regrole[],
                  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
      FROM members m JOIN pg_policy p ON m.classid = 'pg_class'::regclass AND p.polrelid = m.objid
    UNION ALL
    SELECT format('sequence %s type=%s start=%s inc=%s min=%s max=%s cache=%s cycle=%s', s.seqrelid::regclass,
                  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
      FROM members m JOIN pg_sequence s ON m.classid = 'pg_class'::regclass AND s.seqrelid = m.objid
    UNION ALL
    -- operators, operator classes and families with their members, casts
    SELECT format('operator %s code=%s commutator=%s negator=%s restrict=%s join=%s merges=%s hashes=%s comment=%s',
                  o.oid::regoperator, o.oprcode, o.oprcom::regoperator, o.oprnegate::regoperator,
                  o.oprrest, o.oprjoin, o.oprcanmerge, o.oprcanhash,
                  quote_nullable(obj_description(o.oid, 'pg_operator')))
      FROM members m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
    UNION ALL
    SELECT format('opclass %s am=%s type=%s default=%s keytype=%s family=%s', c.opcname, am.amname,
                  c.opcintype::regtype, c.opcdefault, c.opckeytype::regtype, f.opfname)
      FROM members m JOIN pg_opclass c ON m.classid = 'pg_opclass'::regclass AND c.oid = m.objid
      JOIN pg_am am ON am.oid = c.opcmethod JOIN pg_opfamily f ON f.oid = c.opcfamily
    UNION ALL
    SELECT format('opfamily %s am=%s', f.opfname, am.amname)
      FROM members m JOIN pg_opfamily f ON m.classid = 'pg_opfamily'::regclass AND f.oid = m.objid
      JOIN pg_am am ON am.oid = f.opfmethod
    UNION ALL
    SELECT format('opfamily %s operator %s %s (%s,%s) purpose=%s sortfamily=%s', f.opfname, ao.amopstrategy,
                  ao.amopopr::regoperator, ao.amoplefttype::regtype, ao.amoprighttype::regtype,
                  ao.amoppurpose, ao.amopsortfamily)
      FROM members m JOIN pg_opfamily f ON m.classid = 'pg_opfamily'::regclass AND f.oid = m.objid
      JOIN pg_amop ao ON ao.amopfamily = f.oid
    UNION ALL
    SELECT format('opfamily %s function %s %s (%s,%s)', f.opfname, ap.amprocnum, ap.amproc::regprocedure,
                  ap.amproclefttype::regtype, ap.amprocrighttype::regtype)
      FROM members m JOIN pg_opfamily f ON m.classid = 'pg_opfamily'::regclass AND f.oid = m.objid
      JOIN pg_amproc ap ON ap.amprocfamily = f.oid
    UNION ALL
    SELECT format('cast (%s as %s) func=%s context=%s method=%s', c.castsource::regtype, c.casttarget::regtype,
                  c.castfunc::regprocedure, c.castcontext, c.castmethod)
      FROM members m JOIN pg_cast c ON m.classid = 'pg_cast'::regclass AND c.oid = m.objid
    UNION ALL
    -- tables whose rows pg_dump keeps (pg_extension_config_dump)
    SELECT format('config dump %s condition=%s', cfg.rel, quote_literal(cond))
      FROM pg_extension e, unnest(e.extconfig::regclass[], e.extcondition) AS cfg(rel, cond)
     WHERE e.extname = 'clientele'
    UNION ALL
    SELECT format('extension version=%s relocatable=%s schema=%s', e.extversion, e.extrelocatable,
                  e.extnamespace::regnamespace)
      FROM pg_extension e WHERE e.extname = 'clientele'
    UNION ALL
    SELECT format('schema %s owner-is-installer=%s acl=%s comment=%s', n.nspname, n.nspowner = e.extowner,
                  n.nspacl, quote_nullable(obj_description(n.oid, 'pg_namespace')))
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'clientele'
    UNION ALL
    -- privileges granted after creation are recorded in pg_init_privs for pg_dump
    SELECT format('init privileges %s %s', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid), ip.initprivs)
      FROM pg_init_privs ip JOIN members m ON m.classid = ip.classoid AND m.objid = ip.objoid
    UNION ALL
    -- objects in the extension's schema that are not members of the extension
    SELECT 'not a member: ' || pg_describe_object('pg_class'::regclass, c.oid, 0)
      FROM pg_class c JOIN pg_extension e ON c.relnamespace = e.extnamespace AND e.extname = 'clientele'
     WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_class'::regclass AND m.objid = c.oid)
       AND c.relkind NOT IN ('i', 't', 'I')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype IN ('a', 'i'))
    UNION ALL
    SELECT 'not a member: ' || pg_describe_object('pg_proc'::regclass, p.oid, 0)
      FROM pg_proc p JOIN pg_extension e ON p.pronamespace = e.extnamespace AND e.extname = 'clientele'
     WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)
)
SELECT line FROM lines ORDER BY line COLLATE "C";
SQL

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->start;

my $current = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'clientele'");
isnt($current, $previous, "the current version $current is not the previous release");

$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('upgraded', "CREATE EXTENSION clientele VERSION '$previous'");
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'clientele'"),
	$previous, "release $previous installs from its frozen script");

# the previous release's data must survive the upgrade
$node->safe_psql('upgraded', q{
	SELECT clientele.lexicon_load('kept', E'superbe\t3\nnul\t-3');
	CREATE TABLE posts AS SELECT 'superbe produit'::text AS body;
});
my $score_query = q{SELECT round(clientele.sentiment(body, 'fr', 'kept')::numeric, 6) FROM posts};
my $score_before = $node->safe_psql('upgraded', $score_query);

$node->safe_psql('upgraded', 'ALTER EXTENSION clientele UPDATE');
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'clientele'"),
	$current, "ALTER EXTENSION clientele UPDATE reaches $current");
$node->safe_psql('fresh', 'CREATE EXTENSION clientele');

# Lines present in one list and not the other, as a readable diff.
sub catalogue_diff
{
	my ($left_name, $left, $right_name, $right) = @_;
	my %l = map { $_ => 1 } split /\n/, $left;
	my %r = map { $_ => 1 } split /\n/, $right;
	my @diff = ((map { "- $left_name: $_" } grep { !$r{$_} } sort keys %l),
		(map { "+ $right_name: $_" } grep { !$l{$_} } sort keys %r));
	return join("\n", @diff);
}

my $upgraded = $node->safe_psql('upgraded', $catalogue);
my $fresh    = $node->safe_psql('fresh',    $catalogue);
my @fresh_lines = split /\n/, $fresh;
cmp_ok(scalar(grep { /^function / } @fresh_lines), '>=', 14, 'the catalogue lists the functions');
cmp_ok(scalar(grep { /^aggregate / } @fresh_lines), '>=', 1, 'the catalogue lists the aggregates');
cmp_ok(scalar(grep { /^config dump / } @fresh_lines), '>=', 3, 'the catalogue lists the dumped configuration');
my $diff = catalogue_diff('upgraded', $upgraded, 'fresh', $fresh);
is($diff, '', "catalogue after upgrade $previous -> $current equals a fresh $current install")
  or diag("catalogue differences (upgraded vs fresh):\n$diff");

is($node->safe_psql('upgraded', $score_query), $score_before, 'custom lexicon and scores kept across the upgrade');
is($node->safe_psql('upgraded', 'SELECT count(*) FROM clientele.lexicon_entry'), '2', 'configuration rows kept');

# The comparison can fail: one changed property shows up as a two-line diff.
$node->safe_psql('postgres', 'CREATE DATABASE altered');
$node->safe_psql('altered', q{
	CREATE EXTENSION clientele;
	ALTER FUNCTION clientele.detect_language(text) PARALLEL RESTRICTED;
});
my $altered_diff = catalogue_diff('altered', $node->safe_psql('altered', $catalogue), 'fresh', $fresh);
my @altered_lines = split /\n/, $altered_diff;
is(scalar(@altered_lines), 2, 'an altered function is reported as one removed and one added line');
like($altered_diff, qr/^- altered: function clientele\.detect_language\(text\) .* parallel=r /m,
	'the diff names the altered function and property');

# pg_dump of an upgraded database restores into the current version
my $dump = $node->basedir . '/upgraded.sql';
$node->command_ok(['pg_dump', '-d', $node->connstr('upgraded'), '-f', $dump], 'pg_dump of the upgraded database');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump],
	'restore of the upgraded database');
is($node->safe_psql('restored', $catalogue), $fresh, 'restored catalogue equals a fresh install');
is($node->safe_psql('restored', $score_query), $score_before, 'restored scores equal');

$node->stop;
done_testing();
