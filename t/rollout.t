# Rolling out an allow-list without locking anyone out, hiding PostHog,
# composing with stock httpd: PostHogReportOnly (every decision made and
# reported, the request served), PostHogDenyStatus 404, and the variables
# SetEnvIf, `Require env` and LogFormat read (POSTHOG_DENY_REASON,
# POSTHOG_COUNTRY).  Each server is the vhost users run: `ProxyPass /` to
# the suite's stand-in for PostHog, which records what reached it.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use JSON::PP ();
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use PHS::Metrics;
use PHS::MMDB;

plan tests => 56;

my $dir = tempdir(CLEANUP => 1);
my $backend = port('backend');
my $db = write_mmdb("$dir/countries.mmdb", '192.0.2.0/26' => 'KP',
                    '192.0.2.64/26' => 'US', '198.51.100.0/24' => 'DE');
my $proxy = <<"CONF";
LoadModule proxy_module \@MODULES\@/mod_proxy.so
LoadModule proxy_http_module \@MODULES\@/mod_proxy_http.so
LoadModule setenvif_module \@MODULES\@/mod_setenvif.so
LoadModule authz_host_module \@MODULES\@/mod_authz_host.so
CONF
my $log_format = '"%r %>s %{POSTHOG_ACCESS}e reason=%{POSTHOG_DENY_REASON}e '
               . 'country=%{POSTHOG_COUNTRY}e"';

# ------------------------------------------------------------ report-only
my $rollout = start_httpd(<<"CONF");
$proxy
CustomLog "$dir/rollout_access_log" $log_format
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogReportOnly On
PostHogTrustedProxies 127.0.0.2
PostHogAllowedIPBlocks 198.51.100.0/24
PostHogBlockedIPBlocks 192.0.2.66
PostHogGeoIPDatabase "$db"
ProxyPass / http://127.0.0.1:$backend/
<Location /regional>
    PostHogAllowedIPBlocks none
    PostHogBlockedGeoIPRegions KP
</Location>
<Location /enforced>
    PostHogReportOnly Off
</Location>
<Location /whoami>
    SetHandler posthog-secure-whoami
</Location>
<Location /metrics>
    SetHandler posthog-secure-metrics
</Location>
CONF

sub from_proxy {
    my ($server, $xff, $path) = @_;
    return request_hits(port => $server->{port}, from => '127.0.0.2',
                        path => $path,
                        headers => ['X-Forwarded-For' => $xff]);
}

sub logged {
    my ($file, $m) = @_;
    for (1 .. 100) {
        my ($line) = grep { index($_, $m) >= 0 } split /\n/, slurp($file);
        return $line if defined $line;
        select undef, undef, undef, 0.02;
    }
    return '';
}

my $metrics = sub { samples(port => $rollout->{port}, from => '127.0.0.2',
                            headers => ['X-Forwarded-For' => '198.51.100.9']) };
my $before = $metrics->();
my $offset = -s $rollout->{error_log};

# [X-Forwarded-For, path, the would-be denial's POSTHOG_DENY_REASON, the
# reason logged, what it shows]
my @would = (
    ['192.0.2.7', '/api/projects', 'not_allowed', 'client address not in PostHogAllowedIPBlocks',
     'a client outside the allow-list'],
    ['192.0.2.66', '/e/', 'blocked', 'client address in PostHogBlockedIPBlocks',
     'a deny-listed client, on an exempt path'],
    ['not-an-address', '/api/projects', 'client_unknown', 'client unknown: X-Forwarded-For',
     'a client that cannot be known'],
    ['192.0.2.8', '/regional/x', 'region', 'client country KP in PostHogBlockedGeoIPRegions',
     'a client in a blocked region'],
);
for my $case (@would) {
    my ($xff, $path, $token, $reason, $what) = @$case;
    my ($r, $hits) = from_proxy($rollout, $xff, $path);
    ok t_cmp($r->{status}, 200, "report-only: $what is served");
    ok t_cmp($hits, 1, "report-only: $what reaches the backend");
}
my $log = error_log_when(sub { (() = $_[0] =~ /would deny client/g) >= 4 },
                         $offset, $rollout->{error_log});
