# SECRET_KEY, PostHog's environment variables, and the signed client IP.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Digest::SHA qw(hmac_sha256_hex);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 159;

my $good_key = $ENV{SECRET_KEY};
my $signing_key = $ENV{PHS_SIGNING_KEY};
my @posthog_vars = qw(ALLOWED_IP_BLOCKS TRUSTED_PROXIES TRUST_ALL_PROXIES
                      IS_BEHIND_PROXY SECURE_COOKIES DISABLE_SECURE_SSL_REDIRECT
                      DEBUG TEST SECRET_KEY MANAGED_PROXY_SIGNING_KEYS);
my $dir = tempdir(CLEANUP => 1);

sub key_file {
    my ($name, $content, $mode) = @_;
    my $file = write_file("$dir/$name", "$content\n");
    chmod $mode // 0600, $file or die "chmod $file: $!";
    return $file;
}

# httpd -t with exactly these PostHog variables in its environment.
sub configtest_env {
    my ($env, $lines) = @_;
    local %ENV = %ENV;
    delete @ENV{@posthog_vars};
    %ENV = (%ENV, %$env);
    return configtest($lines);
}

# Bad keys: httpd refuses, names the directive or variable, says how to
# make one, and never shows the key.
my $weak_file = key_file('weak', 'abcdabcdabcdabcdabcdabcdabcdabcdabcd');
my $long_file = key_file('long', join '', map { sprintf '%02x', $_ % 251 } 1 .. 1000);
# Keys of exactly 1022 and 1023 bytes, each on a line of its own: the limit
# holds at its edge (1023 bytes fill the read buffer with no room for "\n").
my $edge_key = join '', map { sprintf '%02x', $_ % 251 } 1 .. 512;
my $max_file = key_file('max', substr($edge_key, 0, 1022));
my $over_file = key_file('over', substr($edge_key, 0, 1023));
my @bad_keys = (
    [{}, 'PostHogSecretKey "<randomly generated secret key>"', "placeholder", 'PostHogSecretKey', '<randomly generated secret key>'],
    [{}, 'PostHogSecretKey too-short-key-1234', 'shorter than 32', 'PostHogSecretKey', 'too-short-key-1234'],
    [{}, 'PostHogSecretKey xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'one repeated character', 'PostHogSecretKey', 'xxxxxxxxxxxxxxxxxxxxxxxx'],
    [{}, 'PostHogSecretKey 0123456701234567012345670123456701234567', 'repeated pattern', 'PostHogSecretKey', '0123456701234567'],
    [{}, 'PostHogSecretKey aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbcc', 'fewer than 8 distinct', 'PostHogSecretKey', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    [{}, 'PostHogSecretKey env:PHS_NO_SUCH_VARIABLE', 'PHS_NO_SUCH_VARIABLE is not set', 'PostHogSecretKey', undef],
    [{ PHS_WEAK => 'weakweakweakweakweakweakweakweakweak' }, 'PostHogSecretKey env:PHS_WEAK', 'env:PHS_WEAK', 'PostHogSecretKey', 'weakweakweakweak'],
    [{}, 'PostHogSecretKey file:/nonexistent/secret', 'cannot read /nonexistent/secret', 'PostHogSecretKey', undef],
    [{}, "PostHogSecretKey file:$weak_file", 'repeated pattern', 'PostHogSecretKey', 'abcdabcdabcdabcd'],
    [{}, "PostHogSecretKey file:$long_file", 'is longer than 1022 bytes', 'PostHogSecretKey', '0102030405060708'],
    [{}, "PostHogSecretKey file:$over_file", 'is longer than 1022 bytes', 'PostHogSecretKey', '0102030405060708'],
    [{}, 'PostHogSignClientIP On', 'needs PostHogSigningKey or PostHogSecretKey', 'PostHogSignClientIP', undef],
    [{ PHS_WEAK => 'weakweakweakweakweakweakweakweakweak' }, 'PostHogSigningKey env:PHS_WEAK', 'env:PHS_WEAK', 'PostHogSigningKey', 'weakweakweakweak'],
    [{}, 'PostHogSigningKey "<randomly generated secret key>"', "it is PostHog's placeholder", 'PostHogSigningKey', undef],
    [{ SECRET_KEY => $good_key, MANAGED_PROXY_SIGNING_KEYS => "tiny-key-1, $good_key" }, 'PostHogFromEnvironment On', 'MANAGED_PROXY_SIGNING_KEYS: the first key: it is shorter', 'openssl rand -hex 32', 'tiny-key-1'],
    [{ SECRET_KEY => $good_key, MANAGED_PROXY_SIGNING_KEYS => ' , ,' }, 'PostHogFromEnvironment On', 'MANAGED_PROXY_SIGNING_KEYS holds no key', 'PostHogFromEnvironment', undef],
    [{}, 'PostHogFromEnvironment On', 'SECRET_KEY is not set', 'PostHogFromEnvironment', undef],
    [{ SECRET_KEY => '<randomly generated secret key>' }, 'PostHogFromEnvironment On', "SECRET_KEY: it is PostHog's placeholder", 'openssl rand -hex 32', '<randomly generated secret key>'],
    [{ SECRET_KEY => 'short-secret' }, 'PostHogFromEnvironment On', 'SECRET_KEY: it is shorter', 'openssl rand -hex 32', 'short-secret'],
    [{ SECRET_KEY => $good_key, ALLOWED_IP_BLOCKS => '10.0.0.0/8, office.example' }, 'PostHogFromEnvironment On', "ALLOWED_IP_BLOCKS: invalid IP address or CIDR block 'office.example'", 'PostHogFromEnvironment', $good_key],
    [{ SECRET_KEY => $good_key, TRUSTED_PROXIES => '10.0.0.1/33' }, 'PostHogFromEnvironment On', "TRUSTED_PROXIES: invalid IP address or CIDR block '10.0.0.1/33'", 'PostHogFromEnvironment', $good_key],
    [{ DEBUG => 'true', ALLOWED_IP_BLOCKS => '1.2.3' }, 'PostHogFromEnvironment On', "ALLOWED_IP_BLOCKS: invalid IP address or CIDR block '1.2.3'", 'PostHogFromEnvironment', undef],
    [{ SECRET_KEY => $good_key, ALLOWED_IP_BLOCKS => ' , ' }, 'PostHogFromEnvironment On', "ALLOWED_IP_BLOCKS: no address in ' , '", 'PostHogFromEnvironment', $good_key],
);
for my $case (@bad_keys) {
    my ($env, $line, $why, $name, $secret) = @$case;
    my ($status, $out) = configtest_env($env, $line);
    ok t_cmp($status, qr/^[1-9]/, "'$line' stops httpd");
    ok t_cmp($out, qr/\Q$why\E/, "and says: $why");
    ok t_cmp($out, qr/\Q$name\E/, "and names $name");
    ok t_cmp(defined $secret && index($out, $secret) >= 0 ? 'key shown' : 'key hidden',
             'key hidden', 'the key is never shown');
}
{
    my ($status, $out) = configtest_env({}, "PostHogSecretKey file:$max_file");
    ok t_cmp($status, 0, 'a key of exactly 1022 bytes in a file is accepted');
}
{
    my ($status, $out) = configtest_env({}, 'PostHogSecretKey file:/nonexistent/secret');
    ok t_cmp($out, qr/openssl rand -hex 32|cannot read/, 'a missing file is named');
}

# Good keys: literal (with a warning), env:, file: (warning when world-readable).
{
    my ($status, $out) = configtest_env({}, "PostHogSecretKey $good_key");
    ok t_cmp($status, 0, 'a literal good key passes');
    ok t_cmp($out, qr/written in the configuration.*use env:NAME or file:PATH/,
             'with a warning to use env: or file:');
    ok t_cmp(index($out, $good_key), -1, 'the warning does not show the key');
    ($status, $out) = configtest_env({ PHS_GOOD => $good_key }, 'PostHogSecretKey env:PHS_GOOD');
    ok t_cmp($status, 0, 'env: with a good key passes');
    ok t_cmp($out, qr/^Syntax OK\s*$/, 'silently');
    my $private = key_file('private', $good_key, 0600);
    ($status, $out) = configtest_env({}, "PostHogSecretKey file:$private");
    ok t_cmp($status, 0, 'file: with a good key passes');
    ok t_cmp($out, qr/^Syntax OK\s*$/, 'silently when private');
    my $public = key_file('public', $good_key, 0644);
    ($status, $out) = configtest_env({}, "PostHogSecretKey file:$public");
    ok t_cmp($status, 0, 'a world-readable key file passes');
    ok t_cmp($out, qr/readable by every user/, 'with a warning');
    ok t_cmp(index($out, $good_key), -1, 'without the key');
}

# PostHog's environment: every spelling of the booleans; directives win.
{
    my ($status, $out) = configtest_env({ DEBUG => 'yes' }, 'PostHogFromEnvironment On');
    ok t_cmp($status, 0, 'DEBUG=yes: no key needed');
    ($status, $out) = configtest_env({ TEST => 'On' }, 'PostHogFromEnvironment On');
    ok t_cmp($status, 0, 'TEST=On: no key needed');
    ($status, $out) = configtest_env({ DEBUG => 'no' }, 'PostHogFromEnvironment On');
    ok t_cmp($status, qr/^[1-9]/, 'DEBUG=no: production, the key is required');
    ($status, $out) = configtest_env({ DEBUG => '' }, 'PostHogFromEnvironment On');
    ok t_cmp($status, qr/^[1-9]/, 'DEBUG empty counts as unset: production');
    ($status, $out) = configtest_env({ DEBUG => 'true' }, "PostHogFromEnvironment On\nPostHogMode production");
    ok t_cmp($status, qr/^[1-9]/, 'PostHogMode production beats DEBUG=true');
    ($status, $out) = configtest_env({ SECRET_KEY => 'bad' },
                                     "PostHogFromEnvironment On\nPostHogSecretKey env:PHS_GOOD_KEY");
    ok t_cmp($status, qr/^[1-9]/, 'control: env:PHS_GOOD_KEY unset fails');
    local $ENV{PHS_GOOD_KEY} = $good_key;
    ($status, $out) = configtest_env({ SECRET_KEY => 'bad', PHS_GOOD_KEY => $good_key },
                                     "PostHogFromEnvironment On\nPostHogSecretKey env:PHS_GOOD_KEY");
    ok t_cmp($status, 0, 'PostHogSecretKey beats a bad SECRET_KEY');
    ($status, $out) = configtest_env({ SECRET_KEY => $good_key, ALLOWED_IP_BLOCKS => 'nonsense' },
                                     "PostHogFromEnvironment On\nPostHogAllowedIPBlocks 10.0.0.0/8");
    ok t_cmp($status, 0, 'PostHogAllowedIPBlocks beats ALLOWED_IP_BLOCKS');
    ($status, $out) = configtest_env({ SECRET_KEY => $good_key, ALLOWED_IP_BLOCKS => ' ',
                                       TRUSTED_PROXIES => '' }, 'PostHogFromEnvironment On');
    ok t_cmp($status, 0, 'empty list variables count as unset');
}

# The env-configured vhost answers like its directive twin.
{
    my @cases = (
        ['127.0.0.1', undef, '/api/x'], ['127.0.0.3', undef, '/api/x'],
        ['127.0.0.3', undef, '/e/'], ['127.0.0.2', '198.51.100.7', '/api/x'],
        ['127.0.0.2', '203.0.113.9', '/api/x'], ['127.0.0.3', '198.51.100.7', '/api/x'],
        ['127.0.0.1', undef, '/cgi/cookies.cgi?c=sessionid%3D1'],
    );
    for my $case (@cases) {
        my ($from, $xff, $path) = @$case;
        my @h = $xff ? ('X-Forwarded-For' => $xff) : ();
        my %got = map {
            my $r = request(vhost => $_, from => $from, path => $path, headers => [@h]);
            ($_ => join ' ', $r->{status}, @{ set_cookies($r) });
        } qw(env env_twin);
        ok t_cmp($got{env}, $got{env_twin}, "env vhost = directive twin: $from "
                 . ($xff // '') . " $path ($got{env_twin})");
    }
    my $m = unique_marker();
    my $r = request(vhost => 'env', from => '127.0.0.3', path => "/api/x?$m");
    ok t_cmp($r->{status}, 403, 'ALLOWED_IP_BLOCKS is enforced');
    ok t_cmp(backend_hits($m), 0, 'the backend never saw the blocked client');
    $r = request(vhost => 'env', path => '/cgi/cookies.cgi?c=sessionid%3D1');
    ok t_cmp($r->{headers}{'set-cookie'}[0], 'sessionid=1; Secure; HttpOnly', 'SECURE_COOKIES=yes');
    ok t_cmp($r->{status}, 200, 'DISABLE_SECURE_SSL_REDIRECT=1: no redirect');
}

# The signed client IP.
sub signed {
    my ($from, $path, @headers) = @_;
    my $r = request(vhost => 'signing', from => $from, path => $path, headers => [@headers]);
    my %h = map { /^(HTTP_X_POSTHOG_CLIENT_IP\w*)=(.*)$/ ? ($1 => $2) : () } split /\n/, $r->{body};
    return ($r, $h{HTTP_X_POSTHOG_CLIENT_IP} // '', $h{HTTP_X_POSTHOG_CLIENT_IP_TIMESTAMP} // '',
            $h{HTTP_X_POSTHOG_CLIENT_IP_SIGNATURE} // '');
}
my @forged = ('X-PostHog-Client-IP' => '10.6.6.6', 'X-PostHog-Client-IP-Timestamp' => '1',
              'X-PostHog-Client-IP-Signature' => 'f' x 64);
for my $path ('/api/x', '/cgi/app.cgi') {
    my ($r, $ip, $ts, $sig) = signed('127.0.0.1', $path, @forged);
    ok t_cmp($r->{status}, 200, "$path: signed request served");
    ok t_cmp($ip, '127.0.0.1', "$path: the backend gets the client IP, not the forged one");
    ok t_cmp(abs($ts - time) <= 60 ? 1 : 0, 1, "$path: the timestamp is now ($ts)");
    ok t_cmp($sig, hmac_sha256_hex("$ip:$ts", $signing_key), "$path: the signature verifies");
}
{
    my ($r, $ip, $ts, $sig) = signed('127.0.0.2', '/api/x', 'X-Forwarded-For' => '198.51.100.7');
    ok t_cmp($ip, '198.51.100.7', 'behind a trusted proxy: the resolved client is signed');
    ok t_cmp($sig, hmac_sha256_hex("198.51.100.7:$ts", $signing_key), 'and verifies');
    ok t_cmp($sig eq hmac_sha256_hex("198.51.100.7:$ts", $good_key) ? 1 : 0, 0,
             'signed with PostHogSecretKey, not another key');
    ($r, $ip, $ts, $sig) = signed('127.0.0.1', '/unsigned/x', @forged);
    ok t_cmp("$ip|$ts|$sig", '||', 'signing Off: forged headers removed, none added');
    $r = request(vhost => 'app', path => '/cgi/app.cgi', headers => [@forged]);
    ok t_cmp($r->{body}, qr/^HTTP_X_POSTHOG_CLIENT_IP=$/m,
             'PostHogSecure On without signing: forged headers never reach the app');
    ok t_cmp($r->{body}, qr/^HTTP_X_POSTHOG_CLIENT_IP_SIGNATURE=$/m, 'nor the forged signature');
    $r = request(vhost => 'app', path => '/cgi/app.cgi',
                 headers => ['x-posthog-client-ip-signature' => 'f' x 64]);
    ok t_cmp($r->{body}, qr/^HTTP_X_POSTHOG_CLIENT_IP_SIGNATURE=$/m,
             'a forged signature alone, in lower case, is removed too');
}

# Trust from a directive is not the environment's, and a directive beats
# the environment: neither an unset nor a false IS_BEHIND_PROXY turns
# PostHogTrustedProxies off; proxies from TRUSTED_PROXIES count only with
# IS_BEHIND_PROXY, as in PostHog.  TRUST_ALL_PROXIES=true counts only where
# PostHogTrustAllProxies says On.
for my $case (
    [{}, 'PostHogTrustedProxies 127.0.0.2', 200, 'a trust directive without IS_BEHIND_PROXY'],
    [{ IS_BEHIND_PROXY => 'false' }, 'PostHogTrustedProxies 127.0.0.2', 200, 'IS_BEHIND_PROXY=false beside PostHogTrustedProxies'],
    [{ IS_BEHIND_PROXY => 'false' }, "PostHogTrustedProxies 127.0.0.2\nPostHogBehindProxy Off", 403, 'PostHogBehindProxy Off'],
    [{ IS_BEHIND_PROXY => 'true', TRUST_ALL_PROXIES => 'true' }, 'PostHogTrustAllProxies On', 200, 'TRUST_ALL_PROXIES=true with PostHogTrustAllProxies On'],
    [{ TRUSTED_PROXIES => '127.0.0.2' }, '', 403, 'TRUSTED_PROXIES without IS_BEHIND_PROXY'],
    [{ TRUSTED_PROXIES => '127.0.0.2', IS_BEHIND_PROXY => 'true' }, '', 200, 'TRUSTED_PROXIES with IS_BEHIND_PROXY'],
) {
    my ($env, $trust, $status, $what) = @$case;
    local %ENV = %ENV;
    delete @ENV{grep { $_ ne 'SECRET_KEY' } @posthog_vars};
    %ENV = (%ENV, %$env);
    my $server = start_from_environment("PostHogAllowedIPBlocks 192.0.2.1\n$trust");
    my $m = unique_marker();
    my $r = request(port => $server->{port}, from => '127.0.0.2', path => "/api/x?$m",
                    headers => ['X-Forwarded-For' => '192.0.2.1']);
    $server->{stop}->();
    ok t_cmp($r->{status}, $status, "$what: the allowed client behind 127.0.0.2 gets $status");
    ok t_cmp(backend_hits($m), $status == 200 ? 1 : 0,
             $status == 200 ? "$what: it reaches the backend" : "$what: the backend never sees it");
}

# PostHog's own env block (TRUST_ALL_PROXIES=true, right for PostHog behind
# httpd) read by httpd: refused at configtest unless PostHogTrustAllProxies
# says what httpd should do; with Off, a client's X-Forwarded-For counts
# for nothing.
{
    my ($status, $out) = configtest_env(
        { IS_BEHIND_PROXY => 'true', TRUST_ALL_PROXIES => 'True' },
        "PostHogSecure On\nPostHogMode test\nPostHogFromEnvironment On");
    ok t_cmp($status, 1, 'TRUST_ALL_PROXIES=True from the environment: httpd -t refuses');
    ok t_cmp($out, qr/TRUST_ALL_PROXIES=True would make httpd take the leftmost X-Forwarded-For entry from any peer/,
             'it says why, naming the variable');
    ok t_cmp($out, qr/'PostHogTrustAllProxies Off' to ignore it in httpd.*'PostHogTrustAllProxies On'/s,
             'and what to write instead');
    local %ENV = %ENV;
    delete @ENV{grep { $_ ne 'SECRET_KEY' } @posthog_vars};
    %ENV = (%ENV, IS_BEHIND_PROXY => 'true', TRUST_ALL_PROXIES => 'true');
    my $server = start_from_environment(
        "PostHogAllowedIPBlocks 192.0.2.1\nPostHogTrustAllProxies Off");
    my $m = unique_marker();
    my $r = request(port => $server->{port}, from => '127.0.0.5', path => "/api/x?$m",
                    headers => ['X-Forwarded-For' => '192.0.2.1']);
    $server->{stop}->();
    ok t_cmp($r->{status}, 403, 'with PostHogTrustAllProxies Off a forged X-Forwarded-For is refused');
    ok t_cmp(backend_hits($m), 0, 'and never reaches the backend');
}

# Neither key ever reaches the error log (the signing vhost logs at trace8).
{
    my $log = error_log_since(0);
    ok t_cmp(length $log > 1000 ? 1 : 0, 1, 'the error log has trace output');
    ok t_cmp(index($log, $signing_key), -1, 'the signing key is not in the error log');
    ok t_cmp(index($log, $ENV{SECRET_KEY}), -1, 'SECRET_KEY is not in the error log');
}
