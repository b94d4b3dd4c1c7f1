# Region blocking as PostHog's BLOCKED_GEOIP_REGIONS, against an httpd of
# the test's own and a MaxMind database built here: on restricted paths a
# listed country is denied, an address the database cannot place is
# allowed, a client that cannot be known is denied, an address in the
# allow-list is never region-blocked; exempt paths are open; a graceful
# restart reopens the database and starts the counters from zero;
# BLOCKED_GEOIP_REGIONS under PostHogFromEnvironment; configtest errors.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use PHS::Metrics;
use PHS::MMDB;

plan tests => 53;

my $dir = tempdir(CLEANUP => 1);
my $db = "$dir/countries.mmdb";
# 192.0.2.192/26 and 2001:db8:3::/48 have no country.
my @countries = (
    '127.0.0.3/32' => 'KP', '192.0.2.0/25' => 'KP', '192.0.2.128/26' => 'US',
    '2001:db8:1::/48' => 'KP', '2001:db8:2::/48' => 'US',
);
write_mmdb($db, @countries);
my $backend = port('backend');

my $server = start_httpd(<<"CONF");
LoadModule proxy_module \@MODULES\@/mod_proxy.so
LoadModule proxy_http_module \@MODULES\@/mod_proxy_http.so
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogTrustedProxies 127.0.0.2
PostHogGeoIPDatabase "$db"
PostHogBlockedGeoIPRegions KP, cu
ProxyPass /metrics !
ProxyPass / http://127.0.0.1:$backend/
<Location /metrics>
    PostHogSecure Off
    SetHandler posthog-secure-metrics
</Location>
<Location /api/listed>
    PostHogAllowedIPBlocks 192.0.2.7
</Location>
<Location /api/anywhere>
    PostHogBlockedGeoIPRegions none
</Location>
CONF

my $get = requester(port => $server->{port});
# A client behind the trusted proxy 127.0.0.2.
sub proxied {
    my ($path, $xff) = @_;
    return $get->('127.0.0.2', $path, headers => ['X-Forwarded-For' => $xff]);
}
sub counter {
    my $reason = shift;
    return metric(samples(port => $server->{port}), 'posthog_secure_denied_total',
                  reason => $reason);
}

# [X-Forwarded-For, expected status, what it shows]
my @cases = (
    ['192.0.2.7', 403, 'a client in a listed country (KP)'],
    ['2001:db8:1::5', 403, 'an IPv6 client in a listed country'],
    ['::ffff:192.0.2.8', 403, 'an IPv4-mapped client in a listed country'],
    ['192.0.2.130', 200, 'a client in another country (US)'],
    ['2001:db8:2::5', 200, 'an IPv6 client in another country'],
    ['192.0.2.200', 200, 'an address the database has no country for'],
    ['2001:db8:3::1', 200, 'an IPv6 address without a country'],
    ['198.51.100.1', 200, 'an address outside the database'],
);
my $regions_before = counter('region');
for my $case (@cases) {
    my ($xff, $status, $what) = @$case;
    my $m = unique_marker();
    my $r = proxied("/api/projects?$m", $xff);
    ok t_cmp($r->{status}, $status, "$what: $status");
    ok t_cmp(backend_hits($m), $status == 200 ? 1 : 0,
             $status == 200 ? 'reaches the backend' : 'never reaches the backend');
}
ok t_cmp(counter('region') - $regions_before, 3, 'denied_total{reason="region"} +3');

# The direct peer counts when no proxy is involved.
{
    my $m = unique_marker();
    my $r = $get->('127.0.0.3', "/api/x?$m");
    ok t_cmp($r->{status}, 403, 'a direct client in a listed country');
    ok t_cmp(backend_hits($m), 0, 'never reaches the backend');
    $r = $get->('127.0.0.1', '/api/x');
    ok t_cmp($r->{status}, 200, 'a direct client without a country');
}

