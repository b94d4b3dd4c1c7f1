#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_region" or die "cannot run test_region: $!\n";
