# Next-best-offer under concurrency and in real time: 16 pgbench sessions
# deciding and recording for the same few customers never exceed a contact
# policy and never deadlock; an events trigger publishes its decision with
# NOTIFY when (and only when) the inserting transaction commits; a
# non-superuser application role with the documented grants can decide and
# record; pg_dump keeps offers, policies and history.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('offer');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->append_conf('postgresql.conf', "max_connections = 40\ndeadlock_timeout = 100ms\nlog_lock_waits = on");
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	INSERT INTO clientele.offer (id, name, channels, value, offer_group)
	SELECT i, 'offer-' || i, '{email,push}', 10 + i, CASE WHEN i <= 4 THEN 'makeup' ELSE 'skincare' END
	  FROM generate_series(1, 8) i;
	INSERT INTO clientele.offer_customer (customer_id, segment, attributes)
	SELECT i, 's' || (i % 3), jsonb_build_object('age', 20 + i) FROM generate_series(1, 12) i;
	INSERT INTO clientele.contact_policy (name, kind, channel, offer_group, max_count, "window") VALUES
	  ('email-3-per-hour', 'cap', 'email', NULL, 3, '1 hour'),
	  ('makeup-1-per-hour', 'cap', NULL, 'makeup', 1, '1 hour'),
	  ('all-5-per-day', 'cap', NULL, NULL, 5, '1 day');
	INSERT INTO clientele.offer_feature VALUES (1, 'age', '{25, 30}');
	UPDATE clientele.offer SET model = 'naive_bayes' WHERE id % 2 = 0;
});

# decide, then record what was decided (or, one time in four, another offer:
# record_contact must refuse it itself when a policy forbids it)
my $decide = q{
\set c random(1, 12)
\set other random(1, 8)
\set ch random(0, 1)
BEGIN;
SELECT coalesce((SELECT offer_id FROM clientele.next_best_offers(:c, 1, CASE :ch WHEN 0 THEN 'email' ELSE 'push' END)
                  WHERE random() < 0.75), :other) AS o \gset
SELECT clientele.record_contact(:c, :o, CASE :ch WHEN 0 THEN 'email' ELSE 'push' END);
COMMIT;
};
my $outcome = q{
\set c random(1, 12)
SELECT clientele.record_outcome(h.id, CASE WHEN random() < 0.5 THEN 'accepted' ELSE 'rejected' END)
  FROM clientele.contact_history h WHERE h.customer_id = :c ORDER BY h.id DESC LIMIT 1;
};
$node->pgbench('--no-vacuum --client=16 --jobs=4 --transactions=40', 0,
	[qr{processed: 640/640}], [qr{^$}], 'pgbench: 16 sessions deciding and recording',
	{ '020_decide@4' => $decide, '020_outcome@1' => $outcome });

my $contacts = $node->safe_psql('postgres', 'SELECT count(*) FROM clientele.contact_history');
cmp_ok($contacts, '>', 12, "contacts were recorded ($contacts)");

# every window ending at a contact holds at most max_count contacts of its scope
my $exceeded = $node->safe_psql('postgres', q{
	SELECT count(*) FROM clientele.contact_history h
	  JOIN clientele.offer ho ON ho.id = h.offer_id
	  JOIN clientele.contact_policy p ON p.kind = 'cap'
	       AND (p.channel IS NULL OR p.channel = h.channel) AND (p.offer_group IS NULL OR p.offer_group = ho.offer_group)
	 WHERE (SELECT count(*) FROM clientele.contact_history g JOIN clientele.offer go ON go.id = g.offer_id
	         WHERE g.customer_id = h.customer_id AND g.contacted_at > h.contacted_at - p."window"
	           AND g.contacted_at <= h.contacted_at
	           AND (p.channel IS NULL OR g.channel = p.channel)
	           AND (p.offer_group IS NULL OR go.offer_group = p.offer_group)) > p.max_count});
is($exceeded, '0', 'no contact policy is ever exceeded');
my $full = $node->safe_psql('postgres', q{
	SELECT count(*) FROM (SELECT customer_id FROM clientele.contact_history GROUP BY 1 HAVING count(*) = 5) f});