# A client that cannot be known is denied.
{
    my $before = counter('client_unknown');
    my $m = unique_marker();
    my $r = proxied("/api/projects?$m", 'not-an-address');
    ok t_cmp($r->{status}, 403, 'a client that cannot be known is denied');
    ok t_cmp(backend_hits($m), 0, 'and never reaches the backend');
    ok t_cmp(counter('client_unknown') - $before, 1, 'counted as client_unknown');
}

# Exempt paths are open to every country, as in PostHog.
{
    my $m = unique_marker();
    my $r = proxied("/e/?$m", '192.0.2.7');
    ok t_cmp($r->{status}, 200, 'a listed country reaches an exempt path');
    ok t_cmp(backend_hits($m), 1, 'which reaches the backend');
}

# Where there is an allow-list it decides alone: an address in it is
# never region-blocked, one outside it is refused for that.
{
    my $offset = error_log_size($server->{error_log});
    my $r = proxied('/api/listed/x', '192.0.2.7');
    ok t_cmp($r->{status}, 200, 'a KP address in the allow-list is never region-blocked');
    my $m = unique_marker();
    $r = proxied("/api/listed/x?$m", '192.0.2.130');
    ok t_cmp($r->{status}, 403, 'a US address outside the allow-list is refused');
    ok t_cmp(backend_hits($m), 0, 'and never reaches the backend');
    ok t_cmp(error_log_since($offset, $server->{error_log}),
             qr/for \/api\/listed\/x: client address not in PostHogAllowedIPBlocks/,
             'for not being in the allow-list');
}

# `none` lifts the regions in a location.
{
    my $r = proxied('/api/anywhere/x', '192.0.2.7');
    ok t_cmp($r->{status}, 200, 'PostHogBlockedGeoIPRegions none in a location');
}

# The denial is logged with the country.
{
    my $offset = error_log_size($server->{error_log});
    my $m = unique_marker();
    my $r = proxied("/api/logged?$m", '192.0.2.9');
    ok t_cmp($r->{status}, 403, 'a KP client is denied');
    ok t_cmp(backend_hits($m), 0, 'and never reaches the backend');
    ok t_cmp(error_log_since($offset, $server->{error_log}),
             qr{denied client 192\.0\.2\.9 \(peer 127\.0\.0\.2\) for /api/logged: client country KP in PostHogBlockedGeoIPRegions},
             'logged with client, peer, path and country');
}

# A graceful restart reads the configuration again: the database is
# reopened (a new file in its place applies) and the counters start from
# zero.
{
    my $started = metric(samples(port => $server->{port}),
                         'posthog_secure_counters_start_time_seconds');
    ok t_cmp(counter('region') > 0 ? 'counted' : 'zero', 'counted', 'regions counted so far');
    write_mmdb("$db.new", @countries, '192.0.2.130/32' => 'CU');
    rename "$db.new", $db or die $!;
    ok t_cmp(proxied('/api/projects', '192.0.2.130')->{status}, 200,
             'the database replaced on disk changes nothing until a restart');
    sleep 1;
    $server->{graceful}->();
    my $status = 0;
    for (1 .. 100) {
        $status = proxied('/api/projects', '192.0.2.130')->{status};
        last if $status == 403;
        select undef, undef, undef, 0.1;
    }
    ok t_cmp($status, 403, 'after a graceful restart the new database applies (CU)');
    my $m = unique_marker();
    proxied("/api/projects?$m", '192.0.2.130');
    ok t_cmp(backend_hits($m), 0, 'the CU client never reaches the backend');
    my $again = metric(samples(port => $server->{port}),
                       'posthog_secure_counters_start_time_seconds');
    ok t_cmp($again > $started ? 'later' : "$again <= $started", 'later',
             'the counters started again at the restart');
    ok t_cmp(counter('region'), 2, 'from zero: the two region denials since');
}
$server->{stop}->();

