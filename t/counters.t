# The counters against a real httpd: each one moves by what one request
# adds (every verdict and denial reason, HTTPS redirects, rewritten
# cookies, forged headers), a client request counts once whatever its
# internal redirects, every child shares them, mod_status shows them
# (HTML and ?auto), promtool accepts the text and a real Prometheus
# server scrapes it.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use PHS::Metrics;

plan tests => 49;

my $vhost = 'counted.test:' . port('counted');
# Where the counters are read: PostHogSecure is off there.
my @metrics = (vhost => 'metrics');

sub key {
    my ($name, $label, $value) = @_;
    my $second = $label ? qq{,$label="$value"} : '';
    return qq{posthog_secure_${name}_total{vhost="$vhost"$second}};
}
my %keys = (
    allowed => key('requests', verdict => 'allowed'),
    exempt => key('requests', verdict => 'exempt'),
    denied => key('requests', verdict => 'denied'),
    not_allowed => key('denied', reason => 'not_allowed'),
    deny_listed => key('denied', reason => 'deny_listed'),
    region => key('denied', reason => 'region'),
    client_unknown => key('denied', reason => 'client_unknown'),
    redirects => key('https_redirects'),
    cookies => key('cookies_rewritten'),
    forged => key('forged_headers_removed'),
);

