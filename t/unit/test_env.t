#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_env" or die "cannot run test_env: $!\n";