# BLOCKED_GEOIP_REGIONS under PostHogFromEnvironment, as PostHog reads it.
{
    local $ENV{BLOCKED_GEOIP_REGIONS} = 'us, CU';
    local $ENV{ALLOWED_IP_BLOCKS} = '';
    my $env = start_from_environment("PostHogTrustedProxies 127.0.0.2\n"
                                     . "PostHogGeoIPDatabase \"$db\"");
    my $m = unique_marker();
    my $r = request(port => $env->{port}, from => '127.0.0.2', path => "/api/x?$m",
                    headers => ['X-Forwarded-For' => '192.0.2.140']);
    ok t_cmp($r->{status}, 403, 'BLOCKED_GEOIP_REGIONS=us,CU denies a US client');
    ok t_cmp(backend_hits($m), 0, 'and it never reaches the backend');
    $r = request(port => $env->{port}, from => '127.0.0.2', path => '/api/x',
                 headers => ['X-Forwarded-For' => '192.0.2.7']);
    ok t_cmp($r->{status}, 200, 'and lets a KP client in');
    $env->{stop}->();
}

# configtest: a missing or damaged database names the file, a bad code
# names the token.
{
    write_file("$dir/damaged.mmdb", "not a MaxMind database\n" x 10);
    my @bad = (
        ["PostHogGeoIPDatabase $dir/missing.mmdb\nPostHogBlockedGeoIPRegions KP",
         "$dir/missing.mmdb", 'a missing database'],
        ["PostHogGeoIPDatabase $dir/damaged.mmdb\nPostHogBlockedGeoIPRegions KP",
         "$dir/damaged.mmdb", 'a damaged database'],
        ["PostHogGeoIPDatabase $db\nPostHogBlockedGeoIPRegions KP UK",
         "'UK'", 'UK (the United Kingdom is GB)'],
        ["PostHogGeoIPDatabase $db\nPostHogBlockedGeoIPRegions KPX",
         "'KPX'", 'an alpha-3 code'],
        ["PostHogGeoIPDatabase $db\nPostHogBlockedGeoIPRegions KP none",
         "'none'", "'none' with codes"],
        ["PostHogGeoIPDatabase $db\nPostHogBlockedGeoIPRegions ,",
         "','", 'no code'],
        ["<Location /x>\nPostHogBlockedGeoIPRegions KP\n</Location>",
         'needs PostHogGeoIPDatabase', 'regions without a database'],
    );
    for my $case (@bad) {
        my ($lines, $named, $what) = @$case;
        my ($status, $out) = configtest("$lines\n");
        ok t_cmp($status != 0 && index($out, $named) >= 0
                 && $out =~ /PostHog(GeoIPDatabase|BlockedGeoIPRegions)/
                 ? 'refused, named' : $out, 'refused, named',
                 "configtest refuses $what, naming $named");
    }
    local $ENV{BLOCKED_GEOIP_REGIONS} = 'DE, XX';
    my ($status, $out) = configtest("PostHogMode test\nPostHogFromEnvironment On\n"
                                    . "PostHogGeoIPDatabase $db\n");
    ok t_cmp($status != 0 && $out =~ /BLOCKED_GEOIP_REGIONS: 'XX' is not an ISO 3166-1/
             ? 'refused, named' : $out, 'refused, named',
             'a bad code in BLOCKED_GEOIP_REGIONS names the variable and the token');
    ($status, $out) = configtest("PostHogGeoIPDatabase $db\nPostHogBlockedGeoIPRegions kp, DE\n");
    ok t_cmp($status, 0, 'a good database and codes pass');
    ok t_cmp($out, qr/^Syntax OK\s*$/, 'without a warning');
    write_mmdb("$dir/asn.mmdb", type => 'PHS-Test-ASN', '192.0.2.0/24' => 'KP');
    ($status, $out) = configtest("PostHogGeoIPDatabase $dir/asn.mmdb\n"
                                 . "PostHogBlockedGeoIPRegions KP\n");
    ok t_cmp($out, qr{PostHogGeoIPDatabase \S*asn\.mmdb is a 'PHS-Test-ASN' database, not a Country or City one},
             'a database that is not a Country or City one is warned about');
}
