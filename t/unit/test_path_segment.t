#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_path_segment" or die "cannot run test_path_segment: $!\n";
