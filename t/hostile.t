# Hostile input: every request gets a defined answer, no child crashes, and
# nothing is allowed that should be denied.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 51;

my $offset = error_log_size();

sub defined_answer {
    my ($r, $what, $want) = @_;
    ok t_cmp($r->{status}, $want, "$what: a defined answer ($want)");
}

# Huge and long forwarded chains through a trusted proxy.
{
    my $long = join ', ', ('10.1.2.3') x 600;
    $long = substr("198.51.100.7, $long", 0, 8000);
    $long =~ s/,[^,]*$//;
    my $m = unique_marker();
    my $r = request(vhost => 'proxied', from => '127.0.0.2', path => "/api/x?$m",
                    headers => ['X-Forwarded-For' => $long]);
    defined_answer($r, '8 KB X-Forwarded-For', 403);
    ok t_cmp($r->{status}, 403, 'untrusted 10.1.2.3 at the right is the client: denied');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');

    # Over two header lines (the proxied vhost allows 16 KB headers).
    my $first = join ',', '198.51.100.7', ('127.0.0.3') x 499;
    my $second = join ',', ('127.0.0.3') x 500;
    $m = unique_marker();
    $r = request(vhost => 'proxied', from => '127.0.0.2', path => "/api/x?$m",
                 headers => ['X-Forwarded-For' => $first, 'X-Forwarded-For' => $second]);
    ok t_cmp($r->{status}, 200, '1000 hops, all trusted but the first: allowed');
    ok t_cmp($r->{body}, qr/^REMOTE_ADDR=127\.0\.0\.1$/m, 'the backend saw mod_proxy, as always');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=198\.51\.100\.7$/m, 'and the resolved client');

    my $spoof = join ',', ('198.51.100.7') x 500, '203.0.113.66';
    $m = unique_marker();
    $r = request(vhost => 'proxied', from => '127.0.0.2', path => "/api/x?$m",
                 headers => ['X-Forwarded-For' => $spoof]);
    ok t_cmp($r->{status}, 403, '500 allowed addresses left of a blocked client: denied');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
}

# Control bytes, NUL, invalid UTF-8, odd syntax in the header.  httpd
# itself refuses a control byte in a field (400) before the module reads
# it; the module refuses the rest, whose client cannot be known (403).
for my $case (["198.51.100.7\x01", 400], ["198.51.100.7\x00, 10.0.0.1", 400],
              ["\xff\xfe", 403], ["198.51.100.7;x", 403], ["1.2.3.4\x0b", 400],
              ['[::1', 403], ['[]:', 403], [':::::', 403], ['1' x 300, 403],
              ["198.51.100.7 198.51.100.8", 403]) {
    my ($xff, $want) = @$case;
    (my $shown = $xff) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
    my ($r, $hits) = request_hits(vhost => 'proxied', from => '127.0.0.2', path => '/api/x',
                                  headers => ['X-Forwarded-For' => $xff]);
    ok t_cmp($r->{status}, $want, "X-Forwarded-For '$shown': refused with $want");
    ok t_cmp($hits, 0, "X-Forwarded-For '$shown': never reached the backend");
}

# Paths: invalid UTF-8, control bytes, NUL encoded, very long.  httpd
# refuses an encoded NUL (404) and a raw DEL (400) before the module is
# asked; /e/%00/../admin is /e/admin once httpd resolves the dot segment.
for my $case (['/api/%ff%fe%fd', 403], ['/e/%c0%af..%c0%afadmin', 403], ['/api/%00', 404],
              ['/e/%00/../admin', 200], ['/e/' . ('a' x 4000), 200], ["/api/\x7f", 400]) {
    my ($path, $want) = @$case;
    my ($r, $hits) = request_hits(vhost => 'app', from => '127.0.0.2', path => $path);
    (my $shown = substr($path, 0, 40)) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
    ok t_cmp($r->{status}, $want, "path '$shown': $want");
    ok t_cmp($hits, $want == 200 ? 1 : 0,
             "path '$shown': " . ($want == 200 ? 'reached the backend once' : 'never reached the backend'));
}

# A 4 KB Host, header folding, a Host with control bytes.
{
    my $r = request(vhost => 'redirect', path => '/api/x', headers => [Host => 'a' x 4096]);
    defined_answer($r, '4 KB Host', 301);
    ok t_cmp($r->{headers}{location}[0] // '', qr{^(https://localhost:\d+/api/x)?$},
             '4 KB Host never becomes the redirect host');
    $r = request(vhost => 'proxied', from => '127.0.0.2', raw =>
        "GET /api/x HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.66,\r\n 198.51.100.7\r\nConnection: close\r\n\r\n");
    ok t_cmp($r->{status}, 200, 'a folded X-Forwarded-For is one header line');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=198\.51\.100\.7$/m,
             'its rightmost entry is the client, all the backend is told');
    $r = request(vhost => 'redirect', path => '/api/x', headers => [Host => "localhost\x01evil"]);
    # httpd's own refusal of a malformed Host, before the module.
    defined_answer($r, 'Host with a control byte', 400);
}

# A backend sending 100 Set-Cookie headers and an 8 KB cookie.
{
    my $q = join '&', map { "c=c$_%3D$_" } 1 .. 100;
    my $r = request(vhost => 'cookies', path => "/proxy/set-cookies?$q");
    my $cookies = set_cookies($r);
    ok t_cmp(scalar @$cookies, 100, '100 cookies in, 100 out');
    ok t_cmp((grep { /; Secure; HttpOnly$/ } @$cookies) + 0, 100, 'all 100 rewritten');
    ok t_cmp($cookies->[99], 'c100=100; Secure; HttpOnly', 'in order');
    my $big = 'x' x 7000;
    $r = request(vhost => 'cookies', path => "/proxy/set-cookies?c=big%3D$big%3B%20secure");
    ok t_cmp($r->{headers}{'set-cookie'}[0], "big=$big; secure; HttpOnly", '7 KB cookie rewritten once');
}

# Still alive, and no child died.
{
    my $r = request(vhost => 'app', path => '/api/alive');
    ok t_cmp($r->{status}, 200, 'the server still answers');
    my $log = error_log_since($offset);
    ok t_cmp($log =~ /(exit signal|Segmentation fault|AddressSanitizer|runtime error)/ ? $1 : 'none',
             'none', 'no child crashed');
}
