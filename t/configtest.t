# Every bad directive value stops `httpd -t`, naming the directive and the
# offending token; a good configuration passes.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

my $conf_dir = Apache::Test::vars('t_conf');

# [directive line, the token the error must name]
my @bad = (
    ['PostHogSecure maybe', 'maybe'],
    ['PostHogSecure', undef],
    ['PostHogIPRestriction sometimes', 'sometimes'],
    ['PostHogAllowedIPBlocks posthog.example.com', 'posthog.example.com'],
    ['PostHogAllowedIPBlocks 10.0.0.0/33', '10.0.0.0/33'],
    ['PostHogAllowedIPBlocks 10.0.0.0/-1', '10.0.0.0/-1'],
    ['PostHogAllowedIPBlocks 1.2.3', '1.2.3'],
    ['PostHogAllowedIPBlocks 1.2.3.4.5', '1.2.3.4.5'],
    ['PostHogAllowedIPBlocks 256.1.1.1', '256.1.1.1'],
    ['PostHogAllowedIPBlocks fe80::1%eth0', 'fe80::1%eth0'],
    ['PostHogAllowedIPBlocks [::1]', '[::1]'],
    ['PostHogAllowedIPBlocks 2001:db8::/129', '2001:db8::/129'],
    ['PostHogAllowedIPBlocks 10.0.0.1:80', '10.0.0.1:80'],
    ['PostHogAllowedIPBlocks 10.0.0.1,garbage!', 'garbage!'],
    ['PostHogAllowedIPBlocks 10.0.0.1 none', 'none'],
    ['PostHogAllowedIPBlocks ",,"', ',,'],
    ['PostHogAllowedIPBlocksFile /nonexistent/blocks.txt', '/nonexistent/blocks.txt'],
    ["PostHogAllowedIPBlocksFile $conf_dir/bad_blocks.txt", 'bad_blocks.txt:3'],
    ["PostHogAllowedIPBlocksFile $conf_dir/bad_blocks.txt", 'not-an-ip'],
    ['PostHogExemptPaths /e', "'/e'"],
    ['PostHogExemptPaths e/', "'e/'"],
    ['PostHogExemptPaths api//surveys', 'api//surveys'],
    ['PostHogExemptPaths api/../admin', 'api/../admin'],
    ['PostHogExemptPaths !', "'!'"],
    ['PostHogExemptPaths e !e', "'!e' contradicts"],
    ['PostHogExemptPaths ..', '..'],
    ['PostHogExemptPaths e%2f', 'e%2f'],
    ['PostHogExemptPaths none e', "'e' cannot follow 'none'"],
    ['PostHogExemptPaths e none', "'none' cannot be combined"],
    ["PostHogExemptPaths e\nPostHogExemptPaths none", "'none' cannot be combined"],
    ["<Location /x>\nPostHogExemptPaths none\nPostHogExemptPaths s\n</Location>", "'s' cannot follow 'none'"],
    ['PostHogDenyMessage /forbidden.html', '/forbidden.html'],
    ['PostHogDenyMessage ""', undef],
    ['PostHogDenyMessage http://elsewhere.example/', 'http://elsewhere.example/'],
    ['PostHogTrustedProxies proxy.internal', 'proxy.internal'],
    ['PostHogTrustedProxies 10.0.0.0/40', '10.0.0.0/40'],
    ['PostHogTrustedProxiesFile /nonexistent/proxies.txt', '/nonexistent/proxies.txt'],
    ["PostHogTrustedProxiesFile $conf_dir/bad_blocks.txt", 'not-an-ip'],
    ['PostHogProxyHops 0', "'0'"],
    ['PostHogProxyHops -1', "'-1'"],
    ['PostHogProxyHops two', "'two'"],
    ['PostHogProxyHops 101', "'101'"],
    ['PostHogProxyHops 2x', "'2x'"],
    ['PostHogTrustAllProxies yes', "'yes'"],
    ['PostHogBehindProxy 1', "'1'"],
    ['PostHogClientIPHeader "X Forwarded"', 'X Forwarded'],
    ['PostHogClientIPHeader X-Forwarded-For:', 'X-Forwarded-For:'],
    ['PostHogForwardedProtoHeader ""', undef],
    ['PostHogClientIPHeader Host', "'Host'"],
    ['PostHogClientIPHeader cookie', "'cookie'"],
    ['PostHogForwardedProtoHeader Content-Length', "'Content-Length'"],
    ['PostHogForwardedProtoHeader connection', "'connection'"],
    ["PostHogClientIPHeader X-Forwarded-Proto\nPostHogSecure On", "'X-Forwarded-Proto'"],
    ["PostHogClientIPHeader X-Scheme\nPostHogForwardedProtoHeader x-scheme\nPostHogSecure On", "'x-scheme'"],
    ["<Location /x>\nPostHogTrustedProxies 10.0.0.1\n</Location>", 'not allowed in <Location> context'],
    ["<Location /x>\nPostHogProxyHops 1\n</Location>", 'not allowed in <Location> context'],
    ['PostHogMode staging', "'staging'"],
    ['PostHogSecureCookies sometimes', "'sometimes'"],
    ['PostHogCookieHttpOnly auto', "'auto'"],
    ['PostHogCookieHttpOnlyExempt bad;name', 'bad;name'],
    ['PostHogCookieHttpOnlyExempt ph_*x', 'ph_*x'],
    ['PostHogCookieSameSite Loose', "'Loose'"],
    ['PostHogHTTPSRedirect always', "'always'"],
    ['PostHogHTTPSRedirectExempt _health/', '_health/'],
    ['PostHogHTTPSRedirectExempt lb/./check', 'lb/./check'],
    ['PostHogHTTPSRedirectExempt _health none', "'none' cannot be combined"],
    ['PostHogHTTPSRedirectExempt none _livez', "'_livez' cannot follow 'none'"],
    ['PostHogHTTPSPort 0', "'0'"],
    ['PostHogHTTPSPort 65536', "'65536'"],
    ['PostHogHTTPSPort https', "'https'"],
    ['PostHogCanonicalHost https://posthog.example.com', 'https://posthog.example.com'],
    ['PostHogCanonicalHost posthog.example.com/x', 'posthog.example.com/x'],
    ['PostHogCanonicalHost posthog.example.com:8443', 'posthog.example.com:8443'],
    ['PostHogCanonicalHost [posthog.example.com]', '[posthog.example.com]'],
    ['PostHogCanonicalHost 2001:db8::1:x', '2001:db8::1:x'],
    ['PostHogHSTS max-age=abc', 'max-age=abc'],
    ['PostHogHSTS includeSubDomains', 'includeSubDomains'],
    ['PostHogHSTS "max-age=1; preload; preload"', 'preload'],
    ['PostHogHSTS "max-age=1; always"', 'always'],
    ["<Location /x>\nPostHogHSTS max-age=1\n</Location>", 'not allowed in <Location> context'],
    ["<Location /x>\nPostHogMode debug\n</Location>", 'not allowed in <Location> context'],
    ['PostHogFromEnvironment maybe', "'maybe'"],
    ['PostHogSignClientIP sure', "'sure'"],
    ['PostHogForwardedHeaders drop', "'drop'"],
    ["<Location /x>\nPostHogForwardedHeaders keep\n</Location>", 'not allowed in <Location> context'],
    ["<Location /x>\nPostHogSigningKey env:HOME\n</Location>", 'not allowed in <Location> context'],
    ['PostHogSecretKey env:', 'env: names no environment variable'],
    ['PostHogSecretKey file:', "invalid path ''"],
    ['PostHogSecretKey file:/tmp', '/tmp is not a file'],
    ["<Location /x>\nPostHogSecretKey env:HOME\n</Location>", 'not allowed in <Location> context'],
    ['PostHogCookieHttpOnlyExempt none sessionid', "'none' cannot be combined with names in one scope ('sessionid')"],
    ['PostHogCookieHttpOnlyExempt sessionid NONE', "'none' cannot be combined with names in one scope ('sessionid')"],
    ["PostHogCookieHttpOnlyExempt none\nPostHogCookieHttpOnlyExempt ph_*", "'none' cannot be combined with names in one scope ('ph_*')"],
    ["<Location /x>\nPostHogCookieHttpOnlyExempt a b\nPostHogCookieHttpOnlyExempt none\n</Location>", "'none' cannot be combined with names in one scope ('a')"],
);

