# A signed client IP that PostHog accepts: the module's triple checked by
# PHS::ManagedProxy, PostHog's verifier written from its description, with
# PostHogSigningKey and PostHog's MANAGED_PROXY_SIGNING_KEYS.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Digest::SHA qw(hmac_sha256_hex);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use PHS::ManagedProxy qw(verified_ip forwarded_for);

plan tests => 19;

my @managed = map { s/^\s+|\s+$//gr } split /,/, $ENV{MANAGED_PROXY_SIGNING_KEYS};
my $own = $ENV{PHS_OWN_SIGNING_KEY};
my $secret = $ENV{PHS_SIGNING_KEY};

# The signed-IP headers and X-Forwarded-For the backend received.
sub received {
    my ($vhost, $path, @headers) = @_;
    my $r = request(vhost => $vhost, path => $path, headers => \@headers);
    my %env = map { /^(HTTP_\w+)=(.*)$/ ? ($1 => $2) : () } split /\n/, $r->{body};
    my %h;
    for my $name (qw(X_POSTHOG_CLIENT_IP X_POSTHOG_CLIENT_IP_TIMESTAMP
                     X_POSTHOG_CLIENT_IP_SIGNATURE X_FORWARDED_FOR)) {
        (my $header = lc $name) =~ tr/_/-/;
        $h{$header} = $env{"HTTP_$name"} if length($env{"HTTP_$name"} // '');
    }
    return ($r, \%h);
}

# MANAGED_PROXY_SIGNING_KEYS under PostHogFromEnvironment: the first signs,
# and PostHog, which tries each, accepts it.
{
    my ($r, $h) = received('env', '/signed/x',
                           'X-PostHog-Client-IP' => '6.6.6.6');
    ok t_cmp($r->{status}, 200, 'a signed request is served');
    ok t_cmp(verified_ip(headers => $h, keys => join(',', @managed)), '127.0.0.1',
             'PostHog verifies it with MANAGED_PROXY_SIGNING_KEYS');
    ok t_cmp(verified_ip(headers => $h, keys => $managed[0]), '127.0.0.1',
             'the first key is the one that signs');
    ok t_cmp(verified_ip(headers => $h, keys => $managed[1]), undef,
             'not the second');
    ok t_cmp(forwarded_for(headers => { %$h, 'x-forwarded-for' => '6.6.6.6' },
                           keys => join(',', @managed)),
             '127.0.0.1', 'PostHog records the signed client, not a forged X-Forwarded-For');
    ok t_cmp($h->{'x-posthog-client-ip-signature'}, qr/^[0-9a-f]{64}$/,
             'the signature is 64 lowercase hex digits');
    ok t_cmp($h->{'x-posthog-client-ip-timestamp'}, qr/^\d{1,12}$/,
             'the timestamp is unix seconds');

    # The verifier refuses what PostHog refuses.
    my %changed = (%$h, 'x-posthog-client-ip' => '127.0.0.9');
    ok t_cmp(verified_ip(headers => \%changed, keys => join(',', @managed)), undef,
             'a changed IP does not verify');
    ok t_cmp(verified_ip(headers => $h, keys => $secret), undef,
             'another key does not verify');
    my $now = time;
    for my $case ([$now - 61, undef, 'a timestamp 61 s old'],
                  [$now - 59, '127.0.0.1', 'a timestamp 59 s old'],
                  [$now + 6, undef, 'a timestamp 6 s ahead'],
                  [$now + 4, '127.0.0.1', 'a timestamp 4 s ahead']) {
        my ($ts, $want, $what) = @$case;
        my %at = ('x-posthog-client-ip' => '127.0.0.1',
                  'x-posthog-client-ip-timestamp' => $ts,
                  'x-posthog-client-ip-signature'
                      => hmac_sha256_hex("127.0.0.1:$ts", $managed[0]));
        ok t_cmp(verified_ip(headers => \%at, keys => $managed[0], now => $now),
                 $want, "$what, signed with the right key: "
                 . ($want ? 'accepted' : 'refused'));
    }
    my $digits13 = sprintf '%013d', $now;
    my %long = ('x-posthog-client-ip' => '127.0.0.1',
                'x-posthog-client-ip-timestamp' => $digits13,
                'x-posthog-client-ip-signature'
                    => hmac_sha256_hex("127.0.0.1:$digits13", $managed[0]));
    ok t_cmp(verified_ip(headers => \%long, keys => $managed[0], now => $now),
             undef, 'a timestamp of 13 digits is refused, even signed');
}

# PostHogSigningKey signs, not the secret key beside it.
{
    my ($r, $h) = received('signing_own', '/api/x');
    ok t_cmp(verified_ip(headers => $h, keys => $own), '127.0.0.1',
             'PostHogSigningKey: PostHog verifies with that key');
    ok t_cmp(verified_ip(headers => $h, keys => $secret), undef,
             'not with PostHogSecretKey');
}

# A client's Connection header naming the signed-IP fields cannot make
# mod_proxy_http drop them: PostHog still gets the module's signed client.
{
    my ($r, $h) = received('signing_own', '/api/x', Connection =>
        'X-PostHog-Client-IP, X-PostHog-Client-IP-Timestamp, '
        . 'X-PostHog-Client-IP-Signature, X-Forwarded-For');
    ok t_cmp($r->{status}, 200, 'Connection naming the signed-IP fields: served');
    ok t_cmp(verified_ip(headers => $h, keys => $own), '127.0.0.1',
             'and the backend still gets the signed client, which verifies');
}

# Neither signing key is ever logged.
{
    my $log = error_log_since(0);
    ok t_cmp(index($log, $own) + index($log, $managed[0]) + index($log, $managed[1]),
             -3, 'no signing key in the error log');
}
