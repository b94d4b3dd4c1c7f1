# configure stops on httpd headers older than 2.4.48 (no http_ssl.h), saying
# what it found, what is needed and which package to install; 2.4.48 and
# later pass.  Each case runs the shipped configure in a copy of the tree,
# with an apxs that answers `-q INCLUDEDIR` with a copy of this machine's
# httpd headers whose ap_release.h says another version.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test qw(write_file);

my $top = "$FindBin::Bin/..";
my $apxs = $ENV{APXS} || 'apxs';
chomp(my $includedir = `"$apxs" -q INCLUDEDIR`);
-f "$top/configure" or die "no $top/configure: t/run-tests must copy it\n";
-f "$includedir/ap_release.h" or die "no httpd headers in '$includedir'\n";

my $dir = tempdir(CLEANUP => 1);
my $cases = 0;

# A copy of this machine's httpd headers saying $version, with or without
# http_ssl.h.
sub headers {
    my ($version, $with_http_ssl) = @_;
    my $include = "$dir/include" . ++$cases;
    system('cp', '-R', $includedir, $include) == 0 or die "cp $includedir failed\n";
    unlink "$include/http_ssl.h" unless $with_http_ssl;
    my $release = "$include/ap_release.h";
    open my $in, '<', $release or die "$release: $!";
    my $text = do { local $/; <$in> };
    close $in;
    my %number;
    @number{qw(MAJORVERSION MINORVERSION PATCHLEVEL)} = split /\./, $version;
    for my $name (keys %number) {
        $text =~ s/^(#define AP_SERVER_${name}_NUMBER\s+)\d+/$1$number{$name}/m
            or die "no AP_SERVER_${name}_NUMBER in $release\n";
    }
    write_file($release, $text);
    return $include;
}

# Runs configure in a copy of the tree with an apxs whose INCLUDEDIR is
# $include; returns ($exit_status, $output, the tree).
sub configure_with {
    my $include = shift;
    my $tree = "$dir/tree" . ++$cases;
    mkdir $tree or die "$tree: $!";
    write_file("$tree/apxs", <<"APXS");
#!/bin/sh
if [ "\$*" = "-q INCLUDEDIR" ]; then echo '$include'; exit 0; fi
exec '$apxs' "\$@"
APXS
    chmod 0755, "$tree/apxs" or die "chmod $tree/apxs: $!";
    system('cp', map("$top/$_", qw(configure Makefile.in mod_posthog_secure.c)), $tree) == 0
        or die "cp to $tree failed\n";
    my $out = `cd '$tree' && ./configure --with-apxs='$tree/apxs' 2>&1`;
    return ($? >> 8, $out, $tree);
}

sub makefile { -e "$_[0]/Makefile" ? 'written' : 'absent' }

plan tests => 2 * 5 + 3 + 3 + 2 * 3;

for my $version ('2.4.46', '2.4.47') {
    my $include = headers($version, 0);
    my ($status, $out, $tree) = configure_with($include);
    ok t_cmp($status, qr/^[1-9]/, "configure stops on httpd $version headers");
    ok t_cmp($out, qr{\Q$include\E/ap_release\.h\.\.\. \Q$version\E\n},
             "it says it read $version from ap_release.h");
    ok t_cmp($out, qr/httpd \Q$version\E headers found in \Q$include\E; mod_posthog_secure needs httpd 2\.4\.48 or later \(http_ssl\.h/,
             'the error says what was found and what is needed');
    ok t_cmp($out, qr/install apache2-dev from a release with httpd 2\.4\.48 or later/,
             'and what to install');
    ok t_cmp(makefile($tree), 'absent', 'no Makefile is written');
}

my ($status, $out) = configure_with(headers('2.4.48', 0));
ok t_cmp($status, qr/^[1-9]/, 'configure stops on 2.4.48 headers without http_ssl.h');
ok t_cmp($out, qr/http_ssl\.h not found in \S+ although ap_release\.h says httpd 2\.4\.48/,
         'the error says http_ssl.h is missing');
ok t_cmp($out, qr/reinstall the Debian package apache2-dev/, 'and what to install');

my $empty = "$dir/no-headers";
mkdir $empty or die "$empty: $!";
($status, $out) = configure_with($empty);
ok t_cmp($status, qr/^[1-9]/, 'configure stops when INCLUDEDIR has no httpd headers');
ok t_cmp($out, qr/httpd headers not found \(\S+ -q INCLUDEDIR gives '\Q$empty\E', with no ap_release\.h\)/,
         'the error says where it looked');
ok t_cmp($out, qr/install the Debian package apache2-dev/, 'and what to install');

for my $version ('2.4.48', '2.5.0') {
    my ($status, $out, $tree) = configure_with(headers($version, 1));
    ok t_cmp($status, 0, "configure passes with httpd $version headers")
        or t_debug($out);
    ok t_cmp($out, qr{ap_release\.h\.\.\. \Q$version\E\n.*checking for http_ssl\.h\.\.\. yes}s,
             "it reads $version and finds http_ssl.h");
    ok t_cmp(makefile($tree), 'written', 'and writes the Makefile');
}
