package PHS::Metrics;
# The module's counters as its metrics handler serves them: the Prometheus
# text, its samples by "name{labels}", and one sample found by its name and
# the labels a test cares about (the vhost label of a server a test starts
# itself is httpd's business, not the test's).
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use PHS::Test qw(request);

our @EXPORT = qw(scrape samples metric);

# scrape(request()'s arguments; path defaults to /metrics): the response,
# which must be a 200.
sub scrape {
    my $r = request(path => '/metrics', @_);
    die "metrics: $r->{status}\n" unless $r->{status} == 200;
    return $r;
}

# { "name{labels}" => value } of a scrape(@_).
sub samples {
    my %value;
    for (split /\n/, scrape(@_)->{body}) {
        next if /^#/ || !/\S/;
        my ($key, $v) = /^(\S+) (\S+)$/ or die "bad sample line: $_\n";
        $value{$key} = $v;
    }
    return \%value;
}

# The value of the one sample of $samples named $name whose labels include
# %labels; undef when there is none.  More than one is a mistake of the
# test, never a value to pick from.
sub metric {
    my ($samples, $name, %labels) = @_;
    my @found;
    for my $key (keys %$samples) {
        my ($n, $list) = $key =~ /^(\w+)(?:\{(.*)\})?$/ or next;
        next unless $n eq $name;
        my %has = ($list // '') =~ /(\w+)="((?:[^"\\]|\\.)*)"/g;
        push @found, $key
            unless grep { ($has{$_} // '') ne $labels{$_} } keys %labels;
    }
    die "more than one $name sample matches: @found\n" if @found > 1;
    return @found ? $samples->{ $found[0] } : undef;
}

1;
