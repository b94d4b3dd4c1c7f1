# The allow-list end to end: real clients on 127.0.0.x and ::1, a real
# mod_proxy backend and a real CGI that record what reaches them.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 59;

my $get = requester('app');

# An allowed client reaches the proxied backend.
for my $from ('127.0.0.1', '::1') {
    my $m = unique_marker();
    my $r = $get->($from, "/api/projects?$m");
    ok t_cmp($r->{status}, 200, "allowed client $from gets 200");
    ok t_cmp(backend_hits($m), 1, "the backend saw the request from $from");
}

# A blocked client gets 403 and the backend never sees the request.
for my $from ('127.0.0.2', '127.0.0.3') {
    my $m = unique_marker();
    my $r = $get->($from, "/api/projects?$m");
    ok t_cmp($r->{status}, 403, "blocked client $from gets 403");
    ok t_cmp(backend_hits($m), 0, "the backend never saw $from");
}

# A denied POST has no effect: PostHog's own middleware ran the view first.
{
    my $m = unique_marker();
    my $r = $get->('127.0.0.2', "/api/projects/1/delete?$m", method => 'POST',
                   body => 'confirm=yes');
    ok t_cmp($r->{status}, 403, 'a blocked POST gets 403');
    ok t_cmp(backend_hits($m), 0, 'the blocked POST never reached the backend');
}

# Local CGI is refused before it runs, and sees the exported variables
# when allowed.
{
    my $m = unique_marker();
    my $r = $get->('127.0.0.2', "/cgi/app.cgi?$m");
    ok t_cmp($r->{status}, 403, 'a blocked client cannot run a local CGI');
    ok t_cmp(backend_hits($m), 0, 'the CGI never ran');
    $r = $get->('127.0.0.1', "/cgi/app.cgi?$m");
    ok t_cmp($r->{status}, 200, 'an allowed client runs the CGI');
    ok t_cmp($r->{body}, qr/^POSTHOG_ACCESS=allowed$/m, 'POSTHOG_ACCESS=allowed');
    ok t_cmp($r->{body}, qr/^POSTHOG_CLIENT_IP=127\.0\.0\.1$/m,
             'POSTHOG_CLIENT_IP is the client');
    $r = $get->('127.0.0.2', "/e/?$m");
    ok t_cmp($r->{status}, 200, 'a blocked client reaches an exempt path');
}

# The default deny message, and the denial logged with client, peer, URI.
{
    my $offset = error_log_size();
    my $m = unique_marker();
    my $r = $get->('127.0.0.3', "/api/secret-page?$m");
    ok t_cmp($r->{status}, 403, 'the default deny message comes with a 403');
    ok t_cmp($r->{body}, qr/Access denied\./, 'default deny message');
    ok t_cmp(backend_hits($m), 0, 'the backend never saw it');
    my $log = error_log_since($offset);
    ok t_cmp($log, qr/denied client 127\.0\.0\.3 \(peer 127\.0\.0\.3\) for \/api\/secret-page: client address not in PostHogAllowedIPBlocks/,
             'the denial is logged with client, peer, URI and reason');
}

# Static files served by httpd itself are protected too.
{
    my $r = $get->('127.0.0.2', '/plain/index.html');
    ok t_cmp($r->{status}, 403, 'a static file is refused to a blocked client');
    ok t_cmp($r->{body} =~ /static page/ ? 'in the answer' : 'not in it',
             'not in it', 'and none of the file is in the answer');
    $r = $get->('127.0.0.1', '/plain/index.html');
    ok t_cmp($r->{body}, qr/static page/, 'and served to an allowed one');
}

# IPv6 allow-list entries and IPv4-mapped clients.
{
    my $r = $get->('::1', '/api/x');
    ok t_cmp($r->{status}, 200, '::1/128 allows ::1');
}