plan tests => 3 * @bad + 7;

for my $case (@bad) {
    my ($line, $token) = @$case;
    my ($directive) = $line =~ /^(?:<[^>]*>\n)?(\S+)/;
    my ($status, $out) = configtest($line);
    ok t_cmp($status, qr/^[1-9]/, "'$line' stops httpd -t");
    ok t_cmp($out, qr/\Q$directive\E/, "the error names $directive");
    if (defined $token) {
        ok t_cmp($out, qr/\Q$token\E/, "the error names '$token'");
    }
    else {
        ok t_cmp($out, qr/takes one argument/, 'the error says an argument is missing');
    }
}

configtest_passes(<<"GOOD", 'a good configuration');
PostHogSecure On
PostHogAllowedIPBlocks 192.168.0.0/31,127.0.0.0/25, 128.0.0.1 ::ffff:10.0.0.1 2001:db8::/32
PostHogAllowedIPBlocksFile $conf_dir/allowed_blocks.txt
PostHogIPRestriction On
PostHogExemptPaths e batch _health
PostHogDenyMessage "Not from here."
PostHogBehindProxy On
PostHogTrustedProxies 10.0.0.0/8, 2001:db8::/32
PostHogTrustedProxiesFile $conf_dir/allowed_blocks.txt
PostHogProxyHops 2
PostHogTrustAllProxies Off
PostHogClientIPHeader X-Real-IP
PostHogForwardedProtoHeader X-Forwarded-Scheme
PostHogMode test
PostHogSecureCookies Auto
PostHogCookieHttpOnly On
PostHogCookieHttpOnlyExempt posthog_csrftoken ph_* csrftoken
PostHogCookieSameSite lax
PostHogHTTPSRedirect Auto
PostHogHTTPSRedirectExempt _health _readyz
PostHogHTTPSPort 8443
PostHogCanonicalHost posthog.example.com
PostHogHSTS "max-age=31536000; includeSubDomains; preload"
<Location /open>
    PostHogIPRestriction Off
    PostHogAllowedIPBlocks none
</Location>
GOOD

# `none` alone, twice, or in a scope under names, is fine.
configtest_passes(<<"GOOD", "'none' in a scope of its own");
PostHogCookieHttpOnlyExempt sessionid
<Location /none>
    PostHogCookieHttpOnlyExempt none
    PostHogCookieHttpOnlyExempt none
</Location>
GOOD

# IP literals are hosts too (an IPv6 one with or without its brackets).
for my $host ('192.0.2.7', '2001:db8::1', '[2001:db8::1]') {
    my ($status) = configtest("PostHogCanonicalHost $host");
    ok t_cmp($status, 0, "PostHogCanonicalHost $host passes httpd -t");
}