# Runs $request, then checks every counter moved by what %want says (0 for
# the others).
sub moves {
    my ($name, $request, %want) = @_;
    my $before = samples(@metrics);
    my $r = $request->();
    my $after = samples(@metrics);
    my @wrong;
    for my $counter (sort keys %keys) {
        my $key = $keys{$counter};
        my $delta = ($after->{$key} // 'none') - ($before->{$key} // 0);
        push @wrong, "$counter moved by $delta, not " . ($want{$counter} // 0)
            if $delta != ($want{$counter} // 0);
    }
    ok t_cmp(join('; ', @wrong), '', $name);
    return $r;
}

# mod_status answers in chunks.
sub status_page {
    my $r = request(vhost => 'metrics', path => shift);
    my $body = $r->{body};
    return $body unless grep { /chunked/i } @{ $r->{headers}{'transfer-encoding'} // [] };
    my $out = '';
    while ($body =~ s/^([0-9a-fA-F]+)\r\n//) {
        my $size = hex $1 or last;
        $out .= substr $body, 0, $size, '';
        $body =~ s/^\r\n//;
    }
    return $out;
}

my $get = requester('counted');

{
    my $s = samples(@metrics);
    ok t_cmp(join(' ', map { defined $s->{$keys{$_}} ? () : $_ } sort keys %keys),
             '', "every counter of $vhost is there");
}

my $m = unique_marker();
my $r = moves('an allowed request: allowed +1',
              sub { $get->('127.0.0.1', "/api/projects?$m") }, allowed => 1);
ok t_cmp($r->{status}, 200, 'it was allowed');
ok t_cmp(backend_hits($m), 1, 'and reached the backend');

$r = moves('an exempt path: exempt +1',
           sub { $get->('127.0.0.3', "/e/?$m") }, exempt => 1);
ok t_cmp($r->{status}, 200, 'an outsider reaches /e/');

$m = unique_marker();
$r = moves('outside the allow-list: denied +1, not_allowed +1',
           sub { $get->('127.0.0.3', "/api/projects?$m") },
           denied => 1, not_allowed => 1);
ok t_cmp($r->{status}, 403, 'refused');
ok t_cmp(backend_hits($m), 0, 'never reached the backend');

$m = unique_marker();
$r = moves('deny-listed on an exempt path: denied +1, deny_listed +1',
           sub { $get->('127.0.0.5', "/e/?$m") }, denied => 1, deny_listed => 1);
ok t_cmp($r->{status}, 403, 'refused on /e/');
ok t_cmp(backend_hits($m), 0, 'never reached the backend');

$m = unique_marker();
$r = moves('a client that cannot be known: denied +1, client_unknown +1',
           sub { $get->('127.0.0.2', "/api/projects?$m",
                     headers => ['X-Forwarded-For' => 'not-an-address']) },
           denied => 1, client_unknown => 1);
ok t_cmp($r->{status}, 403, 'refused');
ok t_cmp(backend_hits($m), 0, 'never reached the backend');

$r = moves('an HTTPS redirect: https_redirects +1, no verdict',
           sub { $get->('127.0.0.1', '/go-https/x') }, redirects => 1);
ok t_cmp($r->{status}, 301, 'redirected');

# Two cookies, one already Secure and HttpOnly: one is rewritten.
$r = moves('cookies: +1 for the one changed, not for the one left as sent',
           sub { $get->('127.0.0.1', '/set-cookies?c=a%3D1&c=b%3D2%3B%20Secure%3B%20HttpOnly') },
           allowed => 1, cookies => 1);
ok t_cmp(scalar @{ set_cookies($r) }, 2, 'both cookies sent');

$r = moves('three cookies rewritten: +3',
           sub { $get->('127.0.0.1', '/set-cookies?c=a%3D1&c=b%3D2&c=c%3D3') },
           allowed => 1, cookies => 3);

$r = moves('the forged signed-IP triple: forged_headers_removed +3',
           sub { $get->('127.0.0.1', '/api/projects', headers => [
               'X-PostHog-Client-IP' => '192.0.2.1',
               'X-PostHog-Client-IP-Timestamp' => time,
               'X_PostHog_Client_IP_Signature' => 'ab' x 32]) },
           allowed => 1, forged => 3);

# Internal redirects: the ErrorDocument of a 404 and of a denial (a local
# page) are request_recs of their own, the client request counts once.
$r = moves('a 404 with its ErrorDocument: allowed +1 only',
           sub { $get->('127.0.0.1', '/local-404') }, allowed => 1);
ok t_cmp($r->{status}, 404, 'the 404');
ok t_cmp($r->{body}, qr/static page/, 'with its ErrorDocument');
$m = unique_marker();
$r = moves('a denial with its ErrorDocument: denied +1 only',
           sub { $get->('127.0.0.3', "/api/x?$m") }, denied => 1, not_allowed => 1);
ok t_cmp($r->{status}, 403, 'the denial keeps its 403');
ok t_cmp($r->{body}, qr/static page/, 'the ErrorDocument was served');
ok t_cmp(backend_hits($m), 0, 'and the backend never saw it');

# Many requests on many connections: whichever child answered, every one
# is counted once (the counters are shared memory, not per process).
{
    my $before = samples(@metrics);
    my $n = 60;
    my @pids;
    for my $worker (1 .. 4) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            $get->('127.0.0.1', '/e/') for 1 .. $n / 4;
            exit 0;
        }
        push @pids, $pid;
    }
    waitpid $_, 0 for @pids;
    my $after = samples(@metrics);
    ok t_cmp($after->{$keys{exempt}} - $before->{$keys{exempt}}, $n,
             "$n requests from 4 clients at once: exempt +$n");
}

# Reading the metrics or the status counts nothing (PostHogSecure is off
# on that vhost), and other vhosts have their own records.
{
    my $before = samples(@metrics);
    request(vhost => 'metrics', path => '/server-status?auto') for 1 .. 3;
    my $after = samples(@metrics);
    my $requests = sub {
        my $s = shift;
        my $n = 0;
        $n += $s->{$_} for grep { /^posthog_secure_requests_total\{/ } keys %$s;
        return $n;
    };
    ok t_cmp($requests->($after) - $requests->($before), 0,
             'reading the counters counts nothing, in any vhost');
    my $metrics = 'vhost="localhost:' . port('metrics') . '"';
    ok t_cmp(join(' ', grep { index($_, $metrics) >= 0 } sort keys %$after), '',
             'the metrics vhost (no PostHogSecure) has no record');
    my $app = 'posthog_secure_requests_total{vhost="localhost:' . port('app')
              . '",verdict="allowed"}';
    ok t_cmp(defined $after->{$app} ? 'there' : 'missing', 'there',
             'the app vhost has a record of its own');
    my $inert = 'posthog_secure_requests_total{vhost="localhost:' . port('inert')
                . '",verdict="allowed"}';
    ok t_cmp(defined $after->{$inert} ? 'there' : 'missing', 'missing',
             'a vhost without PostHogSecure On has none');
}

# The text itself: content type, HELP and TYPE lines.
{
    my $r = scrape(@metrics);
    ok t_cmp($r->{headers}{'content-type'}[0],
             qr{^text/plain; version=0\.0\.4}, 'Prometheus content type');
    ok t_cmp($r->{body}, qr/^# TYPE posthog_secure_requests_total counter$/m,
             'TYPE lines');
    ok t_cmp($r->{body}, qr/^# HELP posthog_secure_denied_total \S/m,
             'HELP lines');
    ok t_cmp($r->{body}, qr/^posthog_secure_counters_start_time_seconds \d+$/m,
             'when counting started');
    my $post = request(vhost => 'metrics', path => '/metrics', method => 'POST');
    ok t_cmp($post->{status}, 405, 'POST is refused');
}

# mod_status: the same values, in the HTML page and in ?auto.
{
    my $now = samples(@metrics);
    my $auto = status_page('/server-status?auto');
    my ($allowed) = $auto =~ /^PostHogSecure \Q$vhost\E allowed: (\d+)$/m;
    my ($unknown) = $auto =~ /^PostHogSecure \Q$vhost\E denied_client_unknown: (\d+)$/m;
    ok t_cmp($allowed, $now->{$keys{allowed}}, '?auto: allowed as in the metrics');
    ok t_cmp($unknown, $now->{$keys{client_unknown}},
             '?auto: denied_client_unknown as in the metrics');
    my $lines = () = $auto =~ /^PostHogSecure \Q$vhost\E \w+: \d+$/mg;
    ok t_cmp($lines, 13, '?auto: the thirteen counters of the vhost');
    my $html = status_page('/server-status');
    ok t_cmp($html, qr{<h2>mod_posthog_secure</h2>}, 'the HTML page has a section');
    ok t_cmp($html, qr{<tr><td>\Q$vhost\E</td><td>$now->{$keys{allowed}}</td><td>$now->{$keys{exempt}}</td>},
             'with a row for the vhost, its values in order');
}

# promtool, Debian's prometheus package, checks the text and its lint.
{
    my $dir = tempdir(CLEANUP => 1);
    write_file("$dir/metrics.txt", scrape(@metrics)->{body});
    my $out = `promtool check metrics < "$dir/metrics.txt" 2>&1`;
    ok t_cmp($? >> 8, 0, 'promtool check metrics accepts the text');
    ok t_cmp($out, '', 'without a lint remark');
}

# A real Prometheus server scrapes the handler (loopback only) and sees
# the counter's value.
{
    my $dir = tempdir(CLEANUP => 1);
    my $web = PHS::Test::free_port();
    my $target = '127.0.0.1:' . port('metrics');
    write_file("$dir/prometheus.yml", <<"YML");
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: posthog_secure
    metrics_path: /metrics
    static_configs:
      - targets: ['$target']
YML
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', "$dir/prometheus.log";
        open STDERR, '>&', \*STDOUT;
        exec 'prometheus', "--config.file=$dir/prometheus.yml",
             "--storage.tsdb.path=$dir/data",
             "--web.listen-address=127.0.0.1:$web" or exit 127;
    }
    my $query = sub {
        my $q = query_escape(shift);
        my $r = eval { request(port => $web, path => "/api/v1/query?query=$q") };
        return $r && $r->{status} == 200 ? $r->{body} : '';
    };
    my $up = '';
    for (1 .. 150) {
        $up = $query->('up');
        last if $up =~ /"value":\[[\d.]+,"1"\]/;
        select undef, undef, undef, 0.2;
    }
    ok t_cmp($up, qr/"value":\[[\d.]+,"1"\]/, 'Prometheus scraped the target: up is 1');
    $get->('127.0.0.3', '/api/projects') for 1 .. 3;
    my $want = samples(@metrics)->{$keys{not_allowed}};
    my $seen = '';
    my $q = qq{posthog_secure_denied_total{vhost="$vhost",reason="not_allowed"}};
    for (1 .. 100) {
        $seen = $query->($q);
        last if $seen =~ /"value":\[[\d.]+,"$want"\]/;
        select undef, undef, undef, 0.2;
    }
    ok t_cmp($seen, qr/"value":\[[\d.]+,"$want"\]/,
             "Prometheus has denied_total{reason=\"not_allowed\"} = $want");
    kill 'TERM', $pid;
    waitpid $pid, 0;
}

# Vhosts without a directive of this module's own (PostHogSecure On in
# the main server) each count under their own label, not one shared one.
{
    my ($second, $third) = (PHS::Test::free_port(), PHS::Test::free_port());
    my $server = start_httpd(<<"CONF");
Listen 127.0.0.1:$second
Listen 127.0.0.1:$third
PostHogSecure On
PostHogHTTPSRedirect Off
<VirtualHost 127.0.0.1:\@PORT\@>
    ServerName one.test
</VirtualHost>
<VirtualHost 127.0.0.1:$second>
    ServerName two.test
</VirtualHost>
<VirtualHost 127.0.0.1:$third>
    ServerName metrics.test
    <Location /metrics>
        SetHandler posthog-secure-metrics
    </Location>
</VirtualHost>
CONF
    request(port => $server->{port}, path => '/x') for 1 .. 2;
    request(port => $second, path => '/y');
    my $counts = samples(port => $third);
    $server->{stop}->();
    ok t_cmp(metric($counts, 'posthog_secure_requests_total',
                    vhost => "one.test:$server->{port}", verdict => 'allowed'),
             2, 'the first vhost counts its own two requests');
    ok t_cmp(metric($counts, 'posthog_secure_requests_total',
                    vhost => "two.test:$second", verdict => 'allowed'),
             1, 'the second vhost counts its own one');
}