# Per-location settings.
{
    my $m = unique_marker();
    my $r = $get->('127.0.0.2', "/api/open/x?$m");
    ok t_cmp($r->{status}, 200, 'PostHogIPRestriction Off opens a Location');
    ok t_cmp(backend_hits($m), 1, 'and the backend saw it');

    $m = unique_marker();
    $r = $get->('127.0.0.2', "/api/custom?$m");
    ok t_cmp($r->{status}, 403, 'custom message location still denies');
    ok t_cmp($r->{body}, qr/Custom denial text\./, 'PostHogDenyMessage is the body');
    ok t_cmp(backend_hits($m), 0, 'the backend never saw it');

    $m = unique_marker();
    $r = $get->('127.0.0.2', "/api/errordoc?$m");
    ok t_cmp($r->{status}, 403, 'ErrorDocument location denies');
    ok t_cmp($r->{body}, qr/ErrorDocument text wins\./, 'ErrorDocument 403 wins');
    ok t_cmp(backend_hits($m), 0, 'the backend never saw it');

    $r = $get->('127.0.0.2', '/api/wide');
    ok t_cmp($r->{status}, 200, 'a child list replaces the parent list (wider)');
    $m = unique_marker();
    $r = $get->('::1', "/api/wide?$m");
    ok t_cmp($r->{status}, 403, 'the parent list is not inherited by the child list');
    ok t_cmp(backend_hits($m), 0, 'the backend never saw ::1 there');

    $r = $get->('127.0.0.2', '/api/none');
    ok t_cmp($r->{status}, 200, "'none' clears the list");

    $m = unique_marker();
    $r = $get->('127.0.0.2', "/api/off?$m");
    ok t_cmp($r->{status}, 200, 'PostHogSecure Off turns the module off');
    ok t_cmp(backend_hits($m), 1, 'and the request goes through');
}

# Satisfy Any cannot turn a denial into an allow.
{
    my $m = unique_marker();
    my $r = $get->('127.0.0.2', "/api/satisfy-any?$m",
                   headers => [Authorization => 'Basic cGhzOnNlY3JldA==']);
    ok t_cmp($r->{status}, 403, 'an authenticated user from a blocked address is denied');
    ok t_cmp(backend_hits($m), 0, 'and the backend never saw it');
    $r = $get->('127.0.0.1', "/api/satisfy-any?$m",
                headers => [Authorization => 'Basic cGhzOnNlY3JldA==']);
    ok t_cmp($r->{status}, 200, 'the allowed address passes with auth');
}

# Blocks from a file (comments, blank lines, CIDRs, inline lists).
{
    my @cases = (['127.0.0.4', 200], ['127.0.1.77', 200], ['127.0.0.5', 403],
                 ['::1', 200], ['127.0.0.1', 403]);
    for (@cases) {
        my ($from, $want) = @$_;
        my $m = unique_marker();
        my $r = request(vhost => 'custom', from => $from, path => "/api/x?$m");
        ok t_cmp($r->{status}, $want, "blocks file: $from gets $want");
        ok t_cmp(backend_hits($m), $want == 200 ? 1 : 0, "blocks file: backend hits for $from");
    }
}

# The module is inert until PostHogSecure On.
{
    my $m = unique_marker();
    my $r = request(vhost => 'inert', from => '127.0.0.2', path => "/api/x?$m");
    ok t_cmp($r->{status}, 200, 'without PostHogSecure On nothing is enforced');
    ok t_cmp(backend_hits($m), 1, 'and the backend saw it');
}

# .htaccess: AuthConfig allows the access directives; FileInfo does not.
{
    my $r = request(vhost => 'htaccess', from => '127.0.0.3', path => '/ht_auth/');
    ok t_cmp($r->{status}, 200, '.htaccess allow-list admits 127.0.0.3');
    $r = request(vhost => 'htaccess', from => '127.0.0.2', path => '/ht_auth/');
    ok t_cmp($r->{status}, 403, '.htaccess allow-list refuses 127.0.0.2');
    ok t_cmp($r->{body}, qr/denied by \.htaccess/, '.htaccess deny message');
    ok t_cmp($r->{body} =~ /ht_auth page/ ? 'in the answer' : 'not in it',
             'not in it', 'and none of the page is in the answer');
    my $offset = error_log_size();
    $r = request(vhost => 'htaccess', from => '127.0.0.3', path => '/ht_fileinfo/');
    ok t_cmp($r->{status}, 500, 'without AllowOverride AuthConfig the .htaccess is an error');
    ok t_cmp(error_log_since($offset), qr/PostHogAllowedIPBlocks not allowed here/,
             'and the error log says why');
}