cmp_ok($full, '>', 0, "some customers reached the daily cap of 5 ($full)");
# statistics agree with the history they were updated from
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM clientele.offer_stat s
	 WHERE s.segment = '' AND (s.contacts, s.responses) IS DISTINCT FROM
	       (SELECT (count(*)::float8, count(*) FILTER (WHERE responded)::float8)
	          FROM clientele.contact_history h WHERE h.offer_id = s.offer_id)}), '0',
	'offer statistics equal the contact history');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM clientele.offer_stat s
	 WHERE s.segment = '' AND s.nb_model IS NOT NULL AND (s.nb_model[4], s.nb_model[5]) IS DISTINCT FROM
	       (s.contacts - s.responses, s.responses)}), '0', 'naive Bayes class counts equal the statistics');
my $log = slurp_file($node->logfile);
unlike($log, qr/deadlock detected/, 'no deadlock');

# a change committed in another session reaches the cached catalogue,
# policies and settings of a session at its next decision, also inside an
# open READ COMMITTED transaction that already read them
$node->safe_psql('postgres', q{INSERT INTO clientele.offer_customer (customer_id, segment) VALUES (30, 's1')});
my $cached = $node->background_psql('postgres');
my $decision = q{SELECT string_agg(offer_id || ':' || coalesce(rejected_by, stage), ',' ORDER BY offer_id)
	FROM clientele.next_best_offers(30, 2, 'push', '2030-01-01 12:00+00', include_rejected => true)};
my $set_path = q{SELECT string_agg(offer_id || ':' || coalesce(rejected_by, CASE WHEN rank <= 2 THEN 'selected' ELSE 'RANKED_OUT' END),
	',' ORDER BY offer_id) FROM clientele.offer_evaluate(ARRAY[30::bigint], 'push', '2030-01-01 12:00+00')};
my $d0 = $cached->query_safe($decision);
my ($top) = ($d0 =~ /(\d+):selected/);
ok(defined $top, "a decision is cached ($d0)");
$node->safe_psql('postgres', "UPDATE clientele.offer SET active = false WHERE id = $top");
my $d1 = $cached->query_safe($decision);
like($d1, qr/\b$top:OFFER_INACTIVE/, 'an offer deactivated by another session is seen at the next decision');
is($d1, $cached->query_safe($set_path), 'and the decision equals the set path');
$cached->query_safe('BEGIN');
$cached->query_safe($decision);
$node->safe_psql('postgres', q{INSERT INTO clientele.contact_policy (name, kind, channel, quiet_start, quiet_end)
	VALUES ('push-quiet-all-day', 'quiet_hours', 'push', '00:00', '23:59:59')});
my $d2 = $cached->query_safe($decision);
like($d2, qr/^1:QUIET_HOURS,/, 'a policy added by another session is seen inside an open transaction');
is($d2, $cached->query_safe($set_path), 'and the decision equals the set path');
$cached->query_safe('COMMIT');
$node->safe_psql('postgres', q{DELETE FROM clientele.contact_policy WHERE name = 'push-quiet-all-day';
	UPDATE clientele.offer SET active = true;
	INSERT INTO clientele.offer_config (control_share, control_seed) VALUES (1, 5)});
my $d3 = $cached->query_safe(q{SELECT bool_and('CONTROL_GROUP' = ANY (reasons)) AND count(*) = 8
	FROM clientele.next_best_offers(30, 2, 'push', '2030-01-01 12:00+00', include_rejected => true)});
is($d3, 't', 'settings changed by another session are seen at the next decision');
is($cached->query_safe($decision), $cached->query_safe($set_path), 'and the decision equals the set path');
$node->safe_psql('postgres', q{DELETE FROM clientele.offer_config});
$cached->quit;

