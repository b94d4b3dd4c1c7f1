#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_secret_key" or die "cannot run test_secret_key: $!\n";
