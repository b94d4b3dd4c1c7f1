package PHS::ManagedProxy;
# PostHog's ManagedProxyClientIPMiddleware, written from its description
# (../shared/SPEC.md): what a PostHog behind httpd does with the signed
# client IP.  X-PostHog-Client-IP, -Timestamp and -Signature verify when
# the signature is the lowercase hex HMAC-SHA256 over "<ip>:<timestamp>"
# with any of MANAGED_PROXY_SIGNING_KEYS (comma-separated), the timestamp
# is unix seconds of at most 12 digits, at most 60 s old and at most 5 s
# ahead; PostHog then takes the signed IP instead of X-Forwarded-For.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use Digest::SHA qw(hmac_sha256_hex);

our @EXPORT_OK = qw(verified_ip forwarded_for);

use constant { MAX_AGE => 60, MAX_SKEW => 5 };

sub same_text {
    my ($a, $b) = @_;
    return 0 unless length $a == length $b;
    my $diff = 0;
    $diff |= ord(substr $a, $_, 1) ^ ord(substr $b, $_, 1) for 0 .. length($a) - 1;
    return $diff == 0;
}

# verified_ip(headers => { lower-case name => value }, keys => 'k1,k2',
#             now => seconds): the signed IP, or undef.
sub verified_ip {
    my %a = @_;
    my $h = $a{headers};
    my ($ip, $ts, $sig) = map { $h->{$_} }
        qw(x-posthog-client-ip x-posthog-client-ip-timestamp
           x-posthog-client-ip-signature);
    return undef unless defined $ip && defined $ts && defined $sig;
    return undef unless $ts =~ /^\d{1,12}$/;
    my $now = $a{now} // time;
    return undef if $now - $ts > MAX_AGE || $ts - $now > MAX_SKEW;
    for my $key (grep { length } map { s/^\s+|\s+$//gr } split /,/, $a{keys}) {
        return $ip if same_text(hmac_sha256_hex("$ip:$ts", $key), $sig);
    }
    return undef;
}

# The X-Forwarded-For PostHog goes on with: the signed IP when it
# verifies, else the header as it came.
sub forwarded_for {
    my %a = @_;
    return verified_ip(%a) // $a{headers}{'x-forwarded-for'};
}

1;