for my $case (@would) {
    my ($xff, $path, $token, $reason, $what) = @$case;
    my $client = $xff eq 'not-an-address' ? '127.0.0.2' : $xff;
    ok t_cmp($log, qr/\[posthog_secure:warn\] .*would deny client \Q$client\E \(peer 127\.0\.0\.2\) for \Q$path\E: \Q$reason\E/,
             "report-only: $what is logged at warn with client, peer, path and reason");
}
ok t_cmp($log =~ /denied client/ ? 'a denial logged' : 'none', 'none',
         'report-only: no denial is logged as enforced');
# The access log: POSTHOG_ACCESS, POSTHOG_DENY_REASON, POSTHOG_COUNTRY.
{
    my ($r, $m) = marked_request(port => $rollout->{port}, from => '127.0.0.2',
                                 path => '/api/projects',
                                 headers => ['X-Forwarded-For' => '192.0.2.7']);
    ok t_cmp(logged("$dir/rollout_access_log", $m),
             qr/ 200 report-only reason=not_allowed country=KP$/,
             'report-only: POSTHOG_ACCESS=report-only, the reason and the country in the log');
    ($r, $m) = marked_request(port => $rollout->{port}, from => '127.0.0.2',
                              path => '/api/projects',
                              headers => ['X-Forwarded-For' => '198.51.100.7']);
    ok t_cmp(logged("$dir/rollout_access_log", $m),
             qr/ 200 allowed reason=- country=DE$/,
             'an allowed client: no POSTHOG_DENY_REASON at all');
    ($r, $m) = marked_request(port => $rollout->{port}, from => '127.0.0.2',
                              path => '/api/projects',
                              headers => ['X-Forwarded-For' => '203.0.113.9']);
    ok t_cmp(logged("$dir/rollout_access_log", $m), qr/ country=$/,
             'an address the database cannot place: POSTHOG_COUNTRY empty');
}
# Off in an inner scope enforces there again.
{
    my ($r, $hits) = from_proxy($rollout, '192.0.2.7', '/enforced/x');
    ok t_cmp($r->{status}, 403, 'PostHogReportOnly Off in a location: refused there');
    ok t_cmp($hits, 0, 'and never reaches the backend');
}
# The counters: would_deny by reason, requests by the report-only verdict.
{
    my $after = $metrics->();
    my %reason = (not_allowed => 3, deny_listed => 1, client_unknown => 1, region => 1);
    for my $label (sort keys %reason) {
        my $delta = metric($after, 'posthog_secure_would_deny_total', reason => $label)
                    - metric($before, 'posthog_secure_would_deny_total', reason => $label);
        ok t_cmp($delta, $reason{$label}, "would_deny{reason=\"$label\"} counts $reason{$label}");
    }
    my $report_only = metric($after, 'posthog_secure_requests_total', verdict => 'report-only')
                      - metric($before, 'posthog_secure_requests_total', verdict => 'report-only');
    ok t_cmp($report_only, 6, 'requests_total{verdict="report-only"} counts them all');
    my $denied = metric($after, 'posthog_secure_denied_total', reason => 'not_allowed')
                 - metric($before, 'posthog_secure_denied_total', reason => 'not_allowed');
    ok t_cmp($denied, 1, 'denied_total counts only the one enforced denial');
}
# whoami: "would be denied: REASON".
{
    my $r = request(port => $rollout->{port}, from => '127.0.0.2',
                    path => '/whoami?path=/api/projects',
                    headers => ['X-Forwarded-For' => '192.0.2.7']);
    my $j = eval { JSON::PP->new->decode($r->{body}) } // {};
    ok t_cmp($j->{verdict}, 'report-only', 'whoami: the verdict is report-only');
    ok t_cmp($j->{reason}, 'would be denied: client address not in PostHogAllowedIPBlocks',
             'whoami: would be denied, and why');
}
# The startup line, once per vhost.
{
    my $start = slurp($rollout->{error_log});
    my $n = () = $start =~ /PostHogReportOnly On \(\S+:\d+\): the requests it would deny are served/g;
    ok t_cmp($n, 1, 'report-only is said at startup, once for the vhost');
    ok t_cmp($start, qr/\[posthog_secure:warn\].*PostHogReportOnly On/,
             'at warn');
}
$rollout->{stop}->();

