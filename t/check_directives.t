# t/check-directives fails the build when a directive of the command table
# is not created unset, not merged, or not documented, and when the
# reference documents a directive the module does not have: each mistake
# is made in a copy and must be named.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use FindBin;

my $top = "$FindBin::Bin/..";
my $script = "$FindBin::Bin/check-directives";
my %file = (c => "$top/modules/httpd/mod_phs_config.c",
            h => "$top/modules/httpd/mod_phs_config.h",
            md => "$top/docs/DIRECTIVES.md");
my $dir = tempdir(CLEANUP => 1);

sub slurp {
    open my $fh, '<', shift or die $!;
    local $/;
    return <$fh>;
}

# Runs the check on the tree's files with one of them changed by $edit;
# returns (exit status, output).
sub check_with {
    my ($which, $edit) = @_;
    my %use = %file;
    if ($which) {
        my $text = slurp($file{$which});
        local $_ = $text;
        $edit->();
        die "the edit changed nothing\n" if $_ eq $text;
        $use{$which} = "$dir/$which." . ($which eq 'md' ? 'md' : $which);
        open my $out, '>', $use{$which} or die $!;
        print $out $_;
        close $out;
    }
    my $out = `perl "$script" "$use{c}" "$use{h}" "$use{md}" 2>&1`;
    return ($? >> 8, $out);
}

plan tests => 10;

my ($status, $out) = check_with();
ok t_cmp($status, 0, 'the tree passes');
ok t_cmp($out, qr/^check-directives: \d+ directives, each merged and documented/,
         'and says how many directives it checked');

($status, $out) = check_with(c => sub {
    s/\n\s*conf->trust_all = PHS_MERGE_INT\(child->trust_all, parent->trust_all\);//
});
ok t_cmp($status, 1, 'a field left out of the merge fails');
ok t_cmp($out, qr/'trust_all' is not merged in mod_phs_merge_server_conf/, 'naming it');

($status, $out) = check_with(c => sub { s/\n\s*conf->ip_restriction = PHS_UNSET;// });
ok t_cmp($status, 1, 'an int field not created unset fails');
ok t_cmp($out, qr/'ip_restriction' does not start unset/, 'naming it');

($status, $out) = check_with(md => sub { s/^## PostHogHSTS\s*$/## HSTS/m });
ok t_cmp($status, 1, 'a directive without a section fails');
ok t_cmp($out, qr/PostHogHSTS has no section/, 'naming it');

($status, $out) = check_with(md => sub { $_ .= "\n## PostHogNoSuchThing\n" });
ok t_cmp($status, 1, 'a section for a directive the module lacks fails');
ok t_cmp($out, qr/documents PostHogNoSuchThing, which the command table does not declare/,
         'naming it');
