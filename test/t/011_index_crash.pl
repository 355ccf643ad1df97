# The keyword index survives an immediate shutdown in the middle of a load
# (inserts and VACUUM merges running): after crash recovery kw_index_check
# is clean and the index answers like a sequential scan.  An unlogged
# table's index comes back empty and usable.  Then pages are damaged on
# purpose and kw_index_check reports each kind of damage clearly.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->append_conf('postgresql.conf', "autovacuum = off\nrestart_after_crash = off");
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	CREATE TABLE posts AS SELECT id, body FROM clientele.demo_messages(2000);
	CREATE INDEX posts_kw ON posts USING kwindex (body);
	CREATE UNLOGGED TABLE scratch (id int, body text);
	CREATE INDEX scratch_kw ON scratch USING kwindex (body);
	INSERT INTO scratch SELECT i, 'brouillon ' || i FROM generate_series(1, 100) i;
});

# a load: many inserting clients and one that VACUUMs (merges) now and then
my $dir = $node->basedir;
open(my $fh, '>', "$dir/insert.sql") or die;
print $fh "\\set id random(100000, 999999)\n"
  . "INSERT INTO posts VALUES (:id, 'charge crunchoc colis ' || :id || ' #load');\n";
close $fh;
open($fh, '>', "$dir/vacuum.sql") or die;
print $fh "VACUUM posts;\n";
close $fh;
my ($out, $err) = ('', '');
my $load = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '3', '-T', '30', '-f', "$dir/insert.sql\@20", '-f', "$dir/vacuum.sql\@1",
	  $node->connstr('postgres') ],
	'>', \$out, '2>', \$err);
# wait until the load has really inserted rows, then crash
for (my $i = 0;; $i++)
{
	last if $node->safe_psql('postgres', 'SELECT count(*) > 300 FROM posts WHERE id >= 100000') eq 't';
	die "the load did not start: $err" if $i > 100 || !$load->pumpable;
	sleep 0.2;
}
sleep 1;
$node->stop('immediate');
$load->finish;

$node->start;
my $check = $node->safe_psql('postgres', q{
	SELECT heap_rows = (SELECT count(*) FROM posts) FROM clientele.kw_index_check('posts_kw')});
is($check, 't', 'after crash recovery kw_index_check is clean and finds every row');
for my $q ('crunchoc', '#load', 'colis -charge', 'bisc*')
{
	my $seq = $node->safe_psql('postgres', qq{SET enable_bitmapscan = off;
		SELECT count(*) FROM posts WHERE body OPERATOR(clientele.\@~>) '$q'});
	my $idx = $node->safe_psql('postgres', qq{SET enable_seqscan = off;
		SELECT count(*) FROM posts WHERE body OPERATOR(clientele.\@~>) '$q'});
	is($idx, $seq, "after recovery, '$q' through the index equals a sequential scan ($seq rows)");
}
$node->safe_psql('postgres', 'VACUUM posts');
is($node->safe_psql('postgres', q{SELECT pending_rows = 0 AND heap_rows = (SELECT count(*) FROM posts)
	FROM clientele.kw_index_check('posts_kw')}), 't', 'VACUUM after recovery merges cleanly');

# the unlogged table is empty after the crash, its index too, and both work
is($node->safe_psql('postgres', q{SELECT keys, pending_rows, heap_rows FROM clientele.kw_index_check('scratch_kw')}),
	'0|0|0', 'unlogged index reset to its empty init fork');
$node->safe_psql('postgres', q{INSERT INTO scratch SELECT i, 'brouillon ' || i FROM generate_series(1, 10) i; VACUUM scratch});
is($node->safe_psql('postgres', q{SET enable_seqscan = off;
	SELECT count(*) FROM scratch WHERE body OPERATOR(clientele.@~>) 'brouillon'}), '10', 'unlogged index usable again');

# damaged pages: three small indexes, each a single leaf at block 1
$node->safe_psql('postgres', q{
	CREATE TABLE damaged (id int, body text);
	INSERT INTO damaged SELECT i, CASE WHEN i % 2 = 0 THEN 'colis ' ELSE 'zebre ' END || i FROM generate_series(1, 40) i;
	CREATE INDEX damaged_pageid ON damaged USING kwindex (body);
	CREATE INDEX damaged_order ON damaged USING kwindex (body);
	CREATE INDEX damaged_key ON damaged USING kwindex (body);
});
my %file;
for my $i ('damaged_pageid', 'damaged_order', 'damaged_key')
{
	$file{$i} = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$i')");
}
$node->stop;

# rewrite bytes of block 1 of an index file
sub damage
{
	my ($path, $edit) = @_;
	open(my $f, '+<', $path) or die "open $path: $!";
	binmode $f;
	sysseek($f, 8192, 0);
	my $page;
	sysread($f, $page, 8192) == 8192 or die 'short read';
	$page = $edit->($page);
	sysseek($f, 8192, 0);
	syswrite($f, $page, 8192) == 8192 or die 'short write';
	close $f;
}
damage($file{damaged_pageid}, sub { my $p = shift; substr($p, 8190, 2, "\0\0"); $p });
damage($file{damaged_order}, sub { my $p = shift; my $at = index($p, 'zebre'); die 'no key' if $at < 0; substr($p, $at, 5, 'aaaaa'); $p });
damage($file{damaged_key}, sub { my $p = shift; my $at = index($p, 'colis'); die 'no key' if $at < 0; substr($p, $at, 5, 'colit'); $p });
$node->start;

my ($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT * FROM clientele.kw_index_check('damaged_pageid')});
like($stderr, qr/keyword index "damaged_pageid" is corrupt.*\n.*Block 1: page is not a keyword index page/,
	'a damaged page id is reported with its block');
($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT * FROM clientele.kw_index_check('damaged_order')});
like($stderr, qr/keyword index "damaged_order" is corrupt.*\n.*Block 1: key "aaaaa" is not after "colis"/,
	'keys out of order are reported');
($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT * FROM clientele.kw_index_check('damaged_key', false)});
is($ret, 0, 'a changed key keeps a well-formed structure');
($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT * FROM clientele.kw_index_check('damaged_key')});
like($stderr, qr/keyword index "damaged_key" is missing a row.*\n.*Row \(0,\d+\) has key "colis"/,
	'heapallindexed finds the rows the index lost');
# a scan of the damaged page fails with the same clear error, never a crash
($ret, $stdout, $stderr) = $node->psql('postgres', q{SET enable_seqscan = off; SET enable_indexscan = off;
	SELECT count(*) FROM damaged WHERE body OPERATOR(clientele.@~>) 'colis'});
like($stderr, qr/is corrupt/, 'scans report corruption too');
$node->stop;
done_testing();
