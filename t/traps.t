# Settings that look safe and are not: each gets a startup warning that
# says what to write instead (shown by `apachectl configtest`, and in the
# error log at start), and the safe spelling of the same intent gets none.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

my $proxy = <<'CONF';
LoadModule proxy_module @MODULES@/mod_proxy.so
LoadModule proxy_http_module @MODULES@/mod_proxy_http.so
LoadModule rewrite_module @MODULES@/mod_rewrite.so
CONF

my $trusts_all = qr/trusts every [^:]*: every client is believed about its own address, as with PostHogTrustAllProxies.*PostHogProxyHops N/;
my $admits_all = qr/admits every .*List only the networks that may reach PostHog/;
my $files_only = qr/PostHogSecure On appears only inside <Directory> or <Files> sections \(\S+:\d+\), and this server proxies \((ProxyPass|RewriteRule) at \S+:\d+\).*Put PostHogSecure On in the <VirtualHost> itself or in a <Location>/;
my $contradicted = qr/PostHogSecure (On|Off) at \S+:\d+ follows PostHogSecure (On|Off) at \S+:\d+ in the same section: only the last one counts, so the module is (on|off) there/;

# [configuration, the warning it must give or undef for none, what it is]
my @cases = (
    ["PostHogSecure On\nPostHogTrustedProxies 0.0.0.0/0", $trusts_all, 'PostHogTrustedProxies 0.0.0.0/0'],
    ["PostHogSecure On\nPostHogTrustedProxies ::/0", $trusts_all, 'PostHogTrustedProxies ::/0'],
    ["PostHogSecure On\nPostHogTrustedProxies 0.0.0.0/1\nPostHogTrustedProxies 128.0.0.0/1", $trusts_all, 'two halves of IPv4 on two lines'],
    ["PostHogSecure On\nPostHogTrustedProxies ::/1 8000::/1", $trusts_all, 'two halves of IPv6'],
    ["PostHogSecure On\nPostHogTrustedProxies 10.0.0.0/8 192.0.2.0/24 2001:db8::/32", undef, 'real proxy networks'],
    ["PostHogSecure On\nPostHogAllowedIPBlocks 0.0.0.0/0 ::/0", $admits_all, 'an allow-list of 0.0.0.0/0 ::/0'],
    ["PostHogSecure On\n<Location /api>\nPostHogAllowedIPBlocks 0.0.0.0/0\n</Location>", qr/PostHogAllowedIPBlocks at \S+:\d+ admits every IPv4 address: it restricts only IPv6 clients/, 'a location allow-list of 0.0.0.0/0'],
    ["PostHogSecure On\nPostHogAllowedIPBlocks 192.0.2.0/24 0.0.0.0/1", undef, 'half of IPv4'],
    ["$proxy<Directory /var/www>\nPostHogSecure On\n</Directory>\nProxyPass / http://127.0.0.1:9/", $files_only, 'PostHogSecure On only in <Directory> beside ProxyPass'],
    ["$proxy<Files app.php>\nPostHogSecure On\n</Files>\nRewriteEngine On\nRewriteRule ^/(.*) http://127.0.0.1:9/\$1 [P,L]", $files_only, 'PostHogSecure On only in <Files> beside RewriteRule [P]'],
    ["$proxy<Directory /var/www>\nPostHogSecure On\n</Directory>\nProxyPass /static !", undef, 'in <Directory> where nothing is proxied'],
    ["$proxy<Directory /var/www>\nPostHogSecure On\n</Directory>\n<Location />\nPostHogSecure On\n</Location>\nProxyPass / http://127.0.0.1:9/", undef, 'in <Directory> and in a <Location>'],
    ["$proxy<VirtualHost 127.0.0.1:9999>\n<Directory /var/www>\nPostHogSecure On\n</Directory>\nProxyPass / http://127.0.0.1:9/\n</VirtualHost>", $files_only, 'the same inside a <VirtualHost>'],
    ["$proxy<VirtualHost 127.0.0.1:9999>\nPostHogSecure On\nProxyPass / http://127.0.0.1:9/\n</VirtualHost>", undef, 'PostHogSecure On in the <VirtualHost>'],
    ["PostHogSecure On\nPostHogSecure Off", $contradicted, 'On then Off in one section'],
    ["PostHogSecure On\nPostHogBlockedIPBlocks 192.0.2.1\n<Location /api>\nPostHogBlockedIPBlocks none\n</Location>",
     qr/PostHogBlockedIPBlocks none at \S+:\d+ lifts no deny-list: the lists of every enclosing scope still apply there/,
     'PostHogBlockedIPBlocks none, which lifts nothing'],
    ["PostHogSecure On\nPostHogAllowedIPBlocks 192.0.2.1\n<Location /api>\nPostHogAllowedIPBlocks none\n</Location>", undef,
     'PostHogAllowedIPBlocks none, which does lift the allow-list'],
    ["PostHogSecure On\nPostHogBlockedIPBlocks 0.0.0.0/0 ::/0", undef, 'a deny-list of everything (refuses, never admits)'],
    ["<Location /api>\nPostHogSecure Off\nPostHogSecure On\n</Location>", $contradicted, 'Off then On in one section'],
    ["PostHogSecure On\n<Location /api>\nPostHogSecure Off\n</Location>", undef, 'Off in an inner section'],
);

plan tests => 2 * @cases + 6;

for my $case (@cases) {
    my ($lines, $want, $what) = @$case;
    my ($status, $out) = configtest($lines);
    ok t_cmp($status, 0, "$what: a warning, never an error");
    if ($want) {
        ok t_cmp($out, $want, "$what: warned");
    }
    else {
        ok t_cmp($out =~ /posthog_secure:warn/ ? $out : 'no warning', 'no warning',
                 "$what: no warning");
    }
}

# The environment's lists say which variable they came from.
{
    local %ENV = (%ENV, TRUSTED_PROXIES => '0.0.0.0/0', IS_BEHIND_PROXY => 'true',
                  ALLOWED_IP_BLOCKS => '::/0', TRUST_ALL_PROXIES => 'false');
    my ($status, $out) = configtest("PostHogSecure On\nPostHogMode test\nPostHogFromEnvironment On");
    ok t_cmp($status, 0, 'everything-lists from the environment: warnings, not errors');
    ok t_cmp($out, qr/TRUSTED_PROXIES trusts every IPv4 address/, 'TRUSTED_PROXIES=0.0.0.0/0 is named');
    ok t_cmp($out, qr/ALLOWED_IP_BLOCKS admits every address, IPv4 and IPv6: it restricts nothing/,
             'ALLOWED_IP_BLOCKS=::/0 is named');
}

# At start, each warning reaches the error log once.
{
    my $server = start_httpd("PostHogSecure On\nPostHogTrustedProxies 0.0.0.0/0\n"
                             . "PostHogAllowedIPBlocks 0.0.0.0/0 ::/0");
    my $log = error_log_when(sub { $_[0] =~ /admits every/ }, 0, $server->{error_log});
    $server->{stop}->();
    my $trusted = () = $log =~ /$trusts_all/g;
    my $allowed = () = $log =~ /$admits_all/g;
    ok t_cmp($trusted, 1, 'the trust warning is in the error log once');
    ok t_cmp($allowed, 1, 'the allow-list warning is in the error log once');
    ok t_cmp($log, qr/\[posthog_secure:warn\]/, 'at warn level');
}
