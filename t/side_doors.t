# No side doors: every request_rec that can produce content is decided on
# its own URI (internal redirects, ErrorDocument, subrequests), whatever
# httpd decided to skip; a denied one is refused and the backend never
# sees it.  A blocked client cannot reach /admin/... through an exempt or
# unrestricted path.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 39;

my $blocked = '127.0.0.2';
my $allowed = '127.0.0.1';

my $get = requester('sidedoor');

sub served_backend { $_[0]{body} =~ /backend saw/ ? 'backend content' : 'none' }

# [what, path asked for, the backend path it leads to, the status the
#  blocked client gets: the denial's, or the proxied 404 itself when the
#  ErrorDocument that would answer it is the one refused]
my @doors = (
    ['an ErrorDocument for a proxied 404 (ProxyErrorOverride)',
     '/e/missing?status=404', '/admin/from-errordocument', 404],
    ["a local CGI's Location header",
     '/e/local-redirect.cgi?to=/private/app.cgi/from-cgi',
     '/private/app.cgi/from-cgi', 403],
    ['a per-directory mod_rewrite internal redirect', '/static/rw/go',
     '/private/app.cgi/from-rewrite', 403],
    ['a DirectoryIndex naming another URI', '/static/dir/',
     '/private/app.cgi/from-index', 403],
    ['a type map (mod_negotiation) naming another URI',
     '/static/neg/page.var', '/private/app.cgi/from-typemap', 403],
);

for my $door (@doors) {
    my ($what, $path, $target, $status) = @$door;
    my $before = backend_hits($target);
    my $r = $get->($blocked, $path);
    ok t_cmp(served_backend($r), 'none',
             "$what: the blocked client gets none of $target");
    ok t_cmp($r->{status}, $status, "$what: and a $status");
    ok t_cmp(backend_hits($target), $before,
             "$what: the backend never saw $target");
    $r = $get->($allowed, $path);
    ok t_cmp(backend_hits($target), $before + 1,
             "$what: an allowed client reaches $target (the door is real)");
    ok t_cmp(served_backend($r), 'backend content',
             "$what: and is served it");
}

# mod_include: a virtual include is a subrequest of its own; refused, the
# include fails and the rest of the page is served.
{
    my $before = backend_hits('/private/app.cgi/from-include');
    my $r = $get->($blocked, '/static/ssi/page.shtml');
    ok t_cmp($r->{status}, 200, 'an exempt SSI page is served to a blocked client');
    ok t_cmp($r->{body}, qr/before\s.*\[an error occurred[^]]*\] after/s,
             'but its include of a restricted URI fails');
    ok t_cmp(backend_hits('/private/app.cgi/from-include'), $before,
             'and the backend never saw the include');
    $r = $get->($allowed, '/static/ssi/page.shtml');
    ok t_cmp($r->{body}, qr/before\s.*backend saw: GET \S+ 0 127\.0\.0\.1 \/private\/app\.cgi\/from-include/s,
             'an allowed client gets the included page');
}

# The page ErrorDocument 403 names is what the admin shows a denied
# client: served, though its own path is restricted.
{
    my $m = unique_marker();
    my $r = $get->($blocked, "/admin/direct?$m");
    ok t_cmp($r->{status}, 403, 'a blocked client is refused /admin/direct');
    ok t_cmp($r->{body}, qr/the page ErrorDocument 403 names/,
             'with the ErrorDocument 403 page');
    ok t_cmp(backend_hits($m), 0, 'and the backend never saw it');
}

# Satisfy Any: a blocked client is refused at once, never asked to log in.
{
    my $m = unique_marker();
    my $r = $get->($blocked, "/api/satisfy-any?$m");
    ok t_cmp($r->{status}, 403, 'Satisfy Any: 403 at once, not 401');
    ok t_cmp($r->{headers}{'www-authenticate'} ? 'asked' : 'not asked',
             'not asked', 'and no credentials are asked for');
    ok t_cmp(backend_hits($m), 0, 'and the backend never saw it');
    $r = $get->($allowed, "/api/satisfy-any?$m");
    ok t_cmp($r->{status}, 200, 'Satisfy Any: the allowed address passes');
}

# Denials are logged where an admin sees them: this vhost has LogLevel
# warn, httpd's default.
{
    my $offset = error_log_size();
    my $m = unique_marker();
    my $r = $get->($blocked, "/admin/logged-$m");
    ok t_cmp($r->{status}, 403, 'a blocked client is refused /admin/logged-...');
    ok t_cmp(backend_hits($m), 0, 'and the backend never saw it');
    ok t_cmp(error_log_when(sub { $_[0] =~ /\Q$m\E/ }, $offset),
             qr/\[posthog_secure:error\].*denied client 127\.0\.0\.2 \(peer 127\.0\.0\.2\) for \/admin\/logged-$m: client address not in PostHogAllowedIPBlocks/,
             'a denial is logged at LogLevel warn, with client, peer, URI and reason');
}