# real-time trigger: NOTIFY on commit only
$node->safe_psql('postgres', q{
	CREATE TABLE app_events (id bigserial, customer_id bigint, kind text, product text, lat float8, lon float8,
	                         occurred_at timestamptz DEFAULT now());
	CREATE TRIGGER next_offer AFTER INSERT ON app_events FOR EACH ROW
	    EXECUTE FUNCTION clientele.offer_event_trigger('push', 'offers_for_app');
	INSERT INTO clientele.offer_customer (customer_id) VALUES (20);
});
my $out = $node->safe_psql('postgres', q{
	LISTEN offers_for_app;
	BEGIN; INSERT INTO app_events (customer_id, kind) VALUES (3, 'app_view'); ROLLBACK;
	INSERT INTO app_events (customer_id, kind, product) VALUES (20, 'purchase', 'cream');
	INSERT INTO app_events (customer_id, kind) VALUES (999, 'app_view');
	INSERT INTO app_events (customer_id, kind) VALUES (4, 'app_view');
});
my @notes = ($out =~ /Asynchronous notification "offers_for_app" with payload "(.*?)" received/g);
is(scalar(@notes), 3, 'one notification per committed event, none for the rolled-back one');
like($notes[0], qr/"customer_id": 20/, 'payload names the customer');
like($notes[0], qr/"offer_id": \d+/, 'payload names the offer');
like($notes[0], qr/"channel": "push"/, 'payload names the decision channel');
like($notes[0], qr/"event": \{.*"kind": "purchase"/, 'payload carries the event');
like($notes[1], qr/"reasons": \["UNKNOWN_CUSTOMER"\]/, 'unknown customer is reported, not an error');
like($notes[2], qr/"reasons": \["NO_OFFER"\].*"offer_id": null/, 'a customer at the daily cap gets no offer');
is($node->safe_psql('postgres', q{SELECT count(*) FROM clientele.offer_purchase WHERE customer_id = 20 AND product = 'cream'}),
	'1', 'purchase events feed replenishment');
# the payload equals the decision made directly
my ($offer) = ($notes[0] =~ /"offer_id": (\d+)/);
my $direct = $node->safe_psql('postgres', q{SELECT offer_id FROM clientele.next_best_offers(20, 1, 'push')});
is($offer, $direct, 'the published offer is the next best offer');

# a non-superuser application role with the documented grants
$node->safe_psql('postgres', q{
	CREATE ROLE app LOGIN;
	GRANT SELECT, INSERT, UPDATE ON clientele.offer_customer, clientele.contact_history, clientele.contact_outcome,
	      clientele.offer_stat, clientele.offer_purchase TO app;
	GRANT USAGE ON SEQUENCE clientele.contact_history_id_seq, clientele.contact_outcome_id_seq TO app;
	INSERT INTO clientele.offer_customer (customer_id) VALUES (50);
});
my $app_offer = $node->safe_psql('postgres', q{SELECT offer_id FROM clientele.next_best_offers(50, 1, 'push')},
	extra_params => ['-U', 'app']);
like($app_offer, qr/^\d+$/, 'the application role decides');
my $app_contact = $node->safe_psql('postgres',
	"SELECT clientele.record_contact(50, $app_offer, 'push') IS NOT NULL", extra_params => ['-U', 'app']);
is($app_contact, 't', 'the application role records');
my ($ret, $o, $err) = $node->psql('postgres', q{SELECT * FROM clientele.next_best_offers(424242, 1, 'push')},
	extra_params => ['-U', 'app']);
like($err, qr/customer 424242 does not exist/, 'unknown customer is a clear error');

# pg_dump keeps the configuration and the history
my $before = $node->safe_psql('postgres', q{SELECT (SELECT count(*) FROM clientele.offer), (SELECT count(*) FROM clientele.contact_policy),
	(SELECT count(*) FROM clientele.contact_history), (SELECT sum(contacts) FROM clientele.offer_stat),
	(SELECT string_agg(offer_id::text, ',') FROM clientele.next_best_offers(7, 3, 'push', '2030-01-01'))});
my $dump = $node->basedir . '/offer_dump.sql';
$node->command_ok(['pg_dump', '-d', $node->connstr('postgres'), '-f', $dump], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump],
	'restore succeeds');
my $after = $node->safe_psql('restored', q{SELECT (SELECT count(*) FROM clientele.offer), (SELECT count(*) FROM clientele.contact_policy),
	(SELECT count(*) FROM clientele.contact_history), (SELECT sum(contacts) FROM clientele.offer_stat),
	(SELECT string_agg(offer_id::text, ',') FROM clientele.next_best_offers(7, 3, 'push', '2030-01-01'))});
is($after, $before, 'offers, policies, history, statistics and decisions survive dump and restore');
$node->safe_psql('restored', q{INSERT INTO clientele.contact_policy (name, kind, cooldown) VALUES ('after-restore', 'cooldown', '1 day')});
pass('policy ids continue after restore');

$node->stop;
done_testing();
