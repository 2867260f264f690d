#!/usr/bin/env node
import '../dist/lab/cli.js';
