#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_text" or die "cannot run test_text: $!\n";
