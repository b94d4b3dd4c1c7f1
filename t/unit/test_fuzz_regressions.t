#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_fuzz_regressions" or die "cannot run test_fuzz_regressions: $!\n";
