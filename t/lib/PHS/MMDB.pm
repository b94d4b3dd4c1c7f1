package PHS::MMDB;
# A small MaxMind database written at test time (Debian's
# libmaxmind-db-writer-perl), shaped like GeoLite2-Country: each network's
# record is { country => { iso_code => CC } }.  Loopback and documentation
# ranges are kept (the writer drops reserved networks by default).
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use MaxMind::DB::Writer::Tree;

our @EXPORT = qw(write_mmdb);

my %types = (country => 'map', iso_code => 'utf8_string',
             registered_country => 'map');

# write_mmdb($path, '127.0.0.2/32' => 'KP', '2001:db8:1::/48' => 'US', ...);
# a database_type other than PHS-Test-Country as type => NAME first.
sub write_mmdb {
    my ($path, @networks) = @_;
    my $type = 'PHS-Test-Country';
    (undef, $type) = splice @networks, 0, 2 if @networks && $networks[0] eq 'type';
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version => 6,
        record_size => 24,
        database_type => $type,
        languages => ['en'],
        description => { en => 'mod_posthog_secure test countries' },
        map_key_type_callback => sub { $types{ $_[0] } },
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4 => 1,
    );
    while (my ($network, $code) = splice @networks, 0, 2) {
        $tree->insert_network($network, { country => { iso_code => $code } });
    }
    open my $fh, '>:raw', $path or die "$path: $!";
    $tree->write_tree($fh);
    close $fh or die "$path: $!";
    return $path;
}

1;
