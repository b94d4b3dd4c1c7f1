#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_metrics" or die "cannot run test_metrics: $!\n";