# ------------------------------------------------------- PostHogDenyStatus
my $hidden = start_httpd(<<"CONF");
$proxy
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogDenyStatus 404
PostHogAllowedIPBlocks 127.0.0.1
ProxyPass / http://127.0.0.1:$backend/
<Location /errordoc>
    ErrorDocument 404 "Nothing here."
</Location>
<Location /forbidden>
    PostHogDenyStatus 403
</Location>
<Location /custom>
    PostHogDenyMessage "No PostHog here."
</Location>
CONF

sub hidden {
    my ($from, $path) = @_;
    return request_hits(port => $hidden->{port}, from => $from, path => $path);
}
{
    my ($r, $hits) = hidden('127.0.0.3', '/api/projects');
    ok t_cmp($r->{status}, 404, 'PostHogDenyStatus 404: a denial is a 404');
    ok t_cmp($r->{body}, "Access denied.\n", 'with the deny message');
    ok t_cmp($hits, 0, 'and never reaches the backend');
    ($r, $hits) = hidden('127.0.0.3', '/custom/x');
    ok t_cmp("$r->{status} $r->{body}", "404 No PostHog here.", 'with PostHogDenyMessage');
    ok t_cmp($hits, 0, 'and never reaches the backend');
    ($r, $hits) = hidden('127.0.0.3', '/errordoc/x');
    ok t_cmp("$r->{status} $r->{body}", '404 Nothing here.', 'ErrorDocument 404 answers it');
    ok t_cmp($hits, 0, 'and never reaches the backend');
    ($r, $hits) = hidden('127.0.0.3', '/forbidden/x');
    ok t_cmp($r->{status}, 403, 'PostHogDenyStatus 403 in a location: a 403 there');
    ok t_cmp($hits, 0, 'and never reaches the backend');
    ($r, $hits) = hidden('127.0.0.1', '/api/projects');
    ok t_cmp($r->{status}, 200, 'an allowed client is served');
    ok t_cmp($hits, 1, 'and reaches the backend');
}
# PostHog's public webhook inputs and message tracking links are exempt
# by default; nothing beside them.
for my $case (['/public/webhooks/abc123', 200, 1], ['/public/m/click/x', 200, 1],
              ['/public/messaging/x', 404, 0], ['/public/webhooksx', 404, 0]) {
    my ($path, $status, $want_hits) = @$case;
    my ($r, $hits) = hidden('127.0.0.3', $path);
    ok t_cmp($r->{status}, $status, "$path from a blocked client: $status");
    ok t_cmp($hits, $want_hits, "$path " . ($want_hits ? 'reaches' : 'never reaches') . ' the backend');
}
$hidden->{stop}->();

# Any other status is refused, naming the directive and the token.
for my $bad (qw(401 302 200 abc 4040)) {
    my ($status, $out) = configtest("PostHogDenyStatus $bad");
    ok t_cmp($status != 0 && $out =~ /PostHogDenyStatus: '\Q$bad\E' is not 403 or 404/
             ? 'refused, named' : $out, 'refused, named',
             "PostHogDenyStatus $bad stops httpd -t, naming it");
}

# ------------------------------------------- composing with stock httpd
# SetEnvIf (header_parser) and `Require env` (authorization) see the
# module's variables: a US-only location, and a header for the backend.
my $composed = start_httpd(<<"CONF");
$proxy
LoadModule headers_module \@MODULES\@/mod_headers.so
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogTrustedProxies 127.0.0.2
PostHogGeoIPDatabase "$db"
ProxyPass / http://127.0.0.1:$backend/
<Location /us-only>
    SetEnvIf POSTHOG_COUNTRY ^US\$ from_us
    Require env from_us
</Location>
CONF
{
    my ($r, $hits) = from_proxy($composed, '192.0.2.70', '/us-only/x');
    ok t_cmp($r->{status}, 200, 'SetEnvIf POSTHOG_COUNTRY + Require env: a US client is in');
    ok t_cmp($hits, 1, 'and reaches the backend');
    ($r, $hits) = from_proxy($composed, '198.51.100.7', '/us-only/x');
    ok t_cmp($r->{status}, 403, 'a DE client is refused by Require env');
    ok t_cmp($hits, 0, 'and never reaches the backend');
}
$composed->{stop}->();
