#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_https" or die "cannot run test_https: $!\n";
