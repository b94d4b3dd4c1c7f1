# Every Set-Cookie that leaves httpd gets Secure and HttpOnly (unless exempt),
# whoever set it: a mod_proxy backend, a CGI (err_headers_out), mod_headers,
# a redirect, an ErrorDocument page; bodyless responses included.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 44;

# cookies_of(path => P, cookies => [Set-Cookie values the backend sends],
#            status => S, vhost => V, method => M): (the response, the
#            Set-Cookie values that reached the client).
sub cookies_of {
    my %a = (vhost => 'cookies', method => 'GET', @_);
    my @query = (cookie_query(@{ $a{cookies} // [] }) || (),
                 $a{status} ? "status=$a{status}" : ());
    my $path = $a{path} . (@query ? '?' . join('&', @query) : '');
    my $r = request(vhost => $a{vhost}, method => $a{method}, path => $path);
    return ($r, set_cookies($r));
}

my @posthog = (
    'sessionid=abc123; expires=Thu, 12 Dec 2026 10:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax',
    'posthog_csrftoken=xyz; expires=Thu, 12 Dec 2026 10:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax',
    'phtoolbar=1; Path=/; SameSite=None',
    'ph_current_instance="https://posthog.example.com"; Path=/',
);

# A reverse-proxied backend: several cookies, order and count kept.
{
    my ($r, $got) = cookies_of(path => '/proxy/set-cookies', cookies => \@posthog);
    ok t_cmp($r->{status}, 200, 'proxied backend answers');
    ok t_cmp(scalar @$got, 4, 'four cookies in, four out');
    ok t_cmp($got->[0], "$posthog[0]; Secure", 'sessionid: Secure added, HttpOnly kept once');
    ok t_cmp($got->[1], "$posthog[1]; Secure", 'posthog_csrftoken: Secure, no HttpOnly (the frontend reads it)');
    ok t_cmp($got->[2], "$posthog[2]; Secure; HttpOnly", 'phtoolbar: Secure and HttpOnly');
    ok t_cmp($got->[3], "$posthog[3]; Secure", 'ph_current_instance: Secure, no HttpOnly (ph_*)');
}

# Already compliant cookies and tricky values are left alone.
{
    my @in = ('a=1; secure; HTTPONLY', 'b=secure; Path=/secure', 'c=1; SECURE ; httponly ;');
    my ($r, $got) = cookies_of(path => '/proxy/set-cookies', cookies => \@in);
    ok t_cmp($got->[0], $in[0], 'flags in any case are not duplicated');
    ok t_cmp($got->[1], "$in[1]; Secure; HttpOnly", 'a value or path holding "secure" is not the attribute');
    ok t_cmp($got->[2], $in[2], 'odd spacing is recognised');
}

# A local CGI: its cookies land in err_headers_out.
{
    my ($r, $got) = cookies_of(path => '/cgi/cookies.cgi', cookies => ['cgi=1; Path=/']);
    ok t_cmp($r->{status}, 200, 'CGI answers');
    ok t_cmp($got->[0], 'cgi=1; Path=/; Secure; HttpOnly', 'CGI cookie rewritten');
}

# mod_headers: Header set and Header always add.
{
    my ($r, $got) = cookies_of(path => '/static-page/index.html');
    ok t_cmp($r->{status}, 200, 'static page');
    my %c = map { /^(\w+)=/ ? ($1 => $_) : () } @$got;
    ok t_cmp($c{hdrset}, 'hdrset=1; Path=/; Secure; HttpOnly', 'Header set cookie rewritten');
    ok t_cmp($c{hdralways}, 'hdralways=1; Secure; HttpOnly', 'Header always cookie rewritten');
}

# A redirect and an ErrorDocument page.
{
    my ($r, $got) = cookies_of(path => '/moved');
    ok t_cmp($r->{status}, 302, 'Redirect answers 302');
    ok t_cmp($got->[0], 'redirected=1; Path=/; Secure; HttpOnly', 'redirect cookie rewritten');
    ($r, $got) = cookies_of(path => '/no-such-page');
    ok t_cmp($r->{status}, 404, 'missing page answers 404');
    ok t_cmp($got->[0], 'errdoc=1; Path=/; Secure; HttpOnly', 'ErrorDocument cookie rewritten');
}

# Bodyless responses: 304, 204, HEAD from the backend; 302 from it.
for my $case ([304, 'GET'], [204, 'GET'], [200, 'HEAD'], [302, 'GET']) {
    my ($status, $method) = @$case;
    my ($r, $got) = cookies_of(path => '/proxy/set-cookies', method => $method,
                               cookies => ['bodyless=1'], status => $status);
    ok t_cmp($r->{status}, $status, "$method with backend status $status");
    ok t_cmp($got->[0], 'bodyless=1; Secure; HttpOnly', "$method $status: cookie rewritten");
}

# Per-location settings.
{
    my ($r, $got) = cookies_of(path => '/proxy/set-cookies/off', cookies => ['x=1']);
    ok t_cmp($got->[0], 'x=1', 'PostHogSecureCookies Off and PostHogCookieHttpOnly Off leave it');
    ($r, $got) = cookies_of(path => '/proxy/set-cookies/lax', cookies => ['x=1', 'y=1; SameSite=Strict']);
    ok t_cmp($got->[0], 'x=1; Secure; HttpOnly; SameSite=Lax', 'PostHogCookieSameSite Lax added when absent');
    ok t_cmp($got->[1], 'y=1; SameSite=Strict; Secure; HttpOnly', 'an existing SameSite is kept');
    ($r, $got) = cookies_of(path => '/proxy/set-cookies/lax/off', cookies => ['x=1']);
    ok t_cmp($got->[0], 'x=1; Secure; HttpOnly', 'PostHogCookieSameSite Off inside it adds none');
    ($r, $got) = cookies_of(path => '/proxy/set-cookies/exempt',
                            cookies => ['sessionid=1', 'my_pref=2', 'posthog_csrftoken=3']);
    ok t_cmp($got->[0], 'sessionid=1; Secure', 'custom exempt list: exact name');
    ok t_cmp($got->[1], 'my_pref=2; Secure', 'custom exempt list: prefix');
    ok t_cmp($got->[2], 'posthog_csrftoken=3; Secure; HttpOnly', 'the custom list replaces the default');
    ($r, $got) = cookies_of(path => '/proxy/set-cookies/module-off', cookies => ['x=1']);
    ok t_cmp($got->[0], 'x=1', 'PostHogSecure Off: cookies untouched');
}

# Mode debug: Auto means off for Secure; HttpOnly still on.
{
    my ($r, $got) = cookies_of(vhost => 'cookies_debug', path => '/proxy/set-cookies',
                               cookies => ['x=1', '__Host-y=2; Path=/']);
    ok t_cmp($got->[0], 'x=1; HttpOnly', 'debug mode: no Secure under Auto');
    ok t_cmp($got->[1], '__Host-y=2; Path=/; Secure; HttpOnly', '__Host- cookies always get Secure');
    ($r, $got) = cookies_of(vhost => 'cookies_debug', path => '/proxy/set-cookies/forced',
                            cookies => ['x=1']);
    ok t_cmp($got->[0], 'x=1; Secure; HttpOnly', 'PostHogSecureCookies On beats the mode');
    ($r, $got) = cookies_of(vhost => 'cookies_debug', path => '/proxy/set-cookies',
                            cookies => ['phtoolbar=1; Path=/; SameSite=None']);
    ok t_cmp($got->[0], 'phtoolbar=1; Path=/; SameSite=None; HttpOnly',
             'debug mode: SameSite=None cookie without Secure');
}

# .htaccess: FileInfo allows the cookie directives; AuthConfig does not.
{
    my $r = request(vhost => 'htaccess', path => '/ht_cookies_fileinfo/');
    ok t_cmp($r->{status}, 200, '.htaccess with AllowOverride FileInfo');
    ok t_cmp(set_cookies($r)->[0], 'ht=1; Path=/; HttpOnly',
             '.htaccess PostHogSecureCookies Off applies');
    $r = request(vhost => 'htaccess', path => '/ht_cookies_authconfig/');
    ok t_cmp($r->{status}, 500, 'without FileInfo the .htaccess is an error');
}

# The plain-HTTP warning: browsers drop Secure cookies on http://.
{
    my $log = error_log_since(0);
    ok t_cmp($log, qr/Secure cookies sent over plain HTTP .*logins loop/,
             'the plain-HTTP warning is logged');
    my $count = () = $log =~ /Secure cookies sent over plain HTTP/g;
    ok t_cmp($count <= 10 ? 1 : 0, 1, "logged once per process, not per request ($count)");
    ok t_cmp($log, qr/SameSite=None but without Secure/, 'the SameSite=None warning is logged');
}
