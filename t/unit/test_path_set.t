#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_path_set" or die "cannot run test_path_set: $!\n";
