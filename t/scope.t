# Where the module acts: nothing at all in a vhost where PostHogSecure On
# appears nowhere (the client address included); forged signed-IP headers
# removed, in every spelling, in the whole vhost where it appears; and a
# .htaccess switches off only what its AllowOverride class covers.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 24;

# An inert vhost: its trust directive changes neither %a, Require ip, nor
# what mod_proxy forwards.
{
    my $m = unique_marker();
    my $r = request(vhost => 'inert', from => '127.0.0.2', path => "/api/x?$m",
                    headers => ['X-Forwarded-For' => '198.51.100.7']);
    ok t_cmp($r->{status}, 200, 'inert vhost: the request passes');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=198\.51\.100\.7, 127\.0\.0\.2$/m,
             'inert vhost: mod_proxy appends the real peer, the header is not consumed');
    $m = unique_marker();
    $r = request(vhost => 'inert', from => '127.0.0.2', path => "/authz?$m",
                 headers => ['X-Forwarded-For' => '198.51.100.7']);
    ok t_cmp($r->{status}, 403, 'inert vhost: Require ip sees the peer, not the header');
    ok t_cmp(backend_hits($m), 0, 'and the backend never saw it');
}

# Forged signed-IP headers: gone in a PostHogSecure Off location of a vhost
# where the module is on, and in every spelling.
my @forged = ('X-PostHog-Client-IP' => '6.6.6.6',
              'X_PostHog_Client_IP' => '6.6.6.7',
              'X-PostHog-Client-IP-Timestamp' => '1700000000',
              'x_posthog_client_ip_timestamp' => '1700000001',
              'X-PostHog_Client-IP-Signature' => 'ab' x 32,
              'X_POSTHOG-CLIENT_IP_SIGNATURE' => 'cd' x 32);
for my $case (['/api/off/x', 'a PostHogSecure Off location'],
              ['/e/x', 'an exempt path'], ['/api/x', 'a restricted path']) {
    my ($path, $what) = @$case;
    my $m = unique_marker();
    my $r = request(vhost => 'app', from => '127.0.0.1', path => "$path?$m",
                    headers => \@forged);
    ok t_cmp($r->{status}, 200, "$what: the request passes");
    ok t_cmp(access_log_line('backend_headers_log', $m),
             qr/\Q$m\E -\|-\|-\|-\|-\|-$/,
             "$what: no spelling of the three headers reached the backend");
}
# The same names that are not the three are left alone.
{
    my $m = unique_marker();
    request(vhost => 'app', from => '127.0.0.1', path => "/api/x?$m",
            headers => ['X-PostHog-Client-IPs' => 'kept']);
    ok t_cmp(access_log_line('backend_access_log', $m), qr/\Q$m\E/,
             'a longer name passes (the request reached the backend)');
}

# .htaccess override classes: `PostHogSecure Off` everywhere.
{
    my $r = request(vhost => 'htaccess', from => '127.0.0.3',
                    path => '/ht_classes_auth/');
    ok t_cmp($r->{status}, 301,
             'AuthConfig only: the HTTPS redirect (FileInfo) stays on');
    ok t_cmp($r->{headers}{'set-cookie'}[0] // '', 'cls=1; Path=/; Secure; HttpOnly',
             'AuthConfig only: the cookie rewrite (FileInfo) stays on');
    $r = request(vhost => 'htaccess', from => '127.0.0.2',
                 path => '/ht_classes_auth_access/');
    ok t_cmp($r->{status}, 200, 'AuthConfig: the allow-list is switched off');
    ok t_cmp($r->{body}, qr/ht_classes_auth_access page/, 'and the page served');

    $r = request(vhost => 'htaccess', from => '127.0.0.2',
                 path => '/ht_classes_fileinfo/');
    ok t_cmp($r->{status}, 403, 'FileInfo only: the allow-list (AuthConfig) stays on');
    ok t_cmp($r->{body} =~ /ht_classes_fileinfo page/ ? 'in the answer' : 'not in it',
             'not in it', 'and none of the page is in the answer');
    $r = request(vhost => 'htaccess', from => '127.0.0.3',
                 path => '/ht_classes_fileinfo/');
    ok t_cmp($r->{status}, 200, 'FileInfo only: an allowed client is served');
    ok t_cmp($r->{headers}{'set-cookie'}[0] // '', 'cls=1; Path=/',
             'FileInfo: the cookie rewrite is switched off');
}

# PostHogSecure On only in a .htaccess: the forged forwarded and signed-IP
# headers go at the fixups, and the CGI is told the peer and plain HTTP.
{
    my $m = unique_marker();
    my $r = request(vhost => 'ht_secure_only', from => '127.0.0.2',
                    path => "/ht_secure_only/app.cgi?$m",
                    headers => ['X-Forwarded-For' => '198.51.100.66',
                                'Forwarded' => 'for=198.51.100.66',
                                'X-Forwarded-Proto' => 'https',
                                'X-PostHog-Client-IP' => '198.51.100.66']);
    ok t_cmp($r->{status}, 200, '.htaccess-only On: the CGI runs');
    ok t_cmp(backend_hits($m), 1, 'once');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=127\.0\.0\.2$/m,
             '.htaccess-only On: X-Forwarded-For is the peer alone');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_PROTO=http$/m, 'X-Forwarded-Proto is http');
    ok t_cmp(join('|', $r->{body} =~ /^(?:HTTP_FORWARDED|HTTP_X_POSTHOG_CLIENT_IP)=(.*)$/mg), '|',
             'Forwarded and X-PostHog-Client-IP are gone');
}
