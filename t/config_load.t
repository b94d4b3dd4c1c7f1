# Configuration load grows linearly with the number of vhosts: the
# module's check_config, counted by callgrind for 250 and 1,000 vhosts that
# each have PostHogSecure On (it was quadratic: each vhost looked itself up
# in the whole configuration tree).  Counted, never timed.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;

# The sanitizer build's runtime and valgrind exclude each other.
plan tests => 3, need(need_min_module_version('Apache::Test' => 0),
                      { 'not under the sanitizers' => !$ENV{PHS_SANITIZE} });

my $top = "$FindBin::Bin/..";
local $ENV{MODULE} = "$top/.libs/mod_posthog_secure.so";
my %per;
for (`perl "$top/bench/config-vhosts" 250 1000 2>&1`) {
    my ($n, $total, $per) = /^(\d+) (\d+) (\d+)$/ or next;
    $per{$n} = $per;
}
ok t_cmp(scalar(keys %per), 2, 'both sizes were counted');
ok t_cmp(($per{250} // 0) > 0 ? 1 : 0, 1, "250 vhosts: $per{250} instructions a vhost");
my $ratio = $per{250} ? ($per{1000} // 0) / $per{250} : 0;
ok t_cmp($ratio > 0 && $ratio < 1.3 ? 'linear' : "x$ratio a vhost at four times the vhosts",
         'linear', 'a vhost costs the same at 1,000 vhosts as at 250');
