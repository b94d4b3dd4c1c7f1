#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_header_names" or die "cannot run test_header_names: $!\n";
