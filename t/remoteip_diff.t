# Differential test: for random well-formed chains, this module and
# httpd's own mod_remoteip, given the same trusted list, resolve the same
# client IP.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

my $chains = 500;
plan tests => $chains + 1;

my $seed = $ENV{PHS_SEED} || time;
srand $seed;
print "# seed $seed (PHS_SEED=$seed to repeat)\n";

sub octet { int rand 256 }
my @trusted = (
    sub { join '.', 10, octet(), octet(), octet() },
    sub { join '.', 192, 168, octet(), octet() },
    sub { sprintf '2001:db8::%x', int rand 65536 },
    sub { '127.0.0.2' },
);
my @untrusted = (
    sub { join '.', 198, 51, 100, octet() },
    sub { join '.', 203, 0, 113, octet() },
    sub { join '.', 8, 8, octet(), octet() },
    sub { sprintf '2001:db9::%x', int rand 65536 },
);

sub random_chain {
    my $length = 1 + int rand 6;
    return join ', ', map {
        my $pool = rand() < 0.6 ? \@trusted : \@untrusted;
        $pool->[int rand @$pool]->();
    } 1 .. $length;
}

sub client_seen_by {
    my ($vhost, $from, $chain) = @_;
    my $r = request(vhost => $vhost, from => $from, path => '/',
                    headers => ['X-Forwarded-For' => $chain]);
    return $r->{headers}{'x-client-ip'}[0] // "(status $r->{status})";
}

my $disagree = 0;
for my $i (1 .. $chains) {
    my $chain = random_chain();
    my $from = $i % 10 ? '127.0.0.2' : '127.0.0.3';
    my $theirs = client_seen_by('diff_remoteip', $from, $chain);
    my $ours = client_seen_by('diff_posthog', $from, $chain);
    $disagree++ unless $theirs eq $ours;
    ok t_cmp($ours, $theirs, "from $from, X-Forwarded-For: $chain");
}
ok t_cmp($disagree, 0, "all $chains chains resolve as mod_remoteip does");
