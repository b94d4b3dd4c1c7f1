# Starting httpd: each configuration warning once per start (httpd reads
# its configuration twice), once more per restart, once in configtest; and
# a long list of directive lines loads as fast as a file (the set is
# sealed once, not after each line) and is all there.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 14;

my $key = join '', map { sprintf '%02x', $_ * 7 % 256 } 1 .. 32;
my $warned = <<"CONF";
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogBehindProxy On
PostHogSecretKey $key
CONF
my @warnings = (qr/PostHogBehindProxy On without PostHogTrustedProxies/,
                qr/PostHogSecretKey is written in the configuration/);

sub count {
    my ($text, $re) = @_;
    my $n = () = $text =~ /$re/g;
    return $n;
}

# The error log once it holds $want copies of the first warning.
sub settled_log {
    my ($file, $want) = @_;
    return error_log_when(sub { count($_[0], $warnings[0]) >= $want }, 0, $file);
}

{
    my $server = start_httpd($warned);
    my $log = settled_log($server->{error_log}, 1);
    ok t_cmp(count($log, $_), 1, "at start, once: $_") for @warnings;
    $server->{graceful}->();
    $log = settled_log($server->{error_log}, 2);
    ok t_cmp(count($log, $_), 2, "after a graceful restart, once more: $_")
        for @warnings;
    $server->{stop}->();
    my ($status, $out) = configtest($warned);
    ok t_cmp(count($out, $_), 1, "configtest, once: $_") for @warnings;
}

# 100,000 PostHogAllowedIPBlocks lines, as generated includes feed
# `Require ip` lists.  The watchdog is far above the time it takes (see
# `make bench-config`): it only catches a return of the quadratic load.
# Apart and shuffled, so that no two lines merge into one range.
my $dir = tempdir(CLEANUP => 1);
my $lines = 100_000;
srand 7;
my @blocks = map { sprintf '10.%d.%d.%d', $_ >> 15, ($_ >> 7) & 255,
                   ($_ & 127) * 2 } 0 .. $lines - 1;
for my $i (reverse 1 .. $#blocks) {
    my $j = int rand($i + 1);
    @blocks[$i, $j] = @blocks[$j, $i];
}
write_file("$dir/blocks.conf", join '', map { "PostHogAllowedIPBlocks $_\n" } @blocks);
my $config = <<"CONF";
PostHogSecure On
PostHogHTTPSRedirect Off
Include "$dir/blocks.conf"
PostHogAllowedIPBlocks 127.0.0.1
CONF
{
    my ($status, $out) = configtest("PostHogSecure On\nInclude \"$dir/blocks.conf\"\n",
                                    timeout => 20);
    ok t_cmp($status == 124 ? 'killed after 20 s' : $status, 0,
             "$lines directive lines: httpd -t passes within the watchdog");
    ok t_cmp($out, qr/Syntax OK/, "$lines directive lines: Syntax OK");
}
{
    my $server = start_httpd($config);
    my $r = request(port => $server->{port}, path => '/', from => '127.0.0.1');
    ok t_cmp($r->{status}, 404, 'the last line counts (127.0.0.1 gets past the list)');
    my $denied = request(port => $server->{port}, path => '/', from => '127.0.0.2');
    ok t_cmp($denied->{status}, 403, 'an address in no line is denied');
    $server->{stop}->();
}
{
    # Sealed once means sealed at all: every line of a list is in the set.
    my $probe = <<"CONF";
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogAllowedIPBlocks 127.0.0.9
PostHogAllowedIPBlocks 127.0.0.2
PostHogAllowedIPBlocks 127.0.0.7
CONF
    my $server = start_httpd($probe);
    ok t_cmp(request(port => $server->{port}, path => '/', from => '127.0.0.2')->{status},
             404, 'a middle line of three counts');
    ok t_cmp(request(port => $server->{port}, path => '/', from => '127.0.0.3')->{status},
             403, 'an address in none is denied');
    $server->{stop}->();
}

# A test that dies leaves no server behind: the one start_httpd gave it
# is stopped as the test process exits (a forked test here, which dies
# with its server running).
{
    my $port;
    pipe my $reader, my $writer or die $!;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $reader;
        my $server = start_httpd("PostHogSecure On\nPostHogHTTPSRedirect Off\n");
        print $writer "$server->{port}\n";
        close $writer;
        open STDERR, '>', '/dev/null';
        die "a test dying with its server running\n";
    }
    close $writer;
    chomp($port = <$reader> // '');
    waitpid $pid, 0;
    ok t_cmp($port, qr/^\d+$/, 'the dying test had started its server');
    my $open = 1;
    for (1 .. 200) {
        last unless $open = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                                PeerPort => $port, Proto => 'tcp');
        close $open;
        select undef, undef, undef, 0.025;
    }
    ok t_cmp($open ? 'still answers' : 'stopped', 'stopped',
             'and the server stopped when the test died');
}
